// Next-hop resolution and the netlink watcher against the real kernel.
//
// Runs in a network namespace of its own (unshare at suite set-up), which
// dies with the process. The far end of the veth pair lives in a second
// namespace held by a child process (killed with us), so that a real peer
// answers ARP and neighbour solicitations:
//
//   this namespace                          peer namespace
//   veth0 02:00:00:00:00:01  <---------->  veth1 02:00:00:00:00:02
//   10.0.0.1/24, 2001:db8:1::1/64           10.0.0.2/24, 2001:db8:1::2/64
//   static neighbours: .50 / ::50 (on-link hosts), .254 / ::fe (gateway)
//   198.51.100.0/24 via 10.0.0.254, 2001:db8:99::/64 via 2001:db8:1::fe
#include "base/netlink/next_hop.h"

#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/netlink/netlink_watcher.h"
#include "base/netlink/rtnl.h"
#include "gtest/gtest.h"

namespace sluice {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr MacAddress kVeth0Mac = {0x02, 0, 0, 0, 0, 0x01};
constexpr MacAddress kPeerMac = {0x02, 0, 0, 0, 0, 0x02};
constexpr MacAddress kHostMac = {0x02, 0, 0, 0, 0, 0x50};
constexpr MacAddress kGatewayMac = {0x02, 0, 0, 0, 0, 0xfe};

IpAddress Ip(const char* text) { return ParseIpAddress(text).value(); }

bool Sh(const std::string& command) { return std::system(command.c_str()) == 0; }

// The command's standard output.
std::string Output(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[256];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  return out;
}

// Counts on_change calls and lets the test wait for them.
class Calls {
 public:
  std::function<void()> Callback() {
    return [this] {
      std::lock_guard<std::mutex> lock(mu_);
      ++count_;
      cv_.notify_all();
    };
  }
  // Whether at least `n` calls happened within `timeout`.
  bool WaitFor(int n, milliseconds timeout = milliseconds(2000)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return count_ >= n; });
  }
  int count() {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
};

class NextHopTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0) {
      skip_reason_ = "needs root to create network namespaces";
      return;
    }
    if (unshare(CLONE_NEWNET) != 0) {
      skip_reason_ = absl::StrCat("unshare(CLONE_NEWNET) failed: ", std::strerror(errno));
      return;
    }
    if (!StartPeerNamespace()) return;
    std::string peer = absl::StrCat("nsenter -t ", peer_pid_, " -n ");
    // Without DAD, link-local addresses are usable at once: the kernel sends
    // neighbour solicitations only from a link-local address that is not
    // tentative. New interfaces take the "default" settings.
    const char* kNoDad = "sysctl -qw net.ipv6.conf.default.accept_dad=0";
    const std::string commands[] = {
        kNoDad,
        peer + kNoDad,
        "ip link set lo up",
        "ip link add veth0 address 02:00:00:00:00:01 type veth peer name veth1 "
        "address 02:00:00:00:00:02",
        absl::StrCat("ip link set veth1 netns ", peer_pid_),
        "ip link set veth0 up",
        "ip addr add 10.0.0.1/24 dev veth0",
        "ip addr add 2001:db8:1::1/64 dev veth0 nodad",
        peer + "ip link set lo up",
        peer + "ip link set veth1 up",
        peer + "ip addr add 10.0.0.2/24 dev veth1",
        peer + "ip addr add 2001:db8:1::2/64 dev veth1 nodad",
        "ip neigh add 10.0.0.50 dev veth0 lladdr 02:00:00:00:00:50 nud permanent",
        "ip neigh add 10.0.0.254 dev veth0 lladdr 02:00:00:00:00:fe nud permanent",
        "ip neigh add 2001:db8:1::50 dev veth0 lladdr 02:00:00:00:00:50 nud permanent",
        "ip neigh add 2001:db8:1::fe dev veth0 lladdr 02:00:00:00:00:fe nud permanent",
        "ip route add 198.51.100.0/24 via 10.0.0.254",
        "ip route add 2001:db8:99::/64 via 2001:db8:1::fe",
    };
    for (const std::string& command : commands) {
      if (!Sh(command)) {
        setup_error_ = absl::StrCat("`", command, "` failed");
        return;
      }
    }
    veth0_ = static_cast<int>(if_nametoindex("veth0"));
  }

  static void TearDownTestSuite() {
    if (peer_pid_ > 0) {
      kill(peer_pid_, SIGKILL);
      waitpid(peer_pid_, nullptr, 0);
    }
  }

  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
  }

  // A child process in a namespace of its own, dying with us.
  static bool StartPeerNamespace() {
    int ready[2];
    if (pipe(ready) != 0) {
      setup_error_ = absl::StrCat("pipe: ", std::strerror(errno));
      return false;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      char ok = getppid() == parent && unshare(CLONE_NEWNET) == 0;
      if (write(ready[1], &ok, 1) != 1 || !ok) _exit(1);
      pause();
      _exit(0);
    }
    close(ready[1]);
    char ok = 0;
    bool started = pid > 0 && read(ready[0], &ok, 1) == 1 && ok;
    close(ready[0]);
    if (pid > 0) peer_pid_ = pid;
    if (!started) setup_error_ = "could not start the peer namespace's process";
    return started;
  }

  // Polls until the next hop is resolved or `timeout` passes.
  static absl::StatusOr<NextHop> ResolveWithin(const IpAddress& dst, milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
      absl::StatusOr<NextHop> hop = ResolveNextHop(dst);
      if (!hop.ok() || hop->resolved || Clock::now() > deadline) return hop;
      std::this_thread::sleep_for(milliseconds(20));
    }
  }

  // Removes the entries that resolution tests left behind: their later state
  // changes must not reach a watcher test.
  static void FlushDynamicNeighbours() {
    ASSERT_TRUE(Sh("ip -4 neigh flush dev veth0 && ip -6 neigh flush dev veth0"));
  }

  static std::string skip_reason_;
  static std::string setup_error_;
  static pid_t peer_pid_;
  static int veth0_;
};

