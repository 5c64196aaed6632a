// What LoadBalancer logs about next hops while they are re-resolved
// (RefreshNextHops runs every 5 s and on every netlink event): state
// changes only, never one line per attempt. The resolver is injected; the
// XDP program is loaded (not attached) with its maps in a private bpffs dir.
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "lb/load_balancer.h"
#include "lb/testing/load_balancer_fixture.h"

namespace sluice::lb {
namespace {

IpAddress Ip(const char* text) { return *ParseIpAddress(text); }

class LoadBalancerNextHopTest : public testing::LoadBalancerFixture {
 protected:
  void SetUp() override {
    Open("nexthop-test", [this](const IpAddress&) { return next_hop_; });
  }

  // The lines `step` writes to stderr.
  template <typename F>
  std::vector<std::string> LogOf(F step) {
    ::testing::internal::CaptureStderr();
    step();
    std::string text = ::testing::internal::GetCapturedStderr();
    return absl::StrSplit(text, '\n', absl::SkipEmpty());
  }

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
