// The world of the node datapath's BPF_PROG_TEST_RUN tests (endpoint_*_test.cc):
// one workload endpoint, its services and backends, its policies, the flows
// between them, and the fixture that loads the endpoint object with them.
// (For tc programs the kernel takes and returns the whole Ethernet frame.)
#pragma once

#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "datapath/tc/endpoint_fixture.h"
#include "base/packet/packet_builder.h"
#include "base/packet/packet_parser.h"
#include "gtest/gtest.h"
#include "sluice/shared.h"

namespace sluice::testing {

using Bytes = std::vector<uint8_t>;

constexpr uint32_t kPass = TC_ACT_OK;
constexpr uint32_t kShot = TC_ACT_SHOT;
constexpr uint32_t kRedirect = TC_ACT_REDIRECT;
constexpr uint8_t kSynAck = TcpFlags::kSyn | TcpFlags::kAck;
constexpr size_t kEthLen = 14;
constexpr size_t kVlanLen = 4;
constexpr size_t kIpv4Len = 20;
constexpr size_t kIpv6Len = 40;

// The endpoint's veth: the workload's end and the host's end.
const MacAddr kWorkloadMac("02:00:00:00:01:02");
const MacAddr kHostMac("02:00:00:00:00:01");

constexpr uint32_t kEndpointId = 7;
const IpAddress kClient4("10.0.1.2");  // the endpoint's addresses
const IpAddress kClient6("fd00:1::2");
const IpAddress kPeer4("10.0.3.4");  // another workload, no service
const IpAddress kPeer6("fd00:3::4");
const IpAddress kRouter4("10.0.0.1");  // sends ICMP errors on the way

const IpAddress kService4("10.96.0.10");
const IpAddress kService6("fd00:96::10");
const IpAddress kEmptyService4("10.96.0.20");  // no backend
const IpAddress kEmptyService6("fd00:96::20");
const IpAddress kBackend4("10.0.2.3");
const IpAddress kOtherBackend4("10.0.2.4");
const IpAddress kBackend6("fd00:2::3");

// Services; each has the Maglev table of its id naming one backend, or none.
struct ServiceDef {
  uint32_t svc_id;
  IpAddress addr;
  uint16_t port;
  uint8_t proto;
  uint32_t backend_id;  // SLUICE_NO_BACKEND: the service has none
};
const ServiceDef kServices[] = {
    {1, kService4, 80, IPPROTO_TCP, 1},
    {2, kService4, 53, IPPROTO_UDP, 3},
    {3, kService6, 80, IPPROTO_TCP, 4},
    {4, kService6, 53, IPPROTO_UDP, 5},
    {5, kEmptyService4, 80, IPPROTO_TCP, SLUICE_NO_BACKEND},
    {6, kEmptyService4, 53, IPPROTO_UDP, SLUICE_NO_BACKEND},
    {7, kEmptyService6, 80, IPPROTO_TCP, SLUICE_NO_BACKEND},
    {8, kEmptyService6, 53, IPPROTO_UDP, SLUICE_NO_BACKEND},
};

struct BackendDef {
  uint32_t id;
  IpAddress addr;
  uint16_t port;
  uint32_t svc_id;
};
const BackendDef kBackends[] = {
    {1, kBackend4, 8080, 1},
    {2, kOtherBackend4, 8080, 1},  // in service 1, not in its first table
    {3, kBackend4, 5353, 2},
    {4, kBackend6, 8080, 3},
    {5, kBackend6, 5353, 4},
};

constexpr uint32_t kIngressPolicy = 20;
constexpr uint32_t kEgressPolicy = 10;

// A TCP or UDP flow; ports in host order.
struct Flow {
  IpAddress src;
  uint16_t sport;
  IpAddress dst;
  uint16_t dport;
  uint8_t proto;
};

inline Flow Reversed(const Flow& f) {
  return {f.dst, f.dport, f.src, f.sport, f.proto};
}

// The flow after DNAT to dst:dport.
inline Flow To(const Flow& f, const IpAddress& dst, uint16_t dport) {
  return {f.src, f.sport, dst, dport, f.proto};
}

inline std::string Describe(const Flow& f) {
  return absl::StrCat(f.src.ToString(), ":", f.sport, " > ", f.dst.ToString(),
                      ":", f.dport);
}

// The addresses and ports of a parsed packet, as Describe(Flow) has them.
inline std::string Describe(const ParsedPacket& p) {
  if (p.ip.empty()) return "no IP header";
  return absl::StrCat(p.ip[0].src, ":", p.l4.src_port, " > ", p.ip[0].dst, ":",
                      p.l4.dst_port);
}

inline IpAddress AddressOf(const __be32* words, uint8_t family) {
  if (family == SLUICE_FAMILY_V4) {
    in_addr a;
    std::memcpy(&a, words, sizeof(a));
    return a;
  }
  in6_addr a;
  std::memcpy(&a, words, sizeof(a));
  return a;
}

inline std::string Describe(const sluice_flow_key& k) {
  return absl::StrCat(AddressOf(k.src, k.family).ToString(), ":",
                      ntohs(k.sport), " > ",
                      AddressOf(k.dst, k.family).ToString(), ":",
                      ntohs(k.dport), " proto ", int{k.proto});
}

inline PacketBuilder& AddIp(PacketBuilder& b, const IpAddress& src,
                            const IpAddress& dst) {
  return src.is_v4() ? b.Ipv4(src, dst) : b.Ipv6(src, dst);
}

inline PacketBuilder IpFrame(const MacAddr& src_mac, const MacAddr& dst_mac,
                             const IpAddress& src, const IpAddress& dst) {
  PacketBuilder b = PacketBuilder().Eth(src_mac, dst_mac);
  return AddIp(b, src, dst);
}

// A frame the workload sends / one delivered to it, up to the IP header.
inline PacketBuilder FromWorkload(const IpAddress& src, const IpAddress& dst) {
  return IpFrame(kWorkloadMac, kHostMac, src, dst);
}
inline PacketBuilder ToWorkload(const IpAddress& src, const IpAddress& dst) {
  return IpFrame(kHostMac, kWorkloadMac, src, dst);
}

inline Bytes WithL4(PacketBuilder b, const Flow& f, uint8_t tcp_flags,
                    bool zero_udp_checksum) {
  if (f.proto == IPPROTO_TCP) {
    b.Tcp(f.sport, f.dport, tcp_flags);
  } else {
    b.Udp(f.sport, f.dport);
    if (zero_udp_checksum) b.ZeroUdpChecksum();
  }
  return b.Payload("hello").Build();
}

inline Bytes Sent(const Flow& f, uint8_t tcp_flags = TcpFlags::kSyn,
                  bool zero_udp_checksum = false) {
  return WithL4(FromWorkload(f.src, f.dst), f, tcp_flags, zero_udp_checksum);
}

inline Bytes Delivered(const Flow& f, uint8_t tcp_flags = kSynAck,
                       bool zero_udp_checksum = false) {
  return WithL4(ToWorkload(f.src, f.dst), f, tcp_flags, zero_udp_checksum);
}

inline Bytes PingTo(const IpAddress& dst) {
  return FromWorkload(kClient4, dst).IcmpEcho(77, 1).Build();
}

// The start of a packet of `f` as an ICMP error quotes it: the IP header
// and the first 8 bytes of the transport header (RFC 792, 4443).
inline Bytes Quote(const Flow& f) {
  PacketBuilder b;
  const size_t ip_len = f.src.is_v4() ? kIpv4Len : kIpv6Len;
  AddIp(b, f.src, f.dst).Truncate(ip_len + 8);
  return WithL4(b, f, TcpFlags::kAck, false);
}

// Parses `frame`, expecting it whole, with valid checksums, carrying `f`.
inline ParsedPacket ParseCarrying(const Bytes& frame, const Flow& f) {
  ParsedPacket p = ParsePacket(frame);
  EXPECT_TRUE(p.ok()) << p.problem << "\n" << p.DebugString();
  EXPECT_TRUE(p.checksums_ok()) << p.DebugString();
  EXPECT_EQ(Describe(p), Describe(f));
  return p;
}

class NodeDatapathTest : public EndpointTest {
 protected:
  void SetUp() override {
    EndpointTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    SetPolicies(0, 0);
    for (const ServiceDef& s : kServices) {
      PutRing(s.svc_id, {s.backend_id});
      PutService(s.addr, s.port, s.proto, s.svc_id, s.svc_id);
    }
    for (const BackendDef& b : kBackends) {
      PutBackend(b.id, b.addr, b.port, b.svc_id);
    }
  }

  // The endpoint with these policies (0 = none) in each direction.
  void SetPolicies(uint32_t ingress, uint32_t egress) {
    PutEndpoint(MakeEndpoint(kEndpointId, kClient4, kClient6, ingress, egress));
  }

  // Points service 1 (kService4:80/tcp) at a new table naming only
  // `backend_id`, as lbd replaces a table: under a new ring id.
  void ReplaceService1Ring(uint32_t backend_id) {
    constexpr uint32_t kNewRingId = 100;
    PutRing(kNewRingId, {backend_id});
    PutService(kService4, 80, IPPROTO_TCP, 1, kNewRingId);
  }
};

// --- Service DNAT and connection tracking ------------------------------------

const Flow kToService{kClient4, 40000, kService4, 80, IPPROTO_TCP};
const Flow kToBackend = To(kToService, kBackend4, 8080);
const Flow kToService6{kClient6, 40000, kService6, 80, IPPROTO_TCP};
const Flow kToBackend6 = To(kToService6, kBackend6, 8080);

// A flow to another workload (no service): what policies judge.
const Flow kToPeer{kClient4, 40000, kPeer4, 443, IPPROTO_TCP};

}  // namespace sluice::testing
