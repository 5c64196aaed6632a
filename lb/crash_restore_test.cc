// Every commit restores as all-old or all-new. For each kind of commit, a
// child process makes the commit and dies just before its Nth BPF map write
// (base/testing/crash_injection), for every N from the first write to the
// last; then the LoadBalancer restarts from the pinned maps and must
// describe exactly the state before the commit or the state after it.
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "base/map_entries.h"
#include "base/testing/crash_injection.h"
#include "gtest/gtest.h"
#include "lb/load_balancer.h"
#include "lb/testing/lb_changes.h"
#include "lb/testing/test_load_balancer.h"

namespace sluice::lb {
namespace {

using sluice::testing::ArmCrashBefore;
using sluice::testing::MapWritesSinceArmed;
using sluice::testing::RunInChildCrashingBefore;
using namespace sluice::lb::testing;  // the state and changes of lb_changes.h

using LbStep = std::function<absl::Status(LoadBalancer&)>;

class LoadBalancerCrashRestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to load BPF programs";
    pin_dir_ = absl::StrCat("/sys/fs/bpf/sluice-crash-test-", getpid());
  }
  void TearDown() override {
    Close();
    RemovePins();
  }

  void RemovePins() {
    if (!pin_dir_.empty()) std::system(absl::StrCat("rm -rf ", pin_dir_).c_str());
  }

  // Opens (restoring from the pins, as lbd does at start).
  absl::Status Open() {
    auto t = sluice::lb::testing::OpenTestLoadBalancer(
        sluice::lb::testing::SmallDatapathOptions(pin_dir_),
        [](const IpAddress&) { return NextHopMac{}; }, /*default_ring_size=*/4099);
    if (!t.ok()) return t.status();
    datapath_ = std::move(t->datapath);
    lb_ = std::move(t->lb);
    return absl::OkStatus();
  }
  void Close() {
    lb_.reset();
    datapath_.reset();
  }

  // The configuration as an operator sees it, with each backend's share of
  // its VIP's table as the datapath holds it (ids and offsets left out: a
  // restart may renumber).
  std::string Describe() {
    std::ostringstream out;
    for (const VipEntry& vip : lb_->ListVips()) {
      out << "vip " << vip.key.ToString() << " hash " << static_cast<int>(vip.hash) << " ring "
          << vip.ring_size << "\n";
      auto backends = lb_->ListBackends(vip.key);
      EXPECT_TRUE(backends.ok()) << backends.status();
      if (!backends.ok()) continue;
      for (const BackendView& b : *backends) {
        out << "  backend " << b.backend.address.ToString() << " weight " << b.backend.weight
            << " entries " << b.ring_entries << "\n";
      }
    }
    BlacklistChange list = lb_->ListBlacklist();
    for (const IpPrefix& p : list.prefixes) out << "prefix " << p.ToString() << "\n";
    for (const IpAddress& a : list.arp_ips) out << "arp " << a.ToString() << "\n";
    return out.str();
  }

  // The state `setup` makes, written and then restored (as the child sees it).
  std::string SetUpFresh(const LbStep& setup) {
    Close();
    RemovePins();
    absl::Status s = Open();
    EXPECT_TRUE(s.ok()) << s;
    s = setup(*lb_);
    EXPECT_TRUE(s.ok()) << "setup: " << s;
    Close();
    s = Open();
    EXPECT_TRUE(s.ok()) << s;
    return Describe();
  }

