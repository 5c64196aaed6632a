// LoadBalancer against the real XDP program: loaded (not attached) with its
// maps pinned in a private bpffs directory, driven through the engine's API,
// checked with BPF_PROG_TEST_RUN packets.
#include "lb/load_balancer.h"

#include <linux/bpf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "absl/strings/str_cat.h"
#include "base/packet/packet_builder.h"
#include "base/packet/packet_parser.h"
#include "base/testing/prog_test_run.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lb/testing/test_load_balancer.h"

namespace sluice::lb {
namespace {

namespace t = sluice::testing;

const t::MacAddr kClientMac = "02:00:00:00:00:01";
const t::MacAddr kLbMac = "02:00:00:00:00:02";
const NextHopMac kRouterMac{true, {0x02, 0, 0, 0, 0, 0x99}};

IpAddress Ip(const char* text) { return *ParseIpAddress(text); }
VipKey Vip(const char* address, uint16_t port) { return {Ip(address), port, IPPROTO_TCP}; }

std::vector<uint8_t> TcpPacket(const char* src, const char* dst, uint16_t sport, uint16_t dport) {
  return t::PacketBuilder().Eth(kClientMac, kLbMac).Ipv4(src, dst).Tcp(sport, dport,
                                                                     t::TcpFlags::kSyn).Build();
}

class LoadBalancerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to load BPF programs";
    pin_dir_ = absl::StrCat("/sys/fs/bpf/sluice-test-", getpid());
    Open();
  }

  void TearDown() override {
    lb_.reset();
    datapath_.reset();
    if (!pin_dir_.empty()) std::system(absl::StrCat("rm -rf ", pin_dir_).c_str());
  }

  void Open() {
    XdpDatapathOptions o = testing::SmallDatapathOptions(pin_dir_);
    o.max_prefixes = max_prefixes_;
    auto t = testing::OpenTestLoadBalancer(o, [](const IpAddress&) { return kRouterMac; });
    ASSERT_TRUE(t.ok()) << t.status();
    datapath_ = std::move(t->datapath);
    lb_ = std::move(t->lb);
  }

  void Reopen() {
    lb_.reset();
    datapath_.reset();
    Open();
  }

  uint32_t Verdict(const std::vector<uint8_t>& packet) {
    auto r = t::RunProg(datapath_->program_fd(), packet);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->verdict : static_cast<uint32_t>(XDP_ABORTED);
  }

  // The backend address a forwarded packet was encapsulated to ("" if none).
  std::string BackendOf(const std::vector<uint8_t>& packet) {
    auto r = t::RunProg(datapath_->program_fd(), packet);
    if (!r.ok() || r->verdict != XDP_TX) return "";
    t::ParsedPacket p = t::ParsePacket(r->packet);
    return p.ip.size() == 2 ? p.ip[0].dst : "";
  }

  std::string pin_dir_;
  uint32_t max_prefixes_ = 4096;
  std::unique_ptr<XdpDatapath> datapath_;
  std::unique_ptr<LoadBalancer> lb_;
};

TEST_F(LoadBalancerTest, ForwardsToBackendsAndSpreadsFlows) {
  VipKey vip = Vip("10.0.0.10", 80);
  ASSERT_TRUE(lb_->AddVip(vip, HashMode::kFiveTuple, 0).ok());
  EXPECT_EQ(Verdict(TcpPacket("192.0.2.1", "10.0.0.10", 1000, 80)), XDP_DROP)
      << "a VIP without backends drops (vip_no_backend)";
  for (const char* real : {"10.1.0.1", "10.1.0.2", "10.1.0.3"}) {
    ASSERT_TRUE(lb_->AddBackend(vip, Ip(real), 100).ok());
  }
  std::set<std::string> seen;
  for (uint16_t port = 1000; port < 1100; ++port) {
    seen.insert(BackendOf(TcpPacket("192.0.2.1", "10.0.0.10", port, 80)));
  }
  EXPECT_EQ(seen, (std::set<std::string>{"10.1.0.1", "10.1.0.2", "10.1.0.3"}));
  EXPECT_EQ(Verdict(TcpPacket("192.0.2.1", "10.0.0.11", 1000, 80)), XDP_PASS);
}

