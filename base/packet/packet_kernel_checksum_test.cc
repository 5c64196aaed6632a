// The kernel is the second opinion on the builder: frames it makes, injected
// with AF_PACKET into one end of a veth pair, must be taken by the stack on
// the other end (a socket receives the datagram, or the stack answers), and
// the same frames with a corrupted checksum must be counted as checksum
// errors and dropped. Replies the kernel sends are decoded with the parser,
// whose checksum verdict must agree with the kernel's arithmetic.
//
// Runs in a network namespace of its own (unshare at suite set-up), which
// dies with the process, so nothing needs cleaning up.
#include <arpa/inet.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
#include "base/packet/packet_builder.h"
#include "base/packet/packet_parser.h"
#include "gtest/gtest.h"

namespace sluice::testing {
namespace {

using Bytes = std::vector<uint8_t>;
using Clock = std::chrono::steady_clock;

// Frames are injected on kInjectIf and received by the stack on kStackIf.
constexpr char kInjectIf[] = "inj0";
constexpr char kStackIf[] = "rx0";
constexpr char kInjectMacText[] = "02:00:00:00:00:02";
const MacAddr kInjectMac(kInjectMacText);
const MacAddr kStackMac("02:00:00:00:00:01");
constexpr char kStackIp4[] = "10.99.0.1";
constexpr char kPeerIp4[] = "10.99.0.2";
constexpr char kStackIp6[] = "fd00:99::1";
constexpr char kPeerIp6[] = "fd00:99::2";

// How long to wait for something that should happen, and for something that
// should not.
constexpr auto kExpectWait = std::chrono::milliseconds(2000);
constexpr auto kAbsenceWait = std::chrono::milliseconds(300);

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Kernel SNMP counters of this namespace, keyed "Udp.InCsumErrors" (from
// /proc/net/snmp and /proc/net/netstat) or "Udp6InCsumErrors" (snmp6).
using Counters = std::map<std::string, int64_t>;

Counters ReadCounters() {
  Counters out;
  // snmp and netstat: a line of names then a line of values per group.
  for (const char* path : {"/proc/net/snmp", "/proc/net/netstat"}) {
    std::ifstream in(path);
    std::string names, values;
    while (std::getline(in, names) && std::getline(in, values)) {
      std::istringstream n(names), v(values);
      std::string group, name, value;
      n >> group;
      v >> value;        // the group again
      group.pop_back();  // the ':'
      while (n >> name && v >> value) {
        out[group + "." + name] = std::strtoll(value.c_str(), nullptr, 10);
      }
    }
  }
  std::ifstream in("/proc/net/snmp6");
  std::string name;
  int64_t value;
  while (in >> name >> value) out[name] = value;
  return out;
}

// Counter changes between two snapshots, for the keys asked about.
std::map<std::string, int64_t> Deltas(const Counters& before,
                                      const Counters& after,
                                      const std::vector<std::string>& keys) {
  std::map<std::string, int64_t> out;
  for (const std::string& key : keys) {
    auto a = after.find(key);
    auto b = before.find(key);
    out[key] = (a == after.end() ? 0 : a->second) -
               (b == before.end() ? 0 : b->second);
  }
  return out;
}

// Replies computed by the stack carry partial checksums across veth unless tx
// checksum offload is off on the sending side.
bool DisableTxChecksum(const char* ifname) {
  Fd fd(socket(AF_INET, SOCK_DGRAM, 0));
  ethtool_value value{ETHTOOL_STXCSUM, 0};
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
  ifr.ifr_data = reinterpret_cast<char*>(&value);
  return ioctl(fd.get(), SIOCETHTOOL, &ifr) == 0;
}

// A UDP socket bound to ip:port, for datagrams the stack accepts.
Fd BoundUdp(const IpAddress& ip, uint16_t port) {
  Fd fd(socket(ip.family, SOCK_DGRAM, 0));
  sockaddr_storage ss{};
  socklen_t len;
  if (ip.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    std::memcpy(&sin->sin_addr, ip.bytes.data(), 4);
    len = sizeof(*sin);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    std::memcpy(&sin6->sin6_addr, ip.bytes.data(), 16);
    len = sizeof(*sin6);
  }
  EXPECT_EQ(bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len), 0)
      << std::strerror(errno);
  return fd;
}

// A datagram read from `fd` within `wait`, or "" if none came. UDP may verify
// the checksum only when the datagram is read, so a readable socket can still
// yield nothing.
std::string ReceiveUdp(const Fd& fd, Clock::duration wait) {
  const Clock::time_point deadline = Clock::now() + wait;
  for (Clock::time_point now; (now = Clock::now()) < deadline;) {
    pollfd pfd{fd.get(), POLLIN, 0};
    int ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now)
            .count());
    if (poll(&pfd, 1, ms) <= 0) continue;
    char buf[2048];
    ssize_t n = recv(fd.get(), buf, sizeof(buf), MSG_DONTWAIT);
    if (n >= 0) return std::string(buf, static_cast<size_t>(n));
  }
  return "";
}