  // The whole check for one kind of commit.
  void ExpectAllOldOrAllNew(const LbStep& setup, const LbStep& change) {
    // A dry run: the states before and after, and how many writes it takes.
    const std::string before = SetUpFresh(setup);
    ArmCrashBefore(0);
    absl::Status s = change(*lb_);
    ASSERT_TRUE(s.ok()) << "change: " << s;
    const uint64_t writes = MapWritesSinceArmed();
    const std::string after = Describe();
    ASSERT_NE(before, after) << "the change changes nothing";
    Close();
    ASSERT_TRUE(Open().ok());
    ASSERT_EQ(Describe(), after) << "a completed commit does not survive a restart";
    ASSERT_GT(writes, 0u);

    for (uint64_t n = 1; n <= writes; ++n) {
      Close();
      RemovePins();
      ASSERT_TRUE(Open().ok());
      ASSERT_TRUE(setup(*lb_).ok());
      Close();
      ASSERT_TRUE(Open().ok());   // the child starts from the restored state
      absl::Status crashed =
          RunInChildCrashingBefore(n, [&] { change(*lb_).IgnoreError(); });
      ASSERT_TRUE(crashed.ok()) << crashed;
      Close();
      ASSERT_TRUE(Open().ok()) << "restore after a crash before write " << n;
      const std::string restored = Describe();
      EXPECT_TRUE(restored == before || restored == after)
          << "crash before write " << n << " of " << writes << " restored a mix:\n"
          << restored << "before:\n" << before << "after:\n" << after;
      ExpectGenerationsEqual(n);
    }
  }

  // Both copies of every generational table hold the same entries: what a
  // restart must leave (the next commit writes the inactive copy).
  void ExpectGenerationsEqual(uint64_t crash_point) {
    auto tables = [](const GenerationMaps& m) {
      return std::vector<int>{m.vips, m.arp_blacklist, m.src_v4_top, m.src_v4_leaves,
                              m.src_blacklist_v6};
    };
    const std::vector<int> gen0 = tables(datapath_->generation_maps(0));
    const std::vector<int> gen1 = tables(datapath_->generation_maps(1));
    for (size_t t = 0; t < gen0.size(); ++t) {
      auto a = ReadAllEntries(gen0[t]);
      auto b = ReadAllEntries(gen1[t]);
      ASSERT_TRUE(a.ok() && b.ok());
      auto sorted = [](const MapEntries& e) {
        std::set<std::pair<std::string, std::string>> out;
        for (size_t i = 0; i < e.size(); ++i) out.emplace(e.key(i), e.value(i));
        return out;
      };
      EXPECT_TRUE(sorted(*a) == sorted(*b))
          << "table " << t << " differs between the generations after a crash before write "
          << crash_point;
    }
  }

  std::string pin_dir_;
  std::unique_ptr<XdpDatapath> datapath_;
  std::unique_ptr<LoadBalancer> lb_;
};

// The state and changes: lb/testing/lb_changes.h.
TEST_F(LoadBalancerCrashRestoreTest, AddVip) { ExpectAllOldOrAllNew(TwoVips, AddVip); }
TEST_F(LoadBalancerCrashRestoreTest, DeleteVip) { ExpectAllOldOrAllNew(TwoVips, DeleteVip); }
TEST_F(LoadBalancerCrashRestoreTest, AddBackend) { ExpectAllOldOrAllNew(TwoVips, AddBackend); }
TEST_F(LoadBalancerCrashRestoreTest, AddDrainedBackend) { ExpectAllOldOrAllNew(TwoVips, AddDrainedBackend); }
TEST_F(LoadBalancerCrashRestoreTest, DeleteBackend) { ExpectAllOldOrAllNew(TwoVips, DeleteBackend); }
TEST_F(LoadBalancerCrashRestoreTest, DeleteDrainedBackend) { ExpectAllOldOrAllNew(TwoVips, DeleteDrainedBackend); }
TEST_F(LoadBalancerCrashRestoreTest, DrainBackend) { ExpectAllOldOrAllNew(TwoVips, DrainBackend); }
TEST_F(LoadBalancerCrashRestoreTest, UndrainBackend) { ExpectAllOldOrAllNew(TwoVips, UndrainBackend); }
TEST_F(LoadBalancerCrashRestoreTest, ReweighBackend) { ExpectAllOldOrAllNew(TwoVips, ReweighBackend); }
TEST_F(LoadBalancerCrashRestoreTest, BlacklistAdd) { ExpectAllOldOrAllNew(TwoVips, BlacklistAdd); }
TEST_F(LoadBalancerCrashRestoreTest, BlacklistDelete) { ExpectAllOldOrAllNew(TwoVips, BlacklistDelete); }
TEST_F(LoadBalancerCrashRestoreTest, BlacklistReplace) { ExpectAllOldOrAllNew(TwoVips, BlacklistReplace); }

}  // namespace
}  // namespace sluice::lb