// Later fragments match a VIP by address: lbd keeps the address marker while
// any VIP lives on the address, and removes it with the last one.
TEST_F(LoadBalancerTest, LaterFragmentsFollowTheVipAddressMarker) {
  auto fragment = t::PacketBuilder().Eth(kClientMac, kLbMac).Ipv4("192.0.2.1", "10.0.0.10")
                      .Fragment(72, false).IpProtocol(IPPROTO_TCP).PayloadOfSize(64).Build();
  EXPECT_EQ(Verdict(fragment), XDP_PASS);
  ASSERT_TRUE(lb_->AddVip(Vip("10.0.0.10", 80), HashMode::kFiveTuple, 13).ok());
  ASSERT_TRUE(lb_->AddVip(Vip("10.0.0.10", 443), HashMode::kFiveTuple, 13).ok());
  EXPECT_EQ(Verdict(fragment), XDP_DROP);
  ASSERT_TRUE(lb_->DeleteVip(Vip("10.0.0.10", 80)).ok());
  EXPECT_EQ(Verdict(fragment), XDP_DROP) << "443 still lives there";
  ASSERT_TRUE(lb_->DeleteVip(Vip("10.0.0.10", 443)).ok());
  EXPECT_EQ(Verdict(fragment), XDP_PASS);
  Reopen();
  EXPECT_TRUE(lb_->ListVips().empty()) << "markers are not restored as VIPs";
}

