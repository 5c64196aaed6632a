// Test fixture for the XDP load balancer under BPF_PROG_TEST_RUN: loads
// lb_xdp.bpf.c through its skeleton (small maps, not pinned, not attached),
// fills its maps the way lbd does, runs packets and reads the counters.
//
//   TEST_F(LbXdpTest, Something) {
//     PutBackend(1, "10.1.0.1", kNextHopMac);
//     FillRing(0, 13, {1});
//     PutVip(0, "203.0.113.10", 80, IPPROTO_TCP, VipMeta(/*vip_id=*/1, 0, 13));
//     XdpRun r = Run(PacketBuilder().Eth(...).Ipv4(...).Tcp(...).Build());
//     EXPECT_EQ(r.verdict, XDP_TX);
//     EXPECT_EQ(Moved(r.delta), "rx ipv4 tcp ct_miss");
//   }
//
// Every TEST_F loads a fresh object, so maps and counters start empty.
// Without root (or when the kernel refuses BPF) the tests skip, never pass.
#ifndef SLUICE_DATAPATH_XDP_LB_XDP_FIXTURE_H_
#define SLUICE_DATAPATH_XDP_LB_XDP_FIXTURE_H_

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/types/optional.h"
#include "base/ip_address.h"
#include "base/packet/addresses.h"
#include "datapath/xdp/lb_xdp_maps.h"
#include "gtest/gtest.h"
#include "sluice/shared.h"

struct lb_xdp;

namespace sluice::testing {

// The configuration the fixture writes (config element 0).
inline constexpr uint32_t kTestHashSeed = 0x5eed1234;
inline constexpr uint32_t kTestMaxFrameLen = 1600;
inline const IpAddress kEncapSrcV4("10.255.0.0");  // /24: host byte hashed
inline constexpr int kEncapSrcV4Length = 24;
inline const IpAddress kEncapSrcV6("fd00:ff::");  // /112: last 16 bits hashed
inline constexpr int kEncapSrcV6Length = 112;

// A backend the datapath may use: live and with a resolved next hop.
inline constexpr uint8_t kUsableBackend =
    SLUICE_BACKEND_LIVE | SLUICE_BACKEND_RESOLVED | SLUICE_BACKEND_COMMITTED;

// Global counters of the datapath: classification counters (SLUICE_CTR_*),
// drop reasons and verdicts. Subtracting two snapshots gives what happened
// in between.
struct XdpCounts {
  std::array<sluice_counter, SLUICE_CTR_MAX> ctr{};
  std::array<sluice_counter, SLUICE_DROP_REASON_MAX> drops{};
  std::array<sluice_counter, SLUICE_VERDICT_MAX> verdicts{};
};
XdpCounts operator-(const XdpCounts& a, const XdpCounts& b);

// Names (as lbctl shows them) of the counters whose packet count moved, in
// id order, e.g. "rx ipv4 tcp ct_miss".
std::string Moved(const XdpCounts& delta);
// Names of the drop reasons that moved, e.g. "malformed_l3"; "" for none.
std::string DropReasons(const XdpCounts& delta);
// Names of the verdicts that moved, e.g. "pass".
std::string Verdicts(const XdpCounts& delta);

// What one packet did.
struct XdpRun {
  uint32_t verdict = ~0u;    // ~0u when the run itself failed
  std::vector<uint8_t> out;  // the packet as the program left it
  XdpCounts delta;           // counters this packet moved
};

class LbXdpTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // --- Filling maps (failures are test failures) ---
  void SetGeneration(uint32_t gen);
  void SetConfig(const sluice_config& cfg);
  static sluice_config DefaultConfig();
  // Adds a VIP to generation `gen`'s VIP table.
  void PutVip(uint32_t gen, const IpAddress& addr, uint16_t port, uint8_t proto,
              const sluice_vip_meta& meta);
  void PutBackend(uint32_t id, const IpAddress& addr, const MacAddr& next_hop,
                  uint8_t flags = kUsableBackend);
  // Writes ring_pool[offset + i] = entries[i].
  void PutRing(uint32_t offset, const std::vector<uint32_t>& entries);
  // A Maglev-like table of `size` entries naming `backend_ids` in turn.
  void FillRing(uint32_t offset, uint32_t size,
                const std::vector<uint32_t>& backend_ids);
  void BlacklistArp(uint32_t gen, const IpAddress& sender_ip);
  void BlacklistPrefix(uint32_t gen, const IpAddress& addr, uint32_t prefixlen);

  // --- Reading maps ---
  XdpCounts ReadCounts();
  sluice_counter VipCounter(uint32_t vip_id);
  sluice_counter BackendCounter(uint32_t backend_id);
  // The backend id the connection table holds for `flow`, if any.
  absl::optional<uint32_t> ConntrackBackend(const sluice_flow_key& flow);

  // --- Running ---
  // Runs the program once on `frame` and reports what moved.
  XdpRun Run(const std::vector<uint8_t>& frame);
  int prog_fd() const;

  lb_xdp* skel_ = nullptr;
  std::set<IpPrefix> v4_blacklist_[2];   // per generation
};

}  // namespace sluice::testing

#endif  // SLUICE_DATAPATH_XDP_LB_XDP_FIXTURE_H_