// Frames from the injecting end to the stack's end.
PacketBuilder ToStack() {
  PacketBuilder b;
  b.Eth(kInjectMac, kStackMac);
  return b;
}

class KernelChecksumTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0) {
      skip_reason_ = "needs root to create a network namespace";
      return;
    }
    if (unshare(CLONE_NEWNET) != 0) {
      skip_reason_ =
          absl::StrCat("unshare(CLONE_NEWNET) failed: ", std::strerror(errno));
      return;
    }
    const std::string commands[] = {
        absl::StrCat("ip link add ", kInjectIf, " address ", kInjectMacText,
                     " type veth peer name ", kStackIf, " address ",
                     kStackMac.ToString()),
        absl::StrCat("ip link set ", kInjectIf, " up"),
        absl::StrCat("ip link set ", kStackIf, " up"),
        absl::StrCat("ip addr add ", kStackIp4, "/24 dev ", kStackIf),
        // nodad: usable at once, no duplicate address detection delay.
        absl::StrCat("ip -6 addr add ", kStackIp6, "/64 dev ", kStackIf,
                     " nodad"),
        // Static neighbours, so replies need no ARP / ND answered by us.
        absl::StrCat("ip neigh add ", kPeerIp4, " lladdr ", kInjectMacText,
                     " dev ", kStackIf, " nud permanent"),
        absl::StrCat("ip -6 neigh add ", kPeerIp6, " lladdr ", kInjectMacText,
                     " dev ", kStackIf, " nud permanent"),
    };
    for (const std::string& command : commands) {
      if (std::system(command.c_str()) != 0) {
        setup_error_ = absl::StrCat("`", command, "` failed");
        return;
      }
    }
    if (!DisableTxChecksum(kStackIf)) {
      setup_error_ = absl::StrCat("disabling tx checksum offload on ", kStackIf,
                                  ": ", std::strerror(errno));
      return;
    }
    packet_fd_ = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(ETH_P_ALL);
    addr.sll_ifindex = static_cast<int>(if_nametoindex(kInjectIf));
    if (packet_fd_ < 0 || bind(packet_fd_, reinterpret_cast<sockaddr*>(&addr),
                               sizeof(addr)) != 0) {
      setup_error_ = absl::StrCat("AF_PACKET socket on ", kInjectIf, ": ",
                                  std::strerror(errno));
    }
  }

  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
  }

  static void Inject(const Bytes& frame) {
    EXPECT_EQ(send(packet_fd_, frame.data(), frame.size(), 0),
              static_cast<ssize_t>(frame.size()))
        << std::strerror(errno);
  }

  // The first frame sent by the stack out of kStackIf that `match` accepts,
  // within `wait`.
  static absl::optional<ParsedPacket> Capture(
      const std::function<bool(const ParsedPacket&)>& match,
      Clock::duration wait) {
    const Clock::time_point deadline = Clock::now() + wait;
    for (Clock::time_point now; (now = Clock::now()) < deadline;) {
      pollfd pfd{packet_fd_, POLLIN, 0};
      int ms = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now)
              .count());
      if (poll(&pfd, 1, ms) <= 0) continue;
      uint8_t buf[2048];
      sockaddr_ll from{};
      socklen_t from_len = sizeof(from);
      ssize_t n = recvfrom(packet_fd_, buf, sizeof(buf), MSG_DONTWAIT,
                           reinterpret_cast<sockaddr*>(&from), &from_len);
      // Our own injected frames show up as outgoing; skip them.
      if (n <= 0 || from.sll_pkttype == PACKET_OUTGOING) continue;
      ParsedPacket p = ParsePacket(absl::MakeConstSpan(buf, n));
      if (match(p)) return p;
    }
    return absl::nullopt;
  }

  // A good datagram reaches the bound socket; the same with a bad checksum
  // is counted as a checksum error and dropped.
  static void UdpAcceptedAndBadChecksumDropped(
      const IpAddress& peer, const IpAddress& stack,
      const std::string& accepted_key, const std::string& csum_error_key) {
    const uint16_t port = 7001;
    Fd sock = BoundUdp(stack, port);
    auto frame = [&](const char* payload) {
      PacketBuilder b = ToStack();
      if (peer.is_v4()) {
        b.Ipv4(peer, stack);
      } else {
        b.Ipv6(peer, stack);
      }
      return b.Udp(5000, port).Payload(payload);
    };
    const std::vector<std::string> keys = {accepted_key, csum_error_key};

    Counters before = ReadCounters();
    Inject(frame("good").Build());
    EXPECT_EQ(ReceiveUdp(sock, kExpectWait), "good");
    EXPECT_EQ(Deltas(before, ReadCounters(), keys),
              (std::map<std::string, int64_t>{{accepted_key, 1},
                                              {csum_error_key, 0}}));

    before = ReadCounters();
    Inject(frame("bad").BadL4Checksum().Build());
    EXPECT_EQ(ReceiveUdp(sock, kAbsenceWait), "") << "bad checksum delivered";
    EXPECT_EQ(Deltas(before, ReadCounters(), keys),
              (std::map<std::string, int64_t>{{accepted_key, 0},
                                              {csum_error_key, 1}}));
  }

  static inline std::string skip_reason_;
  static inline std::string setup_error_;
  static inline int packet_fd_ = -1;
};