TEST_F(LoadBalancerTest, RejectedRequestsChangeNothing) {
  VipKey vip = Vip("10.0.0.10", 80);
  ASSERT_TRUE(lb_->AddVip(vip, HashMode::kFiveTuple, 0).ok());
  EXPECT_EQ(lb_->AddVip(vip, HashMode::kFiveTuple, 0).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(lb_->AddVip(Vip("10.0.0.11", 80), HashMode::kFiveTuple, 100).code(),
            absl::StatusCode::kInvalidArgument) << "100 is not prime";
  EXPECT_EQ(lb_->AddBackend(Vip("10.9.9.9", 80), Ip("10.1.0.1"), 1).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(lb_->AddBackend(Vip("2001:db8::1", 80), Ip("10.1.0.1"), 1).code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(lb_->AddVip(Vip("2001:db8::1", 80), HashMode::kFiveTuple, 0).ok());
  EXPECT_EQ(lb_->AddBackend(Vip("2001:db8::1", 80), Ip("10.1.0.1"), 1).code(),
            absl::StatusCode::kInvalidArgument) << "IPv6 cannot go in IPv4";
  EXPECT_EQ(lb_->DeleteBackend(vip, Ip("10.1.0.9")).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(lb_->ListVips().size(), 2u);
  EXPECT_TRUE(lb_->ListBackends(vip)->empty());
}

TEST_F(LoadBalancerTest, FullBlacklistIsResourceExhaustedAndChangesNothing) {
  Reopen();  // with the small limit below
  BlacklistChange first{{*ParseIpPrefix("198.51.100.0/24")}, {}};
  ASSERT_TRUE(lb_->AddToBlacklist(first).ok());
  BlacklistChange too_many;
  for (uint32_t i = 0; i <= max_prefixes_; ++i) {
    too_many.prefixes.push_back(*ParseIpPrefix(absl::StrCat("10.", i / 256, ".", i % 256, ".0/24")));
  }
  EXPECT_EQ(lb_->ReplaceBlacklist(too_many).status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(lb_->ListBlacklist().prefixes.size(), 1u);
  EXPECT_EQ(Verdict(TcpPacket("198.51.100.7", "10.0.0.10", 1, 80)), XDP_DROP);
  EXPECT_EQ(Verdict(TcpPacket("10.0.0.7", "10.0.0.10", 1, 80)), XDP_PASS);
}

// IPv4 prefixes longer than /16 take /24 leaves (a /17 takes 128); the
// leaves have their own limit (--max-prefixes), checked before any write.
TEST_F(LoadBalancerTest, AListNeedingMoreLeavesThanTheTableHoldsIsRefusedWhole) {
  ASSERT_TRUE(lb_->AddToBlacklist({{*ParseIpPrefix("10.0.0.0/12")}, {}}).ok())
      << "a /12 covers whole /16s: no leaves";
  BlacklistChange wide;
  for (uint32_t i = 0; i * 128 <= max_prefixes_; ++i) {
    wide.prefixes.push_back(*ParseIpPrefix(absl::StrCat("20.", i / 2, ".", (i % 2) * 128, ".0/17")));
  }
  absl::Status s = lb_->AddToBlacklist(wide).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_NE(s.message().find("/24 blocks"), absl::string_view::npos) << s;
  EXPECT_EQ(lb_->ListBlacklist().prefixes.size(), 1u);
  EXPECT_EQ(Verdict(TcpPacket("10.15.255.255", "10.0.0.10", 1, 80)), XDP_DROP);
  EXPECT_EQ(Verdict(TcpPacket("20.0.0.1", "10.0.0.10", 1, 80)), XDP_PASS);
  wide.prefixes.pop_back();
  EXPECT_TRUE(lb_->AddToBlacklist(wide).ok()) << "one /17 fewer fits";
  EXPECT_EQ(Verdict(TcpPacket("20.0.0.1", "10.0.0.10", 1, 80)), XDP_DROP);
}

// The leaves cannot tell a /24 from its two /25s; the record keeps the
// prefixes as given, so a restarted lbd lists and deletes them exactly.
TEST_F(LoadBalancerTest, RestartKeepsOverlappingIPv4PrefixesAsGiven) {
  BlacklistChange list{{*ParseIpPrefix("10.0.0.0/24"), *ParseIpPrefix("10.0.0.0/25"),
                        *ParseIpPrefix("10.0.0.128/26")}, {}};
  ASSERT_TRUE(lb_->AddToBlacklist(list).ok());
  Reopen();
  EXPECT_EQ(lb_->ListBlacklist().prefixes.size(), 3u);
  ASSERT_TRUE(lb_->DeleteFromBlacklist({{*ParseIpPrefix("10.0.0.0/24")}, {}}).ok());
  Reopen();
  EXPECT_EQ(lb_->ListBlacklist().prefixes.size(), 2u);
  EXPECT_EQ(Verdict(TcpPacket("10.0.0.5", "10.0.0.10", 1, 80)), XDP_DROP);
  EXPECT_EQ(Verdict(TcpPacket("10.0.0.150", "10.0.0.10", 1, 80)), XDP_DROP);
  EXPECT_EQ(Verdict(TcpPacket("10.0.0.200", "10.0.0.10", 1, 80)), XDP_PASS);
}

TEST_F(LoadBalancerTest, DeletingAMissingEntryIsNotFoundAndChangesNothing) {
  ASSERT_TRUE(lb_->AddToBlacklist({{*ParseIpPrefix("198.51.100.0/24")}, {}}).ok());
  BlacklistChange del{{*ParseIpPrefix("198.51.100.0/24"), *ParseIpPrefix("203.0.113.0/24")}, {}};
  EXPECT_EQ(lb_->DeleteFromBlacklist(del).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Verdict(TcpPacket("198.51.100.7", "10.0.0.10", 1, 80)), XDP_DROP);
}

// Every packet must see a whole commit. Two lists alternate; each blocks
// 198.18.5.1 and 198.19.7.1, one through its /16's top entry ("all listed"),
// the other through the /24 leaf, and 2,000 /24s elsewhere move between
// 100.* and 101.*. A replace rewrites top entries before leaves, so in one
// copy written in place 198.18.5.1 (or 198.19.7.1) is not blocked between its
// top entry's write and its leaf's, 4,000 leaf writes later. A prober thread
// runs the blocked sources and a clean one through BPF_PROG_TEST_RUN: a
// blocked source passing, or the clean one dropped, is a mixed state. Without
// the generation flip this fails within the first replaces
// (docs/atomic-commits.md says how it was checked).
TEST_F(LoadBalancerTest, BlacklistReplaceIsAtomicForPackets) {
  auto list = [](bool by_leaf) {
    BlacklistChange l;
    for (int i = 0; i < 2000; ++i) {
      l.prefixes.push_back(*ParseIpPrefix(
          absl::StrCat(100 + by_leaf, ".", i / 256, ".", i % 256, ".0/24")));
    }
    for (const char* p : by_leaf ? std::vector<const char*>{"198.18.5.0/24", "198.19.0.0/16"}
                                 : std::vector<const char*>{"198.18.0.0/16", "198.19.7.0/24"}) {
      l.prefixes.push_back(*ParseIpPrefix(p));
    }
    return l;
  };
  const std::vector<uint8_t> blocked[] = {TcpPacket("198.18.5.1", "10.0.0.10", 1, 80),
                                          TcpPacket("198.19.7.1", "10.0.0.10", 1, 80)};
  const std::vector<uint8_t> clean = TcpPacket("198.20.5.1", "10.0.0.10", 1, 80);
  ASSERT_TRUE(lb_->ReplaceBlacklist(list(false)).ok());

  std::atomic<bool> done{false};
  std::atomic<int> probes{0}, mixed{0};
  std::thread prober([&] {
    while (!done) {
      for (const auto& p : blocked) mixed += Verdict(p) != XDP_DROP;
      mixed += Verdict(clean) != XDP_PASS;
      ++probes;
    }
  });
  constexpr int kReplaces = 100;
  int replaces = 0;
  while (replaces < kReplaces && mixed == 0) {
    auto replaced = lb_->ReplaceBlacklist(list(++replaces % 2));
    if (!replaced.ok()) {   // not ASSERT: the prober must be joined first
      ADD_FAILURE() << replaced.status();
      break;
    }
  }
  done = true;
  prober.join();
  EXPECT_GT(probes.load(), kReplaces) << "the prober hardly ran";
  EXPECT_EQ(mixed.load(), 0) << "packets saw part of a replace, within " << replaces
                             << " replaces (" << probes.load() << " probe rounds)";
}

// Every ring change writes the new table into a spare region first, so a
// pool filled to the last entry would freeze every VIP. AddVip refuses the
// VIP that would take the last spare; every VIP stays changeable.
TEST_F(LoadBalancerTest, AFullRingPoolStillLetsEveryVipChange) {
  const uint32_t kSizes[] = {65537, 251};   // mixed sizes fragment the pool
  std::vector<VipKey> vips;
  absl::Status refused;
  for (uint16_t i = 0; refused.ok(); ++i) {
    VipKey vip = Vip("10.0.0.10", 1000 + i);
    refused = lb_->AddVip(vip, HashMode::kFiveTuple, kSizes[i % 2]);
    if (refused.ok()) vips.push_back(vip);
  }
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_THAT(std::string(refused.message()), ::testing::HasSubstr("ring pool"));
  EXPECT_THAT(std::string(refused.message()), ::testing::HasSubstr("--ring-pool-entries"));
  ASSERT_GE(vips.size(), 4u);
  EXPECT_EQ(lb_->ListVips().size(), vips.size()) << "the refused VIP changed nothing";
  for (const VipKey& vip : vips) {
    ASSERT_TRUE(lb_->AddBackend(vip, Ip("10.1.0.1"), 100).ok()) << vip.ToString();
    ASSERT_TRUE(lb_->AddBackend(vip, Ip("10.1.0.2"), 100).ok()) << vip.ToString();
  }
  for (const VipKey& vip : vips) {
    ASSERT_TRUE(lb_->SetBackendWeight(vip, Ip("10.1.0.1"), 0).ok()) << vip.ToString();
  }
  EXPECT_EQ(BackendOf(TcpPacket("192.0.2.1", "10.0.0.10", 5, vips.back().port)), "10.1.0.2");
}

// The pinned maps keep the sizes they were made with: a restart with other
// sizing flags cannot reuse them, and must say which map, which flag and
// what to do, and leave the pins alone.
TEST_F(LoadBalancerTest, RestartWithOtherSizesNamesTheMapAndTheFlag) {
  ASSERT_TRUE(lb_->AddVip(Vip("10.0.0.10", 80), HashMode::kFiveTuple, 251).ok());
  lb_.reset();
  datapath_.reset();
  XdpDatapathOptions o = testing::SmallDatapathOptions(pin_dir_);
  o.max_vips = 32;   // Open() made them for 16
  auto dp = XdpDatapath::Open(o);
  ASSERT_FALSE(dp.ok());
  EXPECT_EQ(dp.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::string why(dp.status().message());
  EXPECT_THAT(why, ::testing::HasSubstr("map vips_gen0 pinned at " + pin_dir_));
  EXPECT_THAT(why, ::testing::HasSubstr("holds 32 entries but this lbd sizes it 64 (--max-vips)"));
  EXPECT_THAT(why, ::testing::HasSubstr("or remove " + pin_dir_ + " to start empty"));
  Open();   // the old sizes still restore everything
  EXPECT_EQ(lb_->ListVips().size(), 1u);
}

TEST_F(LoadBalancerTest, RestartRestoresConfigurationFromPinnedMaps) {
  VipKey vip = Vip("10.0.0.10", 80);
  ASSERT_TRUE(lb_->AddVip(vip, HashMode::kSource, 251).ok());
  ASSERT_TRUE(lb_->AddBackend(vip, Ip("10.1.0.1"), 100).ok());
  ASSERT_TRUE(lb_->AddBackend(vip, Ip("10.1.0.2"), 0).ok());
  ASSERT_TRUE(lb_->AddBackend(vip, Ip("10.1.0.3"), 50).ok());
  ASSERT_TRUE(lb_->AddToBlacklist({{*ParseIpPrefix("198.51.100.0/24"),
                                    *ParseIpPrefix("2001:db8:bad::/48")},
                                   {Ip("192.0.2.66")}}).ok());
  auto flow = TcpPacket("192.0.2.1", "10.0.0.10", 4242, 80);
  std::string before = BackendOf(flow);
  ASSERT_FALSE(before.empty());

  Reopen();
  ASSERT_TRUE(datapath_->reused_pins());
  auto vips = lb_->ListVips();
  ASSERT_EQ(vips.size(), 1u);
  EXPECT_EQ(vips[0].hash, HashMode::kSource);
  EXPECT_EQ(vips[0].ring_size, 251u);
  auto backends = lb_->ListBackends(vip);
  ASSERT_TRUE(backends.ok());
  ASSERT_EQ(backends->size(), 3u);
  EXPECT_EQ((*backends)[1].backend.weight, 0u) << "the drained backend stays drained";
  EXPECT_EQ((*backends)[2].backend.weight, 50u);
  BlacklistChange list = lb_->ListBlacklist();
  EXPECT_EQ(list.prefixes.size(), 2u);
  EXPECT_EQ(list.arp_ips.size(), 1u);
  EXPECT_EQ(BackendOf(flow), before);
  // And it keeps working: a change after the restart commits normally.
  EXPECT_TRUE(lb_->DeleteBackend(vip, Ip("10.1.0.3")).ok());
  EXPECT_EQ(lb_->ListBackends(vip)->size(), 2u);
}

TEST_F(LoadBalancerTest, DrainKeepsEstablishedFlowsAndRemovalMovesThem) {
  VipKey vip = Vip("10.0.0.10", 80);
  ASSERT_TRUE(lb_->AddVip(vip, HashMode::kFiveTuple, 0).ok());
  ASSERT_TRUE(lb_->AddBackend(vip, Ip("10.1.0.1"), 100).ok());
  ASSERT_TRUE(lb_->AddBackend(vip, Ip("10.1.0.2"), 100).ok());
  // Find a flow on 10.1.0.1 and establish it.
  std::vector<uint8_t> flow;
  for (uint16_t port = 1; port < 200 && flow.empty(); ++port) {
    auto p = TcpPacket("192.0.2.1", "10.0.0.10", port, 80);
    if (BackendOf(p) == "10.1.0.1") flow = p;
  }
  ASSERT_FALSE(flow.empty());
  ASSERT_TRUE(lb_->SetBackendWeight(vip, Ip("10.1.0.1"), 0).ok());
  EXPECT_EQ(BackendOf(flow), "10.1.0.1") << "drained: established flow stays";
  EXPECT_EQ(BackendOf(TcpPacket("192.0.2.9", "10.0.0.10", 7, 80)), "10.1.0.2")
      << "drained: new flows go elsewhere";
  ASSERT_TRUE(lb_->DeleteBackend(vip, Ip("10.1.0.1")).ok());
  EXPECT_EQ(BackendOf(flow), "10.1.0.2") << "removed: it takes nothing";
}

}  // namespace
}  // namespace sluice::lb