std::string NextHopTest::skip_reason_;
std::string NextHopTest::setup_error_;
pid_t NextHopTest::peer_pid_ = 0;
int NextHopTest::veth0_ = 0;

TEST_F(NextHopTest, RoutedDestinationGivesTheGatewayMac) {
  for (const auto& [dst, gateway] : {std::pair{"198.51.100.7", "10.0.0.254"},
                                     std::pair{"2001:db8:99::7", "2001:db8:1::fe"}}) {
    absl::StatusOr<NextHop> hop = ResolveNextHop(Ip(dst));
    ASSERT_TRUE(hop.ok()) << hop.status();
    EXPECT_EQ(hop->ifindex, veth0_) << dst;
    EXPECT_EQ(hop->via, Ip(gateway)) << dst;
    EXPECT_TRUE(hop->resolved) << dst;
    EXPECT_EQ(MacToString(hop->mac), MacToString(kGatewayMac)) << dst;
  }
}

TEST_F(NextHopTest, OnLinkDestinationGivesItsOwnMac) {
  for (const char* dst : {"10.0.0.50", "2001:db8:1::50"}) {
    absl::StatusOr<NextHop> hop = ResolveNextHop(Ip(dst));
    ASSERT_TRUE(hop.ok()) << hop.status();
    EXPECT_EQ(hop->ifindex, veth0_) << dst;
    EXPECT_EQ(hop->via, Ip(dst));
    EXPECT_TRUE(hop->resolved) << dst;
    EXPECT_EQ(MacToString(hop->mac), MacToString(kHostMac)) << dst;
  }
}

TEST_F(NextHopTest, UnknownNeighbourIsUnresolvedAndResolutionStarts) {
  // Nobody owns these addresses: the kernel probes and gives up.
  for (const char* dst : {"10.0.0.77", "2001:db8:1::77"}) {
    absl::StatusOr<NextHop> hop = ResolveNextHop(Ip(dst));
    ASSERT_TRUE(hop.ok()) << hop.status();
    EXPECT_FALSE(hop->resolved) << dst;
    EXPECT_EQ(hop->via, Ip(dst));
    std::string entry = Output(absl::StrCat("ip neigh show ", dst, " dev veth0"));
    EXPECT_TRUE(absl::StrContains(entry, "INCOMPLETE") ||
                absl::StrContains(entry, "FAILED") || absl::StrContains(entry, "PROBE"))
        << dst << ": '" << entry << "'";
  }
}

