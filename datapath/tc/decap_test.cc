// The tc decapsulation program under BPF_PROG_TEST_RUN: tunnel packets from
// the load balancer to one of this host's addresses come out as the inner
// packet behind the same Ethernet header; everything else passes untouched.
// (For tc programs the kernel takes and returns the whole Ethernet frame.)
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "base/packet/packet_builder.h"
#include "base/packet/packet_parser.h"
#include "base/testing/prog_test_run.h"
#include "datapath/tc/decap_maps.h"
#include "decap.skel.h"
#include "gtest/gtest.h"
#include "sluice/shared.h"

namespace sluice::testing {
namespace {

using Bytes = std::vector<uint8_t>;

const MacAddr kLbMac("02:00:00:00:00:aa");
const MacAddr kRealMac("02:00:00:00:02:01");
const IpAddress kLb4("10.255.0.7");
const IpAddress kLb6("fd00:ff::7");
const IpAddress kReal4("10.1.0.1");       // this host
const IpAddress kReal6("fd00:1::1");      // this host
const IpAddress kOtherReal4("10.1.0.2");  // another host
const IpAddress kOtherReal6("fd00:1::2");
const IpAddress kClient4("192.0.2.1");
const IpAddress kClient6("2001:db8:c::1");
const IpAddress kVip4("203.0.113.10");
const IpAddress kVip6("2001:db8:f::10");

constexpr uint8_t kRecordRoute[] = {7, 7, 4, 0, 0, 0, 0};

PacketBuilder FromLb() { return PacketBuilder().Eth(kLbMac, kRealMac); }

// Appends the client's packet (client -> VIP, TCP) to `b`, whose last layer
// is the outer IP header or the Ethernet header.
PacketBuilder& ClientPacket(PacketBuilder& b, bool v6) {
  if (v6) {
    b.Ipv6(kClient6, kVip6);
  } else {
    b.Ipv4(kClient4, kVip4);
  }
  return b.Tcp(40000, 443, TcpFlags::kSyn).Payload("hello");
}

// The frame the real should see: the client's packet straight behind the
// LB's Ethernet header.
Bytes Inner(bool v6) {
  PacketBuilder b = FromLb();
  return ClientPacket(b, v6).Build();
}

// The client's packet inside an outer header from the LB to `real`.
Bytes Tunnel(const IpAddress& real, bool inner_v6) {
  PacketBuilder b = FromLb();
  if (real.is_v4()) {
    b.Ipv4(kLb4, real);
  } else {
    b.Ipv6(kLb6, real);
  }
  return ClientPacket(b, inner_v6).Build();
}

class DecapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "needs root: loading BPF programs and BPF_PROG_TEST_RUN "
                      "need CAP_BPF + CAP_NET_ADMIN";
    }
    skel_ = decap::open();
    ASSERT_NE(skel_, nullptr)
        << "opening the decap object: " << strerror(errno);
    int err = decap::load(skel_);
    if (err == -EPERM) {
      GTEST_SKIP() << "the kernel refused to load BPF (EPERM): no CAP_BPF here";
    }
    ASSERT_EQ(err, 0) << "loading decap: " << strerror(-err);
    AddLocalAddress(kReal4);
    AddLocalAddress(kReal6);
  }

  void TearDown() override {
    if (skel_) decap::destroy(skel_);
  }

  // What lbd does for each address of the host (decap/decap.cc).
  void AddLocalAddress(const IpAddress& addr) {
    const sluice_vip_key k = DecapAddressKey(addr);
    ASSERT_EQ(bpf_map_update_elem(bpf_map__fd(skel_->maps.decap_addrs), &k,
                                  &kLocalAddress, BPF_ANY),
              0)
        << strerror(errno);
  }

  // The counters by name, as lbd reads them.
  std::map<std::string, sluice_counter> ReadCounters() {
    auto c = ReadDecapCounters(bpf_map__fd(skel_->maps.decap_counters));
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : std::map<std::string, sluice_counter>{};
  }

  struct DecapRun {
    uint32_t verdict = ~0u;
    Bytes out;
    std::map<std::string, uint64_t> moved;  // packets per counter name
  };

  DecapRun Run(const Bytes& frame) {
    DecapRun run;
    std::map<std::string, sluice_counter> before = ReadCounters();
    auto result = RunProg(bpf_program__fd(skel_->progs.sluice_decap), frame);
    if (!result.ok()) {
      ADD_FAILURE() << "BPF_PROG_TEST_RUN: " << result.status();
      return run;
    }
    run.verdict = result->verdict;
    run.out = std::move(result->packet);
    for (const auto& [name, after] : ReadCounters()) {
      run.moved[name] = after.packets - before[name].packets;
    }
    return run;
  }

  // The counters that moved, besides "seen".
  static std::vector<std::string> Moved(const DecapRun& r) {
    std::vector<std::string> names;
    for (const auto& [name, packets] : r.moved) {
      if (packets && name != "seen") names.push_back(name);
    }
    return names;
  }

  decap* skel_ = nullptr;
};

TEST_F(DecapTest, IpipToALocalAddressBecomesTheInnerPacket) {
  DecapRun r = Run(Tunnel(kReal4, /*inner_v6=*/false));
  EXPECT_EQ(r.verdict, static_cast<uint32_t>(TC_ACT_OK));
  EXPECT_EQ(r.out, Inner(false));
  EXPECT_EQ(Moved(r), std::vector<std::string>{"ipip"});
  EXPECT_EQ(r.moved["seen"], 1u);
}

