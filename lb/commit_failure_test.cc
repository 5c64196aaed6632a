// A commit that fails at any step leaves the model equal to the datapath.
// For each kind of LoadBalancer operation, a dry run counts its BPF map
// writes W; then for every N in 1..W the operation runs on a fresh state
// with its Nth map write failing (lb/testing/crash_injection: EIO, nothing
// written). Whatever the operation answers, afterwards:
//   - what the datapath holds (active generation, backends, ring pool) is
//     exactly what the model says (lb/testing/datapath_view),
//   - both generations are equal again (the next commit starts clean),
//   - an error means nothing changed, OK means the whole change applied,
//   - the next operations succeed and keep model == datapath.
// The *WhileWritesKeepFailing cases fail every write from N on instead.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <functional>

#include "absl/strings/str_cat.h"
#include "base/testing/crash_injection.h"
#include "gtest/gtest.h"
#include "lb/load_balancer.h"
#include "lb/testing/datapath_view.h"
#include "lb/testing/lb_changes.h"
#include "lb/testing/test_load_balancer.h"

namespace sluice::lb {
namespace {

using sluice::testing::ArmFailureAt;
using sluice::testing::MapWritesSinceArmed;
using namespace sluice::lb::testing;  // datapath_view.h, lb_changes.h

using LbStep = std::function<absl::Status(LoadBalancer&)>;

class CommitFailureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to load BPF programs";
    pin_dir_ = absl::StrCat("/sys/fs/bpf/sluice-commit-failure-test-", getpid());
  }
  void TearDown() override {
    ArmFailureAt(0);
    Fresh();
  }

  // Drops the LoadBalancer and its pins.
  void Fresh() {
    lb_.reset();
    datapath_.reset();
    if (!pin_dir_.empty()) std::system(absl::StrCat("rm -rf ", pin_dir_).c_str());
  }

  void OpenWith(const LbStep& setup) {
    Fresh();
    auto t = sluice::lb::testing::OpenTestLoadBalancer(
        sluice::lb::testing::SmallDatapathOptions(pin_dir_),
        [](const IpAddress&) { return NextHopMac{}; }, /*default_ring_size=*/4099);
    ASSERT_TRUE(t.ok()) << t.status();
    datapath_ = std::move(t->datapath);
    lb_ = std::move(t->lb);
    absl::Status s = setup(*lb_);
    ASSERT_TRUE(s.ok()) << "setup: " << s;
  }

  std::string Model() const {
    return DescribeModel(lb_->Snapshot(), LoadBalancerOptions{}.hash_seed);
  }

  // model == datapath and both generations equal, or a failure naming `when`.
  void ExpectConsistent(const std::string& when) {
    EXPECT_EQ(Model(), DescribeDatapath(*datapath_)) << "model vs datapath " << when;
    EXPECT_EQ(GenerationDifferences(*datapath_), "") << when;
  }

  void ExpectEveryFailureConsistent(const LbStep& setup, const LbStep& change) {
    OpenWith(setup);
    const std::string before = Model();
    ArmFailureAt(0);
    absl::Status s = change(*lb_);
    ASSERT_TRUE(s.ok()) << "change: " << s;
    const uint64_t writes = MapWritesSinceArmed();
    const std::string after = Model();
    ASSERT_NE(before, after) << "the change changes nothing";
    ASSERT_EQ(after, DescribeDatapath(*datapath_)) << "the dry run";
    ASSERT_GT(writes, 0u);

    for (uint64_t n = 1; n <= writes; ++n) {
      OpenWith(setup);
      ArmFailureAt(n);
      absl::Status result = change(*lb_);
      ArmFailureAt(0);
      const std::string when =
          absl::StrCat("after map write ", n, " of ", writes, " failed (answer: ",
                       result.ToString(), ")");
      ExpectConsistent(when);
      EXPECT_EQ(Model(), result.ok() ? after : before)
          << when << ": an error must change nothing, OK must apply everything";
      if (!result.ok()) {
        absl::Status again = change(*lb_);
        EXPECT_TRUE(again.ok()) << "the same change again " << when << ": " << again;
      }
      // A new backend takes a fresh id and rewrites a ring: it must not
      // collide with ids or regions the failed commit left in use.
      absl::Status next = lb_->AddBackend(kApiVip, Ip("10.9.9.9"), 7);
      EXPECT_TRUE(next.ok()) << "the next operation " << when << ": " << next;
      ExpectConsistent(absl::StrCat("after the next operation, ", when));
      if (HasFailure()) return;   // one broken crash point tells enough
    }
  }