TEST_F(NextHopTest, RealPeerIsResolvedAfterTheTrigger) {
  for (const char* dst : {"10.0.0.2", "2001:db8:1::2"}) {
    absl::StatusOr<NextHop> first = ResolveNextHop(Ip(dst));
    ASSERT_TRUE(first.ok()) << first.status();
    EXPECT_FALSE(first->resolved) << dst << ": nothing had talked to the peer yet";

    absl::StatusOr<NextHop> hop = ResolveWithin(Ip(dst), milliseconds(3000));
    ASSERT_TRUE(hop.ok()) << hop.status();
    EXPECT_TRUE(hop->resolved) << dst;
    EXPECT_EQ(MacToString(hop->mac), MacToString(kPeerMac)) << dst;
  }
}

TEST_F(NextHopTest, UnreachableDestinationIsAnError) {
  for (const char* dst : {"10.9.9.9", "2001:db8:ffff::1"}) {
    absl::StatusOr<NextHop> hop = ResolveNextHop(Ip(dst));
    ASSERT_FALSE(hop.ok()) << dst;
    EXPECT_EQ(hop.status().code(), absl::StatusCode::kUnavailable) << hop.status();
    EXPECT_EQ(hop.status().message(),
              absl::StrCat("route to ", dst, ": Network is unreachable"));
  }
}

TEST_F(NextHopTest, LocalAddressIsAnError) {
  absl::StatusOr<NextHop> hop = ResolveNextHop(Ip("10.0.0.1"));
  ASSERT_FALSE(hop.ok());
  EXPECT_EQ(hop.status().code(), absl::StatusCode::kFailedPrecondition) << hop.status();
  EXPECT_TRUE(absl::StartsWith(hop.status().message(), "route to 10.0.0.1: "))
      << hop.status();
}

TEST_F(NextHopTest, InterfaceLookups) {
  absl::StatusOr<int> index = InterfaceIndex("veth0");
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ(*index, veth0_);

  absl::StatusOr<MacAddress> mac = InterfaceMac(veth0_);
  ASSERT_TRUE(mac.ok()) << mac.status();
  EXPECT_EQ(MacToString(*mac), MacToString(kVeth0Mac));

  absl::StatusOr<uint32_t> mtu = InterfaceMtu(veth0_);
  ASSERT_TRUE(mtu.ok()) << mtu.status();
  EXPECT_EQ(*mtu, 1500u);
  ASSERT_TRUE(Sh("ip link set veth0 mtu 1400"));
  EXPECT_EQ(InterfaceMtu(veth0_).value_or(0), 1400u);
  ASSERT_TRUE(Sh("ip link set veth0 mtu 1500"));

  absl::StatusOr<int> missing = InterfaceIndex("nosuch0");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound) << missing.status();
  EXPECT_TRUE(absl::StrContains(missing.status().message(), "nosuch0")) << missing.status();
  EXPECT_EQ(InterfaceMac(9999).status().code(), absl::StatusCode::kNotFound);
  // The loopback device has no Ethernet address.
  EXPECT_EQ(InterfaceMac(1).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(NextHopTest, WatcherFiresWhenANeighbourMacChanges) {
  FlushDynamicNeighbours();
  Calls calls;
  NetlinkWatcher watcher(calls.Callback());
  ASSERT_TRUE(watcher.Start().ok());

  ASSERT_TRUE(Sh("ip neigh add 10.0.0.60 dev veth0 lladdr 02:00:00:00:00:60 nud permanent"));
  EXPECT_TRUE(calls.WaitFor(1)) << "new neighbour";

  // A state change that keeps the MAC: the kernel notifies, the watcher
  // does not call back. A second subscriber proves the notification came.
  absl::StatusOr<rtnl::Socket> monitor = rtnl::Socket::Open(/*nonblocking=*/true);
  ASSERT_TRUE(monitor.ok()) << monitor.status();
  ASSERT_TRUE(monitor->Join(RTNLGRP_NEIGH).ok());
  ASSERT_TRUE(
      Sh("ip neigh replace 10.0.0.60 dev veth0 lladdr 02:00:00:00:00:60 nud reachable"));
  pollfd pfd = {monitor->fd(), POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 1000), 1) << "the kernel sent no notification";
  EXPECT_FALSE(calls.WaitFor(2, milliseconds(300))) << "same MAC, new state";

  ASSERT_TRUE(
      Sh("ip neigh replace 10.0.0.60 dev veth0 lladdr 02:00:00:00:00:61 nud permanent"));
  EXPECT_TRUE(calls.WaitFor(2)) << "MAC changed";

  ASSERT_TRUE(Sh("ip neigh del 10.0.0.60 dev veth0"));
  EXPECT_TRUE(calls.WaitFor(3)) << "neighbour deleted";
}