TEST_F(DecapTest, Ip6ip6ToALocalAddressBecomesTheInnerPacket) {
  DecapRun r = Run(Tunnel(kReal6, /*inner_v6=*/true));
  EXPECT_EQ(r.verdict, static_cast<uint32_t>(TC_ACT_OK));
  EXPECT_EQ(r.out, Inner(true));
  EXPECT_EQ(Moved(r), std::vector<std::string>{"ip6ip6"});
}

TEST_F(DecapTest, Ipv4InIpv6BecomesAnIpv4Frame) {
  DecapRun r = Run(Tunnel(kReal6, /*inner_v6=*/false));
  EXPECT_EQ(r.verdict, static_cast<uint32_t>(TC_ACT_OK));
  ParsedPacket p = ParsePacket(r.out);
  EXPECT_TRUE(p.ok()) << p.problem << "\n" << p.DebugString();
  ASSERT_TRUE(p.eth.has_value());
  EXPECT_EQ(p.eth->ethertype, 0x0800);
  ASSERT_EQ(p.ip.size(), 1u);
  EXPECT_EQ(IpAddress(p.ip[0].dst), kVip4);
  EXPECT_EQ(r.out, Inner(false));
  EXPECT_EQ(Moved(r), std::vector<std::string>{"ip4ip6"});
}

TEST_F(DecapTest, OuterHeaderOptionsAreStrippedWithIt) {
  // IPv4 options and IPv6 extension headers belong to the outer header.
  PacketBuilder v4 = FromLb();
  v4.Ipv4(kLb4, kReal4).Ipv4Options(kRecordRoute);
  DecapRun r = Run(ClientPacket(v4, false).Build());
  EXPECT_EQ(r.verdict, static_cast<uint32_t>(TC_ACT_OK));
  EXPECT_EQ(r.out, Inner(false));

  PacketBuilder v6 = FromLb();
  v6.Ipv6(kLb6, kReal6).DestOpts();
  r = Run(ClientPacket(v6, true).Build());
  EXPECT_EQ(r.verdict, static_cast<uint32_t>(TC_ACT_OK));
  EXPECT_EQ(r.out, Inner(true));
}

TEST_F(DecapTest, TunnelToAnotherAddressPassesUnchanged) {
  struct Case {
    std::string name;
    Bytes in;
  };
  const Case cases[] = {
      {"IPIP", Tunnel(kOtherReal4, false)},
      {"IP6IP6", Tunnel(kOtherReal6, true)},
      {"IPv4 in IPv6", Tunnel(kOtherReal6, false)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    DecapRun r = Run(c.in);
    EXPECT_EQ(r.verdict, static_cast<uint32_t>(TC_ACT_OK));
    EXPECT_EQ(r.out, c.in);
    EXPECT_EQ(Moved(r), std::vector<std::string>{"not_ours"});
  }
}

TEST_F(DecapTest, NonTunnelTrafficPassesUnchanged) {
  const Bytes fragment = FromLb()
                             .Ipv4(kLb4, kReal4)
                             .Fragment(0, true)
                             .Ipv4(kClient4, kVip4)
                             .Tcp(40000, 443, TcpFlags::kSyn)
                             .Build();
  struct Case {
    std::string name;
    Bytes in;
  };
  const Case cases[] = {
      {"TCP/IPv4 to this host", Inner(false)},
      {"TCP/IPv6 to this host", Inner(true)},
      {"UDP/IPv4", FromLb().Ipv4(kClient4, kReal4).Udp(5000, 53).Build()},
      {"ARP", PacketBuilder()
                  .Eth(kLbMac, "ff:ff:ff:ff:ff:ff")
                  .Arp(ArpOp::kRequest, kLbMac, kLb4, {}, kReal4)
                  .Build()},
      {"IPIP fragment (not reassembled here)", fragment},
      {"malformed IPv4 (total length beyond the frame)",
       FromLb()
           .Ipv4(kLb4, kReal4)
           .IpLength(200)
           .Ipv4(kClient4, kVip4)
           .Tcp(40000, 443, TcpFlags::kSyn)
           .Build()},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    DecapRun r = Run(c.in);
    EXPECT_EQ(r.verdict, static_cast<uint32_t>(TC_ACT_OK));
    EXPECT_EQ(r.out, c.in);
    EXPECT_EQ(Moved(r), std::vector<std::string>{});
    EXPECT_EQ(r.moved["seen"], 1u);
  }
}

// The outer IPv6 payload length bounds the extension chain: a "tunnel" whose
// chain runs past it (into the frame's trailing bytes) is malformed, not
// ours to strip. The fuzz test found decap stripping such frames.
TEST_F(DecapTest, Ipv6ChainPastThePayloadLengthIsNotStripped) {
  PacketBuilder ip6ip6 = FromLb();
  ip6ip6.Ipv6(kLb6, kReal6).IpLength(0).DestOpts();
  PacketBuilder ip4ip6 = FromLb();
  ip4ip6.Ipv6(kLb6, kReal6).IpLength(4).DestOpts();  // ends inside the header
  struct Case {
    std::string name;
    Bytes in;
  };
  const Case cases[] = {
      {"IP6IP6, payload length 0", ClientPacket(ip6ip6, true).Build()},
      {"IPv4 in IPv6, payload length 4", ClientPacket(ip4ip6, false).Build()},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    DecapRun r = Run(c.in);
    EXPECT_EQ(r.verdict, static_cast<uint32_t>(TC_ACT_OK));
    EXPECT_EQ(r.out, c.in);
    EXPECT_EQ(Moved(r), std::vector<std::string>{});
    EXPECT_EQ(r.moved["seen"], 1u);
  }
}

}  // namespace
}  // namespace sluice::testing
