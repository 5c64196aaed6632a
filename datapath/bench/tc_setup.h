// The node datapath (datapath/tc/endpoint.bpf.c) loaded for benchmarks:
// through its skeleton with the map sizes a benchmark asks for, not pinned,
// not attached. Packets run on BPF_PROG_TEST_RUN's loopback device (ifindex
// 1), so the endpoint the programs see is the one stored under key 1. Tables
// are filled with bpf_map_update_batch. (The gtest fixture beside the
// program, datapath/tc/endpoint_fixture.h, has fixed small sizes and test
// assertions; this one reports errors as a status.)
#ifndef SLUICE_DATAPATH_BENCH_TC_SETUP_H_
#define SLUICE_DATAPATH_BENCH_TC_SETUP_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "datapath/bench/bench_run.h"
#include "datapath/tc/endpoint_maps.h"
#include "sluice/shared.h"

struct endpoint;
struct ring_buffer;

namespace sluice::bench {

// The map sizes a benchmark starts from (lbd's defaults are larger); the
// maps are sized from them as lbd sizes its own (endpoint_maps.h). The
// connection table is split among the CPUs (BPF_F_NO_COMMON_LRU).
NodeMapSizes SmallNodeSizes();

// The endpoint's veth (workload end, host end) and addresses.
inline const MacAddr kWorkloadMac(0x02, 0, 0, 0, 0x01, 0x02);
inline const MacAddr kHostMac(0x02, 0, 0, 0, 0, 0x01);
inline const IpAddress kEndpoint4("10.0.1.2");
inline const IpAddress kEndpoint6("fd00:1::2");

// A frame the workload sends (from-endpoint program) / one delivered to it
// (to-endpoint program); see TcpFrame.
Bytes SentFrame(const IpAddress& src, uint16_t sport, const IpAddress& dst,
                uint16_t dport);
Bytes DeliveredFrame(const IpAddress& src, uint16_t sport,
                     const IpAddress& dst, uint16_t dport);

// A TCP service whose Maglev table names one backend. PutServices gives the
// i-th service svc_id, ring id and backend id i + 1.
struct ServiceDef {
  IpAddress addr;
  uint16_t port;
  IpAddress backend;
  uint16_t backend_port;
};

// A policy entry: the peer prefix and every rule that applies to it (lbd
// folds the rules of covering prefixes in).
struct PolicyPrefix {
  IpAddress addr;
  uint32_t bits;
  std::vector<sluice_policy_rule> rules;
};
// A rule: PolicyRuleValue (endpoint_maps.h).

class NodeDp {
 public:
  static absl::StatusOr<std::unique_ptr<NodeDp>> Load(const NodeMapSizes& sizes);
  ~NodeDp();
  NodeDp(const NodeDp&) = delete;
  NodeDp& operator=(const NodeDp&) = delete;

  // The endpoint (kEndpoint4, kEndpoint6) on ifindex 1, with this ingress
  // policy (0 = none) and no egress policy.
  absl::Status PutEndpoint(uint32_t ingress_policy);
  absl::Status PutServices(const std::vector<ServiceDef>& services);
  absl::Status PutPolicy(uint32_t policy_id,
                         const std::vector<PolicyPrefix>& entries);
  // Empties the event ring buffer (drops and policy events), as lbd would.
  void DrainEvents();

  // --- Measuring: a program expected to answer `tc_action` taking the path
  // `counter` counts once per packet ---
  Measured FromEndpoint(int tc_action, PathCounter counter) const;
  Measured ToEndpoint(int tc_action, PathCounter counter) const;
  PathCounter Counter(sluice_node_counter_id id) const;
  PathCounter Drop(sluice_drop_reason reason) const;

 private:
  explicit NodeDp(endpoint* skel) : skel_(skel) {}
  Measured Path(int prog_fd, int tc_action, PathCounter counter) const;

  endpoint* skel_;
  ring_buffer* events_ = nullptr;
};

}  // namespace sluice::bench

#endif  // SLUICE_DATAPATH_BENCH_TC_SETUP_H_
