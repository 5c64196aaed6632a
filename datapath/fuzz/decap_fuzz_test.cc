// Fuzz of the real server's decapsulation (datapath/tc/decap.bpf.c) under
// BPF_PROG_TEST_RUN, with this host's addresses in decap_addrs as lbd writes
// them (as decap_test.cc sets up). Every mutant must pass (untouched, or as
// exactly the input without its outer header: frame_checks.h) or drop with
// the failure counted. docs/testing-fuzz.md.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "datapath/fuzz/frame_checks.h"
#include "datapath/fuzz/fuzz_run.h"
#include "base/packet/packet_builder.h"
#include "base/testing/prog_test_run.h"
#include "datapath/tc/decap_maps.h"
#include "decap.skel.h"
#include "gtest/gtest.h"
#include "sluice/shared.h"

namespace sluice::testing {
namespace {

// The counters of a decapsulation, by the names lbd shows.
constexpr const char* kStrippedCounters[] = {"ipip", "ip6ip6", "ip4ip6"};

const MacAddr kLbMac("02:00:00:00:00:aa");
const MacAddr kRealMac("02:00:00:00:02:01");
const IpAddress kLb4("10.255.0.7");
const IpAddress kLb6("fd00:ff::7");
const IpAddress kReal4("10.1.0.1");  // this host
const IpAddress kReal6("fd00:1::1");
const IpAddress kOtherReal4("10.1.0.2");
const IpAddress kOtherReal6("fd00:1::2");
const IpAddress kClient4("192.0.2.1");
const IpAddress kClient6("2001:db8:c::1");
const IpAddress kVip4("203.0.113.10");
const IpAddress kVip6("2001:db8:f::10");

constexpr uint8_t kRecordRoute[] = {7, 7, 4, 0, 0, 0, 0};

PacketBuilder FromLb() { return PacketBuilder().Eth(kLbMac, kRealMac); }

PacketBuilder Outer(PacketBuilder b, const IpAddress& real) {
  return real.is_v4() ? b.Ipv4(kLb4, real) : b.Ipv6(kLb6, real);
}

// The client's packet to the VIP, after `b` (ending in the outer header).
Bytes Client(PacketBuilder b, bool v6) {
  if (v6) {
    b.Ipv6(kClient6, kVip6);
  } else {
    b.Ipv4(kClient4, kVip4);
  }
  return b.Tcp(40000, 443, TcpFlags::kSyn).Payload("hello").Build();
}

std::vector<SeedFrame> Seeds() {
  return {
      {"ipip to us", Client(Outer(FromLb(), kReal4), false)},
      {"ip6ip6 to us", Client(Outer(FromLb(), kReal6), true)},
      {"ip4 in ip6 to us", Client(Outer(FromLb(), kReal6), false)},
      {"ipip to another real", Client(Outer(FromLb(), kOtherReal4), false)},
      {"ip6ip6 to another real", Client(Outer(FromLb(), kOtherReal6), true)},
      {"ipip udp inner", Outer(FromLb(), kReal4).Ipv4(kClient4, kVip4)
           .Udp(40000, 53).Payload("q").Build()},
      {"ip6ip6 icmpv6 inner", Outer(FromLb(), kReal6).Ipv6(kClient6, kVip6)
           .Icmpv6Echo(1, 1).Build()},
      {"ipip outer options", Client(FromLb().Ipv4(kLb4, kReal4)
           .Ipv4Options(kRecordRoute), false)},
      {"ip6ip6 outer ext chain", Client(FromLb().Ipv6(kLb6, kReal6)
           .HopByHop().DestOpts(), true)},
      {"ipip outer fragment", Client(FromLb().Ipv4(kLb4, kReal4)
           .Fragment(0, true), false)},
      {"ipip vlan", Client(Outer(FromLb().Vlan(10), kReal4), false)},
      {"plain tcp to us", Client(FromLb(), false)},
      {"arp", FromLb().Arp(ArpOp::kRequest, kLbMac, kLb4, {}, kReal4).Build()},
  };
}

MutationDictionary Dictionary() {
  MutationDictionary d;
  for (const IpAddress& a : {kReal4, kOtherReal4, kReal6, kVip4, kClient4}) {
    d.words.emplace_back(a.bytes.begin() + a.size() - 4,
                         a.bytes.begin() + a.size());
  }
  return d;
}

class DecapFuzz : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "needs root: loading BPF programs and BPF_PROG_TEST_RUN "
                      "need CAP_BPF + CAP_NET_ADMIN";
    }
    skel_ = decap::open();
    ASSERT_NE(skel_, nullptr) << "opening the decap object: "
                              << strerror(errno);
    int err = decap::load(skel_);
    if (err == -EPERM) {
      GTEST_SKIP() << "the kernel refused to load BPF (EPERM): no CAP_BPF here";
    }
    ASSERT_EQ(err, 0) << "loading decap: " << strerror(-err);
    for (const IpAddress& a : local_) {
      // What lbd does for each address of the host (decap/decap.cc).
      const sluice_vip_key k = DecapAddressKey(a);
      ASSERT_EQ(bpf_map_update_elem(bpf_map__fd(skel_->maps.decap_addrs), &k,
                                    &kLocalAddress, BPF_ANY),
                0)
          << strerror(errno);
    }
  }

  void TearDown() override {
    if (skel_) decap::destroy(skel_);
  }

  // Packets of the counter `name` ("seen", "failed", ...), as lbd reads it.
  uint64_t Counter(const std::string& name) {
    auto c = ReadDecapCounters(bpf_map__fd(skel_->maps.decap_counters));
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? c->at(name).packets : 0;
  }

  FuzzOutcome RunOne(const Bytes& in) {
    auto r = RunProg(bpf_program__fd(skel_->progs.sluice_decap), in);
    if (!r.ok()) {
      if (TestRunRefuses(in, /*tc=*/true)) return {"refused by the kernel", ""};
      return {"error", absl::StrCat("BPF_PROG_TEST_RUN: ", r.status().ToString())};
    }
    ++runs_;
    FuzzOutcome o;
    switch (r->verdict) {
      case TC_ACT_OK:
        o.verdict = r->packet == in ? "ok" : "ok (decapsulated)";
        if (r->packet != in) {
          ++stripped_;
          o.problem = CheckDecapsulated(in, r->packet, local_);
        }
        break;
      case TC_ACT_SHOT:
        o.verdict = "shot";
        if (Counter("failed") != ++failed_) {
          o.problem = "a drop not counted as a failed decapsulation";
        }
        break;
      default:
        o.verdict = absl::StrCat("undefined ", r->verdict);
        o.problem = "undefined tc verdict";
    }
    if (!o.problem.empty()) {
      absl::StrAppend(&o.problem, "\n  out: ", Hex(r->packet));
    }
    return o;
  }

  decap* skel_ = nullptr;
  const std::vector<IpAddress> local_ = {kReal4, kReal6};
  uint64_t runs_ = 0, stripped_ = 0, failed_ = 0;
};

TEST_F(DecapFuzz, MutatedFramesPassUntouchedOrDecapsulatedOrDropCounted) {
  RunFuzz("decap", ReadFuzzSettings(), Seeds(), Dictionary(),
          [&](const Bytes& in) { return RunOne(in); });
  EXPECT_EQ(Counter("seen"), runs_);
  EXPECT_EQ(Counter("failed"), failed_);
  uint64_t counted_stripped = 0;
  for (const char* name : kStrippedCounters) counted_stripped += Counter(name);
  EXPECT_EQ(counted_stripped, stripped_) << "each decapsulation counted once";
}

}  // namespace
}  // namespace sluice::testing