TEST_F(KernelChecksumTest, UdpIpv4) {
  UdpAcceptedAndBadChecksumDropped(kPeerIp4, kStackIp4, "Udp.InDatagrams",
                                   "Udp.InCsumErrors");
}

TEST_F(KernelChecksumTest, UdpIpv6) {
  UdpAcceptedAndBadChecksumDropped(kPeerIp6, kStackIp6, "Udp6InDatagrams",
                                   "Udp6InCsumErrors");
}

TEST_F(KernelChecksumTest, BadIpv4HeaderChecksumDropped) {
  const uint16_t port = 7003;
  Fd sock = BoundUdp(kStackIp4, port);
  const std::vector<std::string> keys = {"IpExt.InCsumErrors"};
  Counters before = ReadCounters();
  Inject(ToStack()
             .Ipv4(kPeerIp4, kStackIp4)
             .BadIpChecksum()
             .Udp(5000, port)
             .Payload("bad ip")
             .Build());
  EXPECT_EQ(ReceiveUdp(sock, kAbsenceWait), "") << "bad checksum delivered";
  EXPECT_EQ(Deltas(before, ReadCounters(), keys),
            (std::map<std::string, int64_t>{{"IpExt.InCsumErrors", 1}}));
}

TEST_F(KernelChecksumTest, TcpSynAnsweredAndBadChecksumIgnored) {
  const uint16_t port = 7002;
  Fd listener(socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, kStackIp4, &addr.sin_addr);
  ASSERT_EQ(
      bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)),
      0);
  ASSERT_EQ(listen(listener.get(), 8), 0);
  auto syn = [&](uint16_t src_port) {
    return ToStack()
        .Ipv4(kPeerIp4, kStackIp4)
        .Tcp(src_port, port, TcpFlags::kSyn)
        .Seq(1000)
        .TcpMss(1400);
  };
  auto syn_ack_to = [&](uint16_t dst_port) {
    return [=](const ParsedPacket& p) {
      return p.l4.protocol == L4Protocol::kTcp && p.l4.dst_port == dst_port;
    };
  };
  const std::vector<std::string> keys = {"Tcp.InSegs", "Tcp.InCsumErrors"};

  Counters before = ReadCounters();
  Inject(syn(40000).Build());
  absl::optional<ParsedPacket> reply = Capture(syn_ack_to(40000), kExpectWait);
  ASSERT_TRUE(reply) << "no SYN-ACK";
  EXPECT_EQ(reply->ip[0].src, kStackIp4);
  EXPECT_EQ(reply->ip[0].dst, kPeerIp4);
  EXPECT_EQ(reply->l4.src_port, port);
  EXPECT_EQ(reply->l4.tcp_flags, TcpFlags::kSyn | TcpFlags::kAck);
  EXPECT_EQ(reply->l4.ack_seq, 1001u);
  // The kernel's own checksums pass the parser.
  EXPECT_TRUE(reply->checksums_ok()) << reply->DebugString();
  EXPECT_EQ(Deltas(before, ReadCounters(), keys),
            (std::map<std::string, int64_t>{{"Tcp.InSegs", 1},
                                            {"Tcp.InCsumErrors", 0}}));

  before = ReadCounters();
  Inject(syn(40001).BadL4Checksum().Build());
  EXPECT_FALSE(Capture(syn_ack_to(40001), kAbsenceWait));
  EXPECT_EQ(Deltas(before, ReadCounters(), {"Tcp.InCsumErrors"}),
            (std::map<std::string, int64_t>{{"Tcp.InCsumErrors", 1}}));
}

