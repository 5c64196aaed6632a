#include "datapath/maps/counter_names.h"

#include "sluice/shared.h"

namespace sluice {
namespace {

constexpr const char* kDropReasons[] = {
    "none", "malformed_l2", "malformed_arp", "malformed_l3", "malformed_l4",
    "arp_blacklist", "src_blacklist_v4", "src_blacklist_v6", "vip_fragment",
    "vip_ip_options", "vip_no_backend", "vip_oversize", "encap_failed", "no_next_hop",
    "policy_deny", "policy_default", "service_no_backend", "source_spoofed", "nat_failed",
};
static_assert(sizeof(kDropReasons) / sizeof(kDropReasons[0]) == SLUICE_DROP_REASON_MAX,
              "a drop reason in sluice/shared.h has no name here");

constexpr const char* kCounters[] = {
    "rx", "vlan", "arp", "ipv4", "ipv6", "l3_other", "tcp", "udp", "icmp", "icmpv6",
    "l4_other", "ip_fragment", "ipv4_options", "ipv6_ext_headers", "ct_hit", "ct_miss",
    "ct_stale", "icmp_error_to_vip",
};
static_assert(sizeof(kCounters) / sizeof(kCounters[0]) == SLUICE_CTR_MAX,
              "a counter id in sluice/shared.h has no name here");

constexpr const char* kNodeCounters[] = {
    "from_endpoint", "to_endpoint", "not_endpoint", "non_ip", "ct_new", "ct_forward",
    "ct_reply", "ct_related", "svc_new", "svc_stale", "dnat", "rev_nat", "reject_sent",
    "policy_allow", "event_sent", "event_sampled_out", "event_lost", "host_routed",
};
static_assert(sizeof(kNodeCounters) / sizeof(kNodeCounters[0]) == SLUICE_NODE_CTR_MAX,
              "a node counter id in sluice/shared.h has no name here");

constexpr const char* kNodeVerdicts[] = {"pass", "drop", "redirect"};
static_assert(sizeof(kNodeVerdicts) / sizeof(kNodeVerdicts[0]) == SLUICE_NODE_VERDICT_MAX);

constexpr const char* kDecapCounters[] = {
    "seen", "ipip", "ip6ip6", "ip4ip6", "not_ours", "failed",
};
static_assert(sizeof(kDecapCounters) / sizeof(kDecapCounters[0]) == SLUICE_DECAP_CTR_MAX,
              "a decap counter id in sluice/shared.h has no name here");

constexpr const char* kVerdicts[] = {"aborted", "drop", "pass", "tx", "redirect"};
static_assert(sizeof(kVerdicts) / sizeof(kVerdicts[0]) == SLUICE_VERDICT_MAX);

}  // namespace

const char* DropReasonName(uint32_t r) {
  return r < SLUICE_DROP_REASON_MAX ? kDropReasons[r] : "unknown";
}
const char* CounterName(uint32_t id) { return id < SLUICE_CTR_MAX ? kCounters[id] : "unknown"; }
const char* VerdictName(uint32_t a) { return a < SLUICE_VERDICT_MAX ? kVerdicts[a] : "unknown"; }
bool IsXdpDropReason(uint32_t r) { return r > 0 && r < SLUICE_DROP_POLICY_DENY; }
bool IsNodeDropReason(uint32_t r) {
  return (r >= SLUICE_DROP_MALFORMED_L2 && r <= SLUICE_DROP_MALFORMED_L4 &&
          r != SLUICE_DROP_MALFORMED_ARP) ||
         (r >= SLUICE_DROP_POLICY_DENY && r < SLUICE_DROP_REASON_MAX);
}
const char* NodeCounterName(uint32_t id) {
  return id < SLUICE_NODE_CTR_MAX ? kNodeCounters[id] : "unknown";
}
const char* NodeVerdictName(uint32_t v) {
  return v < SLUICE_NODE_VERDICT_MAX ? kNodeVerdicts[v] : "unknown";
}

const char* DecapCounterName(uint32_t id) {
  return id < SLUICE_DECAP_CTR_MAX ? kDecapCounters[id] : "unknown";
}

}  // namespace sluice
