// The XDP load balancer (datapath/xdp/lb_xdp.bpf.c) loaded for benchmarks:
// through its skeleton with the map sizes a benchmark asks for, not pinned,
// not attached; generation 0 current, the configuration written. Tables are
// filled with bpf_map_update_batch, so a million entries take seconds, not
// minutes. (The gtest fixture, datapath/xdp/lb_xdp_fixture.h, has fixed
// small sizes and test assertions; this one reports errors as a status.)
#ifndef SLUICE_DATAPATH_BENCH_XDP_SETUP_H_
#define SLUICE_DATAPATH_BENCH_XDP_SETUP_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/ip_address.h"
#include "datapath/bench/bench_run.h"
#include "datapath/xdp/lb_xdp_maps.h"
#include "sluice/shared.h"

struct lb_xdp;

namespace sluice::bench {

// The map sizes a benchmark starts from (lbd's defaults are far larger);
// the maps are sized from them as lbd sizes its own (lb_xdp_maps.h).
// The connection table is split among the CPUs (BPF_F_NO_COMMON_LRU).
LbXdpMapSizes SmallXdpSizes();

// The L2 addresses of the packets the load balancer receives and sends.
inline const MacAddr kClientMac(0x02, 0, 0, 0, 0, 0x02);
inline const MacAddr kLbMac(0x02, 0, 0, 0, 0, 0x01);
inline const MacAddr kNextHopMac(0x02, 0, 0, 0, 0, 0x03);

// A packet to the load balancer (see TcpFrame).
Bytes LbFrame(const IpAddress& src, uint16_t sport, const IpAddress& dst,
              uint16_t dport);

// Keys as the datapath reads them; ports in host order.
sluice_vip_key VipKey(const IpAddress& addr, uint16_t port, uint8_t proto);
sluice_flow_key TcpFlow(const IpAddress& src, uint16_t sport,
                        const IpAddress& dst, uint16_t dport);
IpPrefix V4Prefix(const IpAddress& addr, uint32_t bits);
sluice_lpm_v6_key V6Prefix(const IpAddress& addr, uint32_t bits);

class XdpLb {
 public:
  static absl::StatusOr<std::unique_ptr<XdpLb>> Load(const LbXdpMapSizes& sizes);
  ~XdpLb();
  XdpLb(const XdpLb&) = delete;
  XdpLb& operator=(const XdpLb&) = delete;

  // --- Generation 0, the current one ---
  absl::Status PutVips(const std::vector<sluice_vip_key>& keys,
                       const std::vector<sluice_vip_meta>& metas);
  absl::Status BlacklistArp(const IpAddress& sender_ip);
  absl::Status BlacklistV4(const std::vector<IpPrefix>& prefixes);
  absl::Status BlacklistV6(const std::vector<sluice_lpm_v6_key>& prefixes);

  // A live backend, its next hop resolved to kNextHopMac (or unresolved),
  // and ring_pool[offset, offset + size) naming only `backend_id`.
  absl::Status PutBackend(uint32_t id, const IpAddress& addr,
                          bool resolved = true);
  absl::Status PutRing(uint32_t offset, uint32_t size, uint32_t backend_id);

  // Connection-table entries naming `backend_id`; deleting one.
  absl::Status PutFlows(const std::vector<sluice_flow_key>& flows,
                        uint32_t backend_id);
  absl::Status ForgetFlow(const sluice_flow_key& flow);
  bool HasFlow(const sluice_flow_key& flow) const;

  // --- Measuring ---
  // The program, expected to answer `xdp_action` taking the path `counter`
  // counts once per packet.
  Measured Path(uint32_t xdp_action, PathCounter counter) const;
  PathCounter Counter(sluice_counter_id id) const;
  PathCounter Drop(sluice_drop_reason reason) const;
  PathCounter Verdict(uint32_t xdp_action) const;

 private:
  explicit XdpLb(lb_xdp* skel) : skel_(skel) {}
  lb_xdp* skel_;
};

}  // namespace sluice::bench

#endif  // SLUICE_DATAPATH_BENCH_XDP_SETUP_H_
