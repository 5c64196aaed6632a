// Stats and /metrics read the counters by the ids the LoadBalancer
// published at its last applied change: they neither wait for a commit
// under way nor copy the configuration (blacklist included).
#include "lb/stats.h"

#include <atomic>
#include <chrono>
#include <future>

#include "gtest/gtest.h"
#include "lb/load_balancer.h"
#include "lb/testing/load_balancer_fixture.h"

namespace sluice::lb {
namespace {

IpAddress Ip(const char* text) { return *ParseIpAddress(text); }
const VipKey kWeb = {Ip("10.0.0.10"), 80, IPPROTO_TCP};

// A next-hop resolver that blocks until released: RefreshNextHops holds the
// commit mutex while it resolves, so a blocked resolver is a commit under way.
class BlockingResolver {
 public:
  NextHopResolver Resolver() {
    return [this](const IpAddress&) -> absl::StatusOr<NextHopMac> {
      if (blocking_) {
        entered_.set_value();
        released_.wait();
      }
      return NextHopMac{true, {2, 0, 0, 0, 0, 9}};
    };
  }
  void Block() { blocking_ = true; }
  void WaitUntilEntered() { entered_.get_future().wait(); }
  void Release() { release_.set_value(); }

 private:
  std::atomic<bool> blocking_{false};
  std::promise<void> entered_;
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
};

class StatsTest : public testing::LoadBalancerFixture {
 protected:
  void SetUp() override { Open("stats-test", resolver_.Resolver(), 251); }

  BlockingResolver resolver_;
};

TEST_F(StatsTest, CounterIdsFollowEveryAppliedChange) {
  ASSERT_TRUE(lb_->AddVip(kWeb, HashMode::kFiveTuple, 251).ok());
  ASSERT_TRUE(lb_->AddBackend(kWeb, Ip("192.168.1.1"), 100).ok());
  ASSERT_TRUE(lb_->AddBackend(kWeb, Ip("192.168.1.2"), 100).ok());
  ASSERT_TRUE(lb_->DeleteBackend(kWeb, Ip("192.168.1.1")).ok());
  auto stats = ReadStats(*datapath_, *lb_->Counters());
  ASSERT_TRUE(stats.ok()) << stats.status();
  ASSERT_EQ(stats->vips.size(), 1u);
  EXPECT_EQ(stats->vips[0].key, kWeb);
  ASSERT_EQ(stats->backends.size(), 1u);
  EXPECT_EQ(stats->backends[0].address, Ip("192.168.1.2"));

  ASSERT_TRUE(lb_->DeleteVip(kWeb).ok());
  EXPECT_TRUE(lb_->Counters()->vips.empty());
}

TEST_F(StatsTest, ReadWhileACommitHoldsTheMutex) {
  ASSERT_TRUE(lb_->AddVip(kWeb, HashMode::kFiveTuple, 251).ok());
  ASSERT_TRUE(lb_->AddBackend(kWeb, Ip("192.168.1.1"), 100).ok());
  resolver_.Block();
  auto refresh = std::async(std::launch::async, [&] { lb_->RefreshNextHops(); });
  resolver_.WaitUntilEntered();   // the mutex is held from here until Release

  auto read = std::async(std::launch::async, [&] { return ReadStats(*datapath_, *lb_->Counters()); });
  // Not a timing check: a read that needs the mutex never returns before
  // Release; 30 s only bounds how long the test waits to say so.
  bool returned = read.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  resolver_.Release();
  refresh.wait();
  ASSERT_TRUE(returned) << "reading the counters waited for the commit mutex";
  auto stats = read.get();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->backends.size(), 1u);
}

}  // namespace
}  // namespace sluice::lb
