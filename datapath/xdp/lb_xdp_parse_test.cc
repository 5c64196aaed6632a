// The XDP program's parsing front under BPF_PROG_TEST_RUN: every kind of
// well-formed packet is classified by the right counters and, not being for
// a VIP, passes unchanged; every truncation and every bad header field gets
// a defined verdict with the matching drop reason.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/packet/packet_builder.h"
#include "base/testing/prog_test_run.h"
#include "datapath/xdp/lb_xdp_fixture.h"
#include "gtest/gtest.h"

namespace sluice::testing {
namespace {

using Bytes = std::vector<uint8_t>;
const MacAddr kClientMac("02:00:00:00:00:01");
const MacAddr kLbMac("02:00:00:00:00:aa");
const MacAddr kBroadcast("ff:ff:ff:ff:ff:ff");
const IpAddress kClient4("192.0.2.1");
const IpAddress kServer4("198.51.100.7");
const IpAddress kClient6("2001:db8:c::1");
const IpAddress kServer6("2001:db8:5::7");

// Header sizes of the frames below.
constexpr size_t kEthLen = 14;
constexpr size_t kVlanLen = 4;
constexpr size_t kIpv4Len = 20;
constexpr size_t kIpv6Len = 40;
constexpr size_t kTcpLen = 20;
constexpr size_t kUdpLen = 8;
constexpr size_t kArpLen = 28;

constexpr uint8_t kRecordRoute[] = {7, 7, 4, 0, 0, 0, 0};  // RFC 791 RR, 1 slot

PacketBuilder EthTo(const MacAddr& dst = kLbMac) {
  return PacketBuilder().Eth(kClientMac, dst);
}

Bytes TcpV4() {
  return EthTo()
      .Ipv4(kClient4, kServer4)
      .Tcp(40000, 80, TcpFlags::kSyn)
      .Payload("hello")
      .Build();
}

Bytes UdpV6() {
  return EthTo()
      .Ipv6(kClient6, kServer6)
      .Udp(40000, 53)
      .Payload("query")
      .Build();
}

Bytes Prefix(const Bytes& frame, size_t len) {
  return Bytes(frame.begin(), frame.begin() + len);
}

// Header fields the builder cannot get wrong on purpose, overwritten in place.
Bytes WithIpv4VersionIhl(Bytes frame, uint8_t version, uint8_t ihl) {
  frame[kEthLen] = static_cast<uint8_t>(version << 4 | ihl);
  return frame;
}

Bytes WithIpv6Version(Bytes frame, uint8_t version) {
  frame[kEthLen] = static_cast<uint8_t>(version << 4 | (frame[kEthLen] & 0xf));
  return frame;
}

Bytes WithTcpDataOffset(Bytes frame, size_t tcp_offset, uint8_t doff) {
  frame[tcp_offset + 12] = static_cast<uint8_t>(doff << 4);
  return frame;
}

// What the program must do with a frame cut to some length.
struct Expectation {
  uint32_t verdict;
  std::string drop_reason;  // "" when not dropped
  std::string moved;        // classification counters moved
};

const Expectation kMalformedL2{XDP_DROP, "malformed_l2", "rx"};
const Expectation kMalformedL3{XDP_DROP, "malformed_l3", "rx"};

class LbXdpParseTest : public LbXdpTest {
 protected:
  // Runs every prefix of `full` and checks it against `expect(len)`. Frames
  // shorter than an Ethernet header never reach the program: the kernel
  // refuses them (BPF_PROG_TEST_RUN returns EINVAL; no NIC delivers them).
  void SweepTruncations(const Bytes& full, Expectation (*expect)(size_t len)) {
    for (size_t len = 0; len < full.size(); ++len) {
      SCOPED_TRACE(
          absl::StrCat("frame cut to ", len, " of ", full.size(), " bytes"));
      Bytes frame = Prefix(full, len);
      if (len < kEthLen) {
        auto run = RunProg(prog_fd(), frame);
        EXPECT_FALSE(run.ok()) << "a " << len << "-byte frame ran";
        EXPECT_EQ(run.status().code(), absl::StatusCode::kInvalidArgument);
        continue;
      }
      XdpRun r = Run(frame);
      Expectation e = expect(len);
      EXPECT_EQ(r.verdict, e.verdict);
      EXPECT_EQ(DropReasons(r.delta), e.drop_reason);
      EXPECT_EQ(Moved(r.delta), e.moved);
    }
  }
};

// ---------------------------------------------------------------------------
// Well-formed packets of every kind.

struct ClassCase {
  std::string name;
  Bytes frame;
  std::string moved;  // counters this packet must move, and no others
};

std::vector<ClassCase> ClassCases() {
  const std::vector<IpAddress> kSegment = {"2001:db8:5::8"};
  return {
      {"ARP request",
       EthTo(kBroadcast)
           .Arp(ArpOp::kRequest, kClientMac, kClient4, {}, kServer4)
           .Build(),
       "rx arp"},
      {"ARP reply, VLAN-tagged",
       EthTo()
           .Vlan(10)
           .Arp(ArpOp::kReply, kClientMac, kClient4, kLbMac, kServer4)
           .Build(),
       "rx vlan arp"},
      {"IPv4 TCP", TcpV4(), "rx ipv4 tcp"},
      {"IPv4 UDP",
       EthTo().Ipv4(kClient4, kServer4).Udp(40000, 53).Payload("q").Build(),
       "rx ipv4 udp"},
      {"IPv4 ICMP echo",
       EthTo().Ipv4(kClient4, kServer4).IcmpEcho(7, 1).Build(), "rx ipv4 icmp"},
      {"IPv4 GRE (other L4)",
       EthTo()
           .Ipv4(kClient4, kServer4)
           .IpProtocol(IPPROTO_GRE)
           .PayloadOfSize(24)
           .Build(),
       "rx ipv4 l4_other"},
      {"IPv6 TCP",
       EthTo().Ipv6(kClient6, kServer6).Tcp(40000, 443, TcpFlags::kSyn).Build(),
       "rx ipv6 tcp"},
      {"IPv6 UDP", UdpV6(), "rx ipv6 udp"},
      {"IPv6 ICMPv6 echo",
       EthTo().Ipv6(kClient6, kServer6).Icmpv6Echo(7, 1).Build(),
       "rx ipv6 icmpv6"},
      {"IPv6 no next header", EthTo().Ipv6(kClient6, kServer6).Build(),
       "rx ipv6 l4_other"},
      {"IPv4 TCP, one VLAN tag",
       EthTo()
           .Vlan(100)
           .Ipv4(kClient4, kServer4)
           .Tcp(40000, 80, TcpFlags::kSyn)
           .Build(),
       "rx vlan ipv4 tcp"},
      {"IPv6 UDP, two VLAN tags",
       EthTo()
           .Vlan(100)
           .Vlan(200)
           .Ipv6(kClient6, kServer6)
           .Udp(40000, 53)
           .Build(),
       "rx vlan ipv6 udp"},
      {"IPv4 TCP with options",
       EthTo()
           .Ipv4(kClient4, kServer4)
           .Ipv4Options(kRecordRoute)
           .Tcp(40000, 80, TcpFlags::kSyn)
           .Build(),
       "rx ipv4 tcp ipv4_options"},
      {"IPv4 first fragment",
       EthTo()
           .Ipv4(kClient4, kServer4)
           .Fragment(0, true)
           .Udp(40000, 53)
           .PayloadOfSize(64)
           .Build(),
       "rx ipv4 udp ip_fragment"},
      {"IPv4 later fragment",
       EthTo()
           .Ipv4(kClient4, kServer4)
           .Fragment(72, false)
           .IpProtocol(IPPROTO_UDP)
           .PayloadOfSize(64)
           .Build(),
       "rx ipv4 udp ip_fragment"},
      {"IPv6 hop-by-hop",
       EthTo().Ipv6(kClient6, kServer6).HopByHop().Udp(40000, 53).Build(),
       "rx ipv6 udp ipv6_ext_headers"},
      {"IPv6 destination options",
       EthTo()
           .Ipv6(kClient6, kServer6)
           .DestOpts()
           .Tcp(40000, 443, TcpFlags::kSyn)
           .Build(),
       "rx ipv6 tcp ipv6_ext_headers"},
      {"IPv6 routing header",
       EthTo()
           .Ipv6(kClient6, kServer6)
           .Routing(0, 0, kSegment)
           .Tcp(40000, 443, TcpFlags::kSyn)
           .Build(),
       "rx ipv6 tcp ipv6_ext_headers"},
      {"IPv6 first fragment",
       EthTo()
           .Ipv6(kClient6, kServer6)
           .Fragment(0, true)
           .Udp(40000, 53)
           .PayloadOfSize(64)
           .Build(),
       "rx ipv6 udp ip_fragment ipv6_ext_headers"},
      {"IPv6 later fragment",
       EthTo()
           .Ipv6(kClient6, kServer6)
           .Fragment(72, false)
           .IpProtocol(IPPROTO_UDP)
           .PayloadOfSize(64)
           .Build(),
       "rx ipv6 udp ip_fragment ipv6_ext_headers"},
      {"IPv6 hop-by-hop + destination options + routing",
       EthTo()
           .Ipv6(kClient6, kServer6)
           .HopByHop()
           .DestOpts()
           .Routing(0, 0, kSegment)
           .Udp(40000, 53)
           .Build(),
       "rx ipv6 udp ipv6_ext_headers"},
      {"IPv6 hop-by-hop + destination options + routing + fragment",
       EthTo()
           .Ipv6(kClient6, kServer6)
           .HopByHop()
           .DestOpts()
           .Routing(0, 0, kSegment)
           .Fragment(0, true)
           .Udp(40000, 53)
           .Build(),
       "rx ipv6 udp ip_fragment ipv6_ext_headers"},
      {"unknown EtherType (LLDP)",
       EthTo().EtherType(0x88cc).PayloadOfSize(46).Build(), "rx l3_other"},
      {"unknown EtherType behind a VLAN tag",
       EthTo().Vlan(5).EtherType(0x88cc).PayloadOfSize(46).Build(),
       "rx vlan l3_other"},
  };
}

TEST_F(LbXdpParseTest, WellFormedPacketsAreClassifiedAndPassUnchanged) {
  for (const ClassCase& c : ClassCases()) {
    SCOPED_TRACE(c.name);
    XdpRun r = Run(c.frame);
    EXPECT_EQ(r.verdict, XDP_PASS);
    EXPECT_EQ(r.out, c.frame) << "a packet that is not for a VIP is changed";
    EXPECT_EQ(Moved(r.delta), c.moved);
    EXPECT_EQ(DropReasons(r.delta), "");
    EXPECT_EQ(Verdicts(r.delta), "pass");
    EXPECT_EQ(r.delta.ctr[SLUICE_CTR_RX].bytes, c.frame.size());
    EXPECT_EQ(r.delta.verdicts[XDP_PASS].bytes, c.frame.size());
  }
}

// A chain longer than the parser follows (SLUICE_IPV6_EXT_MAX headers) is
// reported as "no upper layer" rather than guessed at.
TEST_F(LbXdpParseTest, OverlongIpv6ExtensionChainIsNotTakenForL4) {
  Bytes frame = EthTo()
                    .Ipv6(kClient6, kServer6)
                    .HopByHop()
                    .DestOpts()
                    .HopByHop()
                    .DestOpts()
                    .HopByHop()
                    .Udp(40000, 53)
                    .Build();
  XdpRun r = Run(frame);
  EXPECT_EQ(r.verdict, XDP_PASS);
  EXPECT_EQ(r.out, frame);
  EXPECT_EQ(Moved(r.delta), "rx ipv6 l4_other ipv6_ext_headers");
}

// ---------------------------------------------------------------------------
// Truncations: every length from 0 to the full length minus one.

TEST_F(LbXdpParseTest, EveryTruncationOfTcpIpv4IsDroppedAsMalformedL3) {
  // Up to the end of the IP header the header is cut; after it, the total
  // length claims more bytes than the frame holds.
  SweepTruncations(TcpV4(), [](size_t) { return kMalformedL3; });
}

TEST_F(LbXdpParseTest, EveryTruncationOfUdpIpv6IsDroppedAsMalformedL3) {
  SweepTruncations(UdpV6(), [](size_t) { return kMalformedL3; });
}

TEST_F(LbXdpParseTest, EveryTruncationOfVlanTaggedTcpIpv4HasItsReason) {
  Bytes full = EthTo()
                   .Vlan(100)
                   .Vlan(200)
                   .Ipv4(kClient4, kServer4)
                   .Tcp(40000, 80, TcpFlags::kSyn)
                   .Build();
  SweepTruncations(full, [](size_t len) {
    return len < kEthLen + 2 * kVlanLen ? kMalformedL2 : kMalformedL3;
  });
}

// The IP header is whole and its length matches the frame, but the TCP
// header is cut: the L4 check must catch it.
TEST_F(LbXdpParseTest, TcpHeaderCutInsideAConsistentIpv4PacketIsMalformedL4) {
  const Bytes full = TcpV4();
  for (size_t len = kEthLen + kIpv4Len; len < full.size(); ++len) {
    SCOPED_TRACE(absl::StrCat("frame of ", len, " bytes"));
    Bytes frame = EthTo()
                      .Ipv4(kClient4, kServer4)
                      .IpLength(static_cast<uint16_t>(len - kEthLen))
                      .Tcp(40000, 80, TcpFlags::kSyn)
                      .Payload("hello")
                      .Truncate(len)
                      .Build();
    XdpRun r = Run(frame);
    if (len < kEthLen + kIpv4Len + kTcpLen) {
      EXPECT_EQ(r.verdict, XDP_DROP);
      EXPECT_EQ(DropReasons(r.delta), "malformed_l4");
      EXPECT_EQ(Moved(r.delta), "rx");
    } else {  // only payload is missing: not ours to judge
      EXPECT_EQ(r.verdict, XDP_PASS);
      EXPECT_EQ(Moved(r.delta), "rx ipv4 tcp");
    }
  }
}

TEST_F(LbXdpParseTest, UdpHeaderCutInsideAConsistentIpv6PacketIsMalformedL4) {
  for (size_t udp = 0; udp < kUdpLen; ++udp) {
    SCOPED_TRACE(absl::StrCat(udp, " bytes of UDP header"));
    size_t len = kEthLen + kIpv6Len + udp;
    Bytes frame = EthTo()
                      .Ipv6(kClient6, kServer6)
                      .IpLength(static_cast<uint16_t>(udp))
                      .Udp(40000, 53)
                      .Truncate(len)
                      .Build();
    XdpRun r = Run(frame);
    EXPECT_EQ(r.verdict, XDP_DROP);
    EXPECT_EQ(DropReasons(r.delta), "malformed_l4");
  }
}

TEST_F(LbXdpParseTest, TruncatedArpIsDroppedAsMalformedArp) {
  Bytes full = EthTo(kBroadcast)
                   .Arp(ArpOp::kRequest, kClientMac, kClient4, {}, kServer4)
                   .Build();
  for (size_t len = kEthLen; len < kEthLen + kArpLen; ++len) {
    SCOPED_TRACE(absl::StrCat("ARP frame of ", len, " bytes"));
    XdpRun r = Run(Prefix(full, len));
    EXPECT_EQ(r.verdict, XDP_DROP);
    EXPECT_EQ(DropReasons(r.delta), "malformed_arp");
    EXPECT_EQ(Moved(r.delta), "rx arp");
  }
}

TEST_F(LbXdpParseTest, ArpForAnotherProtocolPairPasses) {
  // Hardware address length 8: not IPv4 over Ethernet, none of our business.
  Bytes frame = EthTo(kBroadcast)
                    .Arp(ArpOp::kRequest, kClientMac, kClient4, {}, kServer4)
                    .Build();
  frame[kEthLen + 4] = 8;
  XdpRun r = Run(frame);
  EXPECT_EQ(r.verdict, XDP_PASS);
  EXPECT_EQ(r.out, frame);
}

// ---------------------------------------------------------------------------
// Bad header fields in a frame of full length.

struct BadFieldCase {
  std::string name;
  Bytes frame;
  std::string drop_reason;
};

std::vector<BadFieldCase> BadFieldCases() {
  const Bytes tcp4 = TcpV4();
  const size_t tcp_at = kEthLen + kIpv4Len;
  return {
      {"IPv4 ihl 4 (< 5)", WithIpv4VersionIhl(tcp4, 4, 4), "malformed_l3"},
      {"IPv4 ihl 0", WithIpv4VersionIhl(tcp4, 4, 0), "malformed_l3"},
      {"IPv4 ihl 15 (options beyond the packet)",
       WithIpv4VersionIhl(tcp4, 4, 15), "malformed_l3"},
      {"IPv4 version 6 behind EtherType IPv4", WithIpv4VersionIhl(tcp4, 6, 5),
       "malformed_l3"},
      {"IPv4 total length > frame",
       EthTo()
           .Ipv4(kClient4, kServer4)
           .IpLength(static_cast<uint16_t>(tcp4.size() - kEthLen + 1))
           .Tcp(40000, 80, TcpFlags::kSyn)
           .Payload("hello")
           .Build(),
       "malformed_l3"},
      {"IPv4 total length 19 (< ihl * 4)",
       EthTo()
           .Ipv4(kClient4, kServer4)
           .IpLength(19)
           .Tcp(40000, 80, TcpFlags::kSyn)
           .Payload("hello")
           .Build(),
       "malformed_l3"},
      {"IPv4 total length 0",
       EthTo()
           .Ipv4(kClient4, kServer4)
           .IpLength(0)
           .Tcp(40000, 80, TcpFlags::kSyn)
           .Build(),
       "malformed_l3"},
      {"TCP data offset 4 (< 5)", WithTcpDataOffset(tcp4, tcp_at, 4),
       "malformed_l4"},
      {"TCP data offset 0", WithTcpDataOffset(tcp4, tcp_at, 0), "malformed_l4"},
      {"TCP data offset 15 (options beyond the frame)",
       WithTcpDataOffset(tcp4, tcp_at, 15), "malformed_l4"},
      // The frame holds a whole TCP/UDP header, but past the IP packet's
      // end (where Ethernet padding would be): not part of the packet.
      {"IPv4 total length ends before the TCP header",
       EthTo()
           .Ipv4(kClient4, kServer4)
           .IpLength(kIpv4Len)
           .Tcp(40000, 80, TcpFlags::kSyn)
           .Build(),
       "malformed_l4"},
      {"IPv4 total length ends inside the TCP header",
       EthTo()
           .Ipv4(kClient4, kServer4)
           .IpLength(kIpv4Len + kTcpLen - 1)
           .Tcp(40000, 80, TcpFlags::kSyn)
           .Build(),
       "malformed_l4"},
      {"IPv6 payload length ends inside the UDP header",
       EthTo()
           .Ipv6(kClient6, kServer6)
           .IpLength(kUdpLen - 1)
           .Udp(40000, 53)
           .Build(),
       "malformed_l4"},
      {"IPv4 ICMP header past the total length",
       EthTo()
           .Ipv4(kClient4, kServer4)
           .IpLength(kIpv4Len + 4)
           .IcmpEcho(1, 1)
           .Build(),
       "malformed_l4"},
      {"IPv6 version 4 behind EtherType IPv6", WithIpv6Version(UdpV6(), 4),
       "malformed_l3"},
      {"IPv6 payload length > frame",
       EthTo()
           .Ipv6(kClient6, kServer6)
           .IpLength(kUdpLen + 6)
           .Udp(40000, 53)
           .Payload("query")
           .Build(),
       "malformed_l3"},
      {"IPv6 hop-by-hop header longer than the packet",
       [] {
         // hdrlen 255: 2 KiB of options in a 70-byte frame.
         Bytes f =
             EthTo().Ipv6(kClient6, kServer6).HopByHop().Udp(40000, 53).Build();
         f[kEthLen + kIpv6Len + 1] = 255;
         return f;
       }(),
       "malformed_l3"},
      {"IPv6 fragment header cut",
       EthTo()
           .Ipv6(kClient6, kServer6)
           .IpLength(4)
           .Fragment(0, true)
           .Udp(40000, 53)
           .Truncate(kEthLen + kIpv6Len + 4)
           .Build(),
       "malformed_l3"},
  };
}

TEST_F(LbXdpParseTest, BadHeaderFieldsAreDroppedWithTheirReason) {
  for (const BadFieldCase& c : BadFieldCases()) {
    SCOPED_TRACE(c.name);
    XdpRun r = Run(c.frame);
    EXPECT_EQ(r.verdict, XDP_DROP);
    EXPECT_EQ(DropReasons(r.delta), c.drop_reason);
    EXPECT_EQ(Verdicts(r.delta), "drop");
    EXPECT_EQ(Moved(r.delta), "rx") << "a malformed packet was classified";
  }
}

// The IPv6 payload length bounds the extension chain, not the frame: bytes
// after the packet (Ethernet padding, junk) are no extension header. Before
// parse_ipv6 checked it, the first frame passed as "no upper layer" and the
// second was dropped for its UDP header, not for its chain.
TEST_F(LbXdpParseTest, Ipv6ExtensionChainPastThePayloadLengthIsMalformedL3) {
  struct Case {
    std::string name;
    Bytes frame;
  };
  const Case cases[] = {
      {"payload length ends inside the second extension header",
       EthTo()
           .Ipv6(kClient6, kServer6)
           .IpLength(12)
           .HopByHop()
           .DestOpts()
           .Payload("trailing")
           .Build()},
      {"payload length 0, chain and UDP all after it",
       EthTo()
           .Ipv6(kClient6, kServer6)
           .IpLength(0)
           .DestOpts()
           .Udp(40000, 53)
           .Build()},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    XdpRun r = Run(c.frame);
    EXPECT_EQ(r.verdict, XDP_DROP);
    EXPECT_EQ(DropReasons(r.delta), "malformed_l3");
    EXPECT_EQ(Moved(r.delta), "rx") << "a malformed packet was classified";
  }
}

}  // namespace
}  // namespace sluice::testing
