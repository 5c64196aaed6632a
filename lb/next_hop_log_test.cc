#include "lb/next_hop_log.h"

#include <vector>

#include "gtest/gtest.h"

namespace sluice::lb {
namespace {

IpAddress Ip(const char* text) { return *ParseIpAddress(text); }

class NextHopLogTest : public ::testing::Test {
 protected:
  std::vector<std::string> lines_;
  NextHopLog log_{[this](const std::string& line) { lines_.push_back(line); }};
};

TEST_F(NextHopLogTest, RepeatedFailureIsOneLine) {
  for (int i = 0; i < 5; ++i) log_.Unresolved(Ip("10.0.0.1"), absl::UnavailableError("no route"));
  EXPECT_EQ(lines_, std::vector<std::string>{"next hop of 10.0.0.1 unresolved: no route"});
}

TEST_F(NextHopLogTest, ResolvingAgainIsOneLineAndAFailureAfterItIsNew) {
  log_.Unresolved(Ip("10.0.0.1"), absl::UnavailableError("no route"));
  log_.Resolved(Ip("10.0.0.1"));
  log_.Resolved(Ip("10.0.0.1"));
  log_.Unresolved(Ip("10.0.0.1"), absl::UnavailableError("no route"));
  EXPECT_EQ(lines_, (std::vector<std::string>{"next hop of 10.0.0.1 unresolved: no route",
                                              "next hop of 10.0.0.1 resolved again",
                                              "next hop of 10.0.0.1 unresolved: no route"}));
}

TEST_F(NextHopLogTest, AResolvedNextHopIsQuiet) {
  log_.Resolved(Ip("10.0.0.1"));
  log_.Resolved(Ip("2001:db8::1"));
  EXPECT_TRUE(lines_.empty());
}

TEST_F(NextHopLogTest, ANewReasonIsAChange) {
  log_.Unresolved(Ip("10.0.0.1"), absl::UnavailableError("no route"));
  log_.Unresolved(Ip("10.0.0.1"), absl::FailedPreconditionError("a local address"));
  log_.Unresolved(Ip("10.0.0.1"), absl::FailedPreconditionError("a local address"));
  EXPECT_EQ(lines_, (std::vector<std::string>{"next hop of 10.0.0.1 unresolved: no route",
                                              "next hop of 10.0.0.1 unresolved: a local address"}));
}

TEST_F(NextHopLogTest, AddressesAreIndependent) {
  log_.Unresolved(Ip("10.0.0.1"), absl::UnavailableError("no route"));
  log_.Unresolved(Ip("10.0.0.2"), absl::UnavailableError("no route"));
  log_.Unresolved(Ip("10.0.0.1"), absl::UnavailableError("no route"));
  log_.Resolved(Ip("10.0.0.2"));
  EXPECT_EQ(lines_, (std::vector<std::string>{"next hop of 10.0.0.1 unresolved: no route",
                                              "next hop of 10.0.0.2 unresolved: no route",
                                              "next hop of 10.0.0.2 resolved again"}));
}

// A backend removed and added again later starts afresh: its failure is
// news again.
TEST_F(NextHopLogTest, ForgottenAddressesStartAfresh) {
  log_.Unresolved(Ip("10.0.0.1"), absl::UnavailableError("no route"));
  log_.Unresolved(Ip("10.0.0.2"), absl::UnavailableError("no route"));
  log_.ForgetUnused([](const IpAddress& a) { return a == Ip("10.0.0.2"); });
  log_.Unresolved(Ip("10.0.0.1"), absl::UnavailableError("no route"));
  log_.Unresolved(Ip("10.0.0.2"), absl::UnavailableError("no route"));
  log_.Resolved(Ip("10.0.0.1"));
  EXPECT_EQ(lines_, (std::vector<std::string>{"next hop of 10.0.0.1 unresolved: no route",
                                              "next hop of 10.0.0.2 unresolved: no route",
                                              "next hop of 10.0.0.1 unresolved: no route",
                                              "next hop of 10.0.0.1 resolved again"}));
}

}  // namespace
}  // namespace sluice::lb