TEST_F(NextHopTest, WatcherFiresOnRouteAndLinkChanges) {
  FlushDynamicNeighbours();
  Calls calls;
  NetlinkWatcher watcher(calls.Callback());
  ASSERT_TRUE(watcher.Start().ok());

  ASSERT_TRUE(Sh("ip route add 203.0.113.0/24 via 10.0.0.254"));
  EXPECT_TRUE(calls.WaitFor(1)) << "route added";
  ASSERT_TRUE(Sh("ip route replace 203.0.113.0/24 via 10.0.0.50"));
  EXPECT_TRUE(calls.WaitFor(2)) << "route replaced";
  ASSERT_TRUE(Sh("ip -6 route add 2001:db8:98::/64 via 2001:db8:1::fe"));
  EXPECT_TRUE(calls.WaitFor(3)) << "IPv6 route added";
  ASSERT_TRUE(Sh("ip route del 203.0.113.0/24 && ip -6 route del 2001:db8:98::/64"));
  EXPECT_TRUE(calls.WaitFor(4)) << "routes deleted";
  ASSERT_TRUE(Sh("ip link set veth0 mtu 1450"));
  EXPECT_TRUE(calls.WaitFor(5)) << "link changed";
  ASSERT_TRUE(Sh("ip link set veth0 mtu 1500"));
}

TEST_F(NextHopTest, WatcherCoalescesABurst) {
  FlushDynamicNeighbours();
  std::string add = "ip -batch - <<EOF\n", del = add;
  for (int i = 0; i < 50; ++i) {
    absl::StrAppend(&add, "route add 192.0.2.", i, "/32 via 10.0.0.254\n");
    absl::StrAppend(&del, "route del 192.0.2.", i, "/32\n");
  }
  absl::StrAppend(&add, "EOF");
  absl::StrAppend(&del, "EOF");

  Calls calls;
  NetlinkWatcher watcher(calls.Callback());
  ASSERT_TRUE(watcher.Start().ok());
  ASSERT_TRUE(Sh(add));
  EXPECT_TRUE(calls.WaitFor(1));
  std::this_thread::sleep_for(milliseconds(500));
  // One call when the burst fits in the debounce window; a slow machine may
  // split it, but never into one call per route.
  EXPECT_LE(calls.count(), 3);
  ASSERT_TRUE(Sh(del));
}

TEST_F(NextHopTest, WatcherStopsPromptlyAndRestarts) {
  Calls calls;
  NetlinkWatcher watcher(calls.Callback());
  watcher.Stop();  // not started: no-op
  ASSERT_TRUE(watcher.Start().ok());
  EXPECT_EQ(watcher.Start().code(), absl::StatusCode::kFailedPrecondition);

  // Stop with a change pending in the debounce window: dropped, no call later.
  ASSERT_TRUE(Sh("ip route add 203.0.113.0/24 via 10.0.0.254"));
  auto start = Clock::now();
  watcher.Stop();
  EXPECT_LT(Clock::now() - start, milliseconds(200));
  int after_stop = calls.count();
  std::this_thread::sleep_for(milliseconds(3 * NetlinkWatcher::kDebounceMs));
  EXPECT_EQ(calls.count(), after_stop);

  ASSERT_TRUE(watcher.Start().ok());
  ASSERT_TRUE(Sh("ip route del 203.0.113.0/24"));
  EXPECT_TRUE(calls.WaitFor(after_stop + 1)) << "restarted watcher";
}

}  // namespace
}  // namespace sluice