  // Writes fail from write N on (the kernel keeps refusing). The operation
  // answers an error (nothing changed) or OK (applied; what failed after the
  // flip waits). While writes fail, the next operation is refused and
  // changes nothing; once they succeed again, the next one first finishes
  // what waits (counted as repaired), and model == datapath.
  void ExpectPersistentFailuresRecovered(const LbStep& setup, const LbStep& change) {
    OpenWith(setup);
    const std::string before = Model();
    ArmFailureAt(0);
    ASSERT_TRUE(change(*lb_).ok());
    const uint64_t writes = MapWritesSinceArmed();
    const std::string after = Model();
    bool some_waited = false;

    for (uint64_t n = 1; n <= writes; ++n) {
      OpenWith(setup);
      ArmFailureAt(n, UINT64_MAX);
      absl::Status result = change(*lb_);
      const std::string when = absl::StrCat("with map writes failing from ", n, " of ", writes,
                                            " on (answer: ", result.ToString(), ")");
      EXPECT_EQ(Model(), result.ok() ? after : before) << when;
      const CommitRepairCounts waiting = lb_->RepairCounts();
      some_waited |= waiting.pending > 0;
      const std::string model = Model();
      EXPECT_FALSE(lb_->AddBackend(kApiVip, Ip("10.9.9.9"), 7).ok()) << when;
      EXPECT_EQ(Model(), model) << "a refused operation changed the model " << when;

      ArmFailureAt(0);
      absl::Status next = lb_->AddBackend(kApiVip, Ip("10.9.9.9"), 7);
      EXPECT_TRUE(next.ok()) << "once writes succeed again " << when << ": " << next;
      EXPECT_EQ(lb_->RepairCounts().pending, 0u) << when;
      EXPECT_GE(lb_->RepairCounts().repaired, waiting.pending) << when;
      ExpectConsistent(absl::StrCat("after recovering, ", when));
      if (HasFailure()) return;
    }
    EXPECT_TRUE(some_waited) << "no failure point left a step waiting";
  }

  std::string pin_dir_;
  std::unique_ptr<XdpDatapath> datapath_;
  std::unique_ptr<LoadBalancer> lb_;
};

// The state and changes: lb/testing/lb_changes.h.
TEST_F(CommitFailureTest, AddVip) { ExpectEveryFailureConsistent(TwoVips, AddVip); }
TEST_F(CommitFailureTest, DeleteVip) { ExpectEveryFailureConsistent(TwoVips, DeleteVip); }
TEST_F(CommitFailureTest, AddBackend) { ExpectEveryFailureConsistent(TwoVips, AddBackend); }
TEST_F(CommitFailureTest, DeleteBackend) { ExpectEveryFailureConsistent(TwoVips, DeleteBackend); }
TEST_F(CommitFailureTest, DrainBackend) { ExpectEveryFailureConsistent(TwoVips, DrainBackend); }
TEST_F(CommitFailureTest, ReweighBackend) { ExpectEveryFailureConsistent(TwoVips, ReweighBackend); }
TEST_F(CommitFailureTest, BlacklistAdd) { ExpectEveryFailureConsistent(TwoVips, BlacklistAdd); }
TEST_F(CommitFailureTest, BlacklistDelete) { ExpectEveryFailureConsistent(TwoVips, BlacklistDelete); }
TEST_F(CommitFailureTest, BlacklistReplace) { ExpectEveryFailureConsistent(TwoVips, BlacklistReplace); }
TEST_F(CommitFailureTest, ArpAdd) { ExpectEveryFailureConsistent(TwoVips, ArpAdd); }
TEST_F(CommitFailureTest, ArpDelete) { ExpectEveryFailureConsistent(TwoVips, ArpDelete); }

TEST_F(CommitFailureTest, DrainBackendWhileWritesKeepFailing) {
  ExpectPersistentFailuresRecovered(TwoVips, DrainBackend);
}

TEST_F(CommitFailureTest, DeleteVipWhileWritesKeepFailing) {
  ExpectPersistentFailuresRecovered(TwoVips, DeleteVip);
}

TEST_F(CommitFailureTest, BlacklistReplaceWhileWritesKeepFailing) {
  ExpectPersistentFailuresRecovered(TwoVips, BlacklistReplace);
}

}  // namespace
}  // namespace sluice::lb