TEST_F(KernelChecksumTest, IcmpEchoAnsweredAndBadChecksumIgnored) {
  auto echo = [&](uint16_t seq) {
    return ToStack()
        .Ipv4(kPeerIp4, kStackIp4)
        .IcmpEcho(0x77, seq)
        .Payload("ping payload");
  };
  auto reply_to = [](uint16_t seq) {
    return [=](const ParsedPacket& p) {
      return p.l4.protocol == L4Protocol::kIcmp &&
             p.l4.type == ICMP_ECHOREPLY && p.l4.echo_seq == seq;
    };
  };
  const std::vector<std::string> keys = {"Icmp.InEchos", "Icmp.InCsumErrors"};

  Counters before = ReadCounters();
  Inject(echo(1).Build());
  absl::optional<ParsedPacket> reply = Capture(reply_to(1), kExpectWait);
  ASSERT_TRUE(reply) << "no echo reply";
  EXPECT_EQ(reply->ip[0].src, kStackIp4);
  EXPECT_EQ(reply->ip[0].dst, kPeerIp4);
  EXPECT_EQ(reply->l4.echo_id, 0x77);
  EXPECT_EQ(std::string(reply->payload.begin(), reply->payload.end()),
            "ping payload");
  EXPECT_TRUE(reply->checksums_ok()) << reply->DebugString();
  EXPECT_EQ(Deltas(before, ReadCounters(), keys),
            (std::map<std::string, int64_t>{{"Icmp.InEchos", 1},
                                            {"Icmp.InCsumErrors", 0}}));

  before = ReadCounters();
  Inject(echo(2).BadL4Checksum().Build());
  EXPECT_FALSE(Capture(reply_to(2), kAbsenceWait));
  EXPECT_EQ(Deltas(before, ReadCounters(), keys),
            (std::map<std::string, int64_t>{{"Icmp.InEchos", 0},
                                            {"Icmp.InCsumErrors", 1}}));
}

}  // namespace
}  // namespace sluice::testing
