// main() for every gtest binary of the project. Exits 77 (ctest's
// SKIP_RETURN_CODE) when tests were skipped and none passed or failed, so a
// binary whose tests all need root is reported as skipped, never as passed;
// any failure still fails it.
#include "gtest/gtest.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  int status = RUN_ALL_TESTS();
  const ::testing::UnitTest& u = *::testing::UnitTest::GetInstance();
  if (status == 0 && u.successful_test_count() == 0 && u.skipped_test_count() > 0) return 77;
  return status;
}
