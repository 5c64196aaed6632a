// What LoadBalancer logs about next hops while they are re-resolved
// (RefreshNextHops runs every 5 s and on every netlink event): state
// changes only, never one line per attempt. The resolver is injected; the
// XDP program is loaded (not attached) with its maps in a private bpffs dir.
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "lb/load_balancer.h"
#include "lb/testing/test_load_balancer.h"

namespace sluice::lb {
namespace {

IpAddress Ip(const char* text) { return *ParseIpAddress(text); }

class LoadBalancerNextHopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to load BPF programs";
    pin_dir_ = absl::StrCat("/sys/fs/bpf/sluice-nexthop-test-", getpid());
    auto t = testing::OpenTestLoadBalancer(testing::SmallDatapathOptions(pin_dir_),
                                           [this](const IpAddress&) { return next_hop_; });
    ASSERT_TRUE(t.ok()) << t.status();
    datapath_ = std::move(t->datapath);
    lb_ = std::move(t->lb);
  }

  void TearDown() override {
    lb_.reset();
    datapath_.reset();
    if (!pin_dir_.empty()) std::system(absl::StrCat("rm -rf ", pin_dir_).c_str());
  }

  // The lines `step` writes to stderr.
  template <typename F>
  std::vector<std::string> LogOf(F step) {
    ::testing::internal::CaptureStderr();
    step();
    std::string text = ::testing::internal::GetCapturedStderr();
    return absl::StrSplit(text, '\n', absl::SkipEmpty());
  }

  std::string pin_dir_;
  std::unique_ptr<XdpDatapath> datapath_;
  std::unique_ptr<LoadBalancer> lb_;
  absl::StatusOr<NextHopMac> next_hop_ = NextHopMac{true, {2, 0, 0, 0, 0, 0x99}};
};

TEST_F(LoadBalancerNextHopTest, LogsChangesOfStateNotEveryAttempt) {
  const VipKey vip{Ip("10.100.0.10"), 80, IPPROTO_TCP};
  ASSERT_TRUE(lb_->AddVip(vip, HashMode::kFiveTuple, 0).ok());
  next_hop_ = absl::UnavailableError("route to 10.30.1.2: Network is unreachable");

  auto lines = LogOf([&] {
    ASSERT_TRUE(lb_->AddBackend(vip, Ip("10.30.1.2"), 100).ok());
    for (int i = 0; i < 5; ++i) lb_->RefreshNextHops();
  });
  EXPECT_EQ(lines, std::vector<std::string>{"lbd: next hop of 10.30.1.2 unresolved: route to "
                                            "10.30.1.2: Network is unreachable"});

  next_hop_ = NextHopMac{true, {2, 0, 0, 0, 0, 0x98}};
  lines = LogOf([&] {
    for (int i = 0; i < 5; ++i) lb_->RefreshNextHops();
  });
  EXPECT_EQ(lines, std::vector<std::string>{"lbd: next hop of 10.30.1.2 resolved again"});

  // Waiting for ARP (no error, no MAC) is not news either.
  next_hop_ = NextHopMac{false, {}};
  lines = LogOf([&] {
    for (int i = 0; i < 5; ++i) lb_->RefreshNextHops();
  });
  EXPECT_TRUE(lines.empty()) << lines.front();
}

}  // namespace
}  // namespace sluice::lb
