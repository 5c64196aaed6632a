#include "datapath/xdp/lb_xdp_fixture.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "datapath/maps/counter_names.h"
#include "datapath/maps/percpu_counters.h"
#include "datapath/maps/vip_key.h"
#include "datapath/testing/fixture_counters.h"
#include "base/testing/prog_test_run.h"
#include "datapath/testing/v4_blacklist_maps.h"
#include "lb_xdp.skel.h"

namespace sluice::testing {
namespace {

sluice_counter ReadCounter(bpf_map* map, uint32_t key) {
  auto c = ReadPerCpuCounter(bpf_map__fd(map), key);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : sluice_counter{};
}

}  // namespace

XdpCounts operator-(const XdpCounts& a, const XdpCounts& b) {
  return {Minus(a.ctr, b.ctr), Minus(a.drops, b.drops),
          Minus(a.verdicts, b.verdicts)};
}

std::string Moved(const XdpCounts& d) {
  return NamesOfMoved(d.ctr, CounterName);
}
std::string DropReasons(const XdpCounts& d) {
  return NamesOfMoved(d.drops, DropReasonName);
}
std::string Verdicts(const XdpCounts& d) {
  return NamesOfMoved(d.verdicts, VerdictName);
}

void LbXdpTest::SetUp() {
  if (geteuid() != 0) {
    GTEST_SKIP() << "needs root: loading BPF programs and BPF_PROG_TEST_RUN "
                    "need CAP_BPF + CAP_NET_ADMIN";
  }
  skel_ = lb_xdp::open();
  ASSERT_NE(skel_, nullptr) << "opening the lb_xdp object: " << strerror(errno);
  for (const MapSize& size : LbXdpMapSizesOf(skel_, SmallLbXdpMapSizes())) {
    ASSERT_EQ(bpf_map__set_max_entries(size.map, size.entries), 0)
        << bpf_map__name(size.map);
  }
  int err = lb_xdp::load(skel_);
  if (err == -EPERM) {
    GTEST_SKIP() << "the kernel refused to load BPF (EPERM): no CAP_BPF here";
  }
  ASSERT_EQ(err, 0) << "loading lb_xdp: " << strerror(-err);
  SetGeneration(0);
  SetConfig(DefaultConfig());
}

void LbXdpTest::TearDown() {
  if (skel_) lb_xdp::destroy(skel_);
  skel_ = nullptr;
}

sluice_config LbXdpTest::DefaultConfig() {
  return XdpConfigValue(kTestHashSeed, kTestMaxFrameLen,
                        {kEncapSrcV4, kEncapSrcV4Length},
                        {kEncapSrcV6, kEncapSrcV6Length});
}

void LbXdpTest::SetGeneration(uint32_t gen) {
  uint32_t zero = 0;
  Update(skel_->maps.generation, &zero, &gen, "generation word");
}

void LbXdpTest::SetConfig(const sluice_config& cfg) {
  uint32_t zero = 0;
  Update(skel_->maps.config, &zero, &cfg, "config");
}

void LbXdpTest::PutVip(uint32_t gen, const IpAddress& addr, uint16_t port,
                       uint8_t proto, const sluice_vip_meta& meta) {
  const sluice_vip_key k = VipKey{addr, port, proto}.ToBpf();
  Update(gen == 0 ? skel_->maps.vips_gen0 : skel_->maps.vips_gen1, &k, &meta,
         "VIP");
}

void LbXdpTest::PutBackend(uint32_t id, const IpAddress& addr,
                           const MacAddr& next_hop, uint8_t flags) {
  const sluice_backend b =
      BackendValue(addr, flags, next_hop.bytes, /*vip_id=*/0, /*weight=*/100);
  Update(skel_->maps.backends, &id, &b, "backend");
}

void LbXdpTest::PutRing(uint32_t offset, const std::vector<uint32_t>& entries) {
  for (uint32_t i = 0; i < entries.size(); ++i) {
    uint32_t index = offset + i;
    Update(skel_->maps.ring_pool, &index, &entries[i], "ring entry");
  }
}

void LbXdpTest::FillRing(uint32_t offset, uint32_t size,
                         const std::vector<uint32_t>& backend_ids) {
  std::vector<uint32_t> ring(size);
  for (uint32_t i = 0; i < size; ++i) {
    ring[i] = backend_ids[i % backend_ids.size()];
  }
  PutRing(offset, ring);
}

void LbXdpTest::BlacklistArp(uint32_t gen, const IpAddress& sender_ip) {
  const uint32_t key = ArpBlacklistKey(sender_ip);
  Update(gen == 0 ? skel_->maps.arp_blacklist_gen0
                  : skel_->maps.arp_blacklist_gen1,
         &key, &kBlacklisted, "ARP blacklist entry");
}

void LbXdpTest::BlacklistPrefix(uint32_t gen, const IpAddress& addr,
                                uint32_t prefixlen) {
  const auto& m = skel_->maps;
  const IpPrefix p{addr, static_cast<int>(prefixlen)};
  if (addr.is_v4()) {
    v4_blacklist_[gen & 1].insert(p);
    absl::Status s = WriteV4Blacklist(
        bpf_map__fd(gen == 0 ? m.src_v4_top_gen0 : m.src_v4_top_gen1),
        bpf_map__fd(gen == 0 ? m.src_v4_leaves_gen0 : m.src_v4_leaves_gen1),
        v4_blacklist_[gen & 1]);
    ASSERT_TRUE(s.ok()) << s;
  } else {
    const sluice_lpm_v6_key k = V6BlacklistKey(p);
    Update(gen == 0 ? m.src_blacklist_v6_gen0 : m.src_blacklist_v6_gen1, &k,
           &kBlacklisted, "IPv6 prefix");
  }
}

XdpCounts LbXdpTest::ReadCounts() {
  XdpCounts c;
  ReadCounters(skel_->maps.counters, c.ctr);
  ReadCounters(skel_->maps.drop_counters, c.drops);
  ReadCounters(skel_->maps.verdict_counters, c.verdicts);
  return c;
}

sluice_counter LbXdpTest::VipCounter(uint32_t vip_id) {
  return ReadCounter(skel_->maps.vip_counters, vip_id);
}

sluice_counter LbXdpTest::BackendCounter(uint32_t backend_id) {
  return ReadCounter(skel_->maps.backend_counters, backend_id);
}

absl::optional<uint32_t> LbXdpTest::ConntrackBackend(
    const sluice_flow_key& flow) {
  sluice_flow_state st{};
  if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.conntrack), &flow, &st)) {
    return absl::nullopt;
  }
  return st.backend_id;
}

int LbXdpTest::prog_fd() const {
  return bpf_program__fd(skel_->progs.sluice_xdp);
}

XdpRun LbXdpTest::Run(const std::vector<uint8_t>& frame) {
  XdpRun run;
  XdpCounts before = ReadCounts();
  auto result = RunProg(prog_fd(), frame);
  if (!result.ok()) {
    ADD_FAILURE() << "BPF_PROG_TEST_RUN on a " << frame.size()
                  << "-byte frame: " << result.status();
    return run;
  }
  run.verdict = result->verdict;
  run.out = std::move(result->packet);
  run.delta = ReadCounts() - before;
  return run;
}

}  // namespace sluice::testing
