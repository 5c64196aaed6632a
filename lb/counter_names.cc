#include "lb/counter_names.h"

#include "sluice/shared.h"

namespace sluice::lb {
namespace {

constexpr const char* kDropReasons[] = {
    "none", "malformed_l2", "malformed_arp", "malformed_l3", "malformed_l4",
    "arp_blacklist", "src_blacklist_v4", "src_blacklist_v6", "vip_fragment",
    "vip_ip_options", "vip_no_backend", "vip_oversize", "encap_failed", "no_next_hop",
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

constexpr const char* kVerdicts[] = {"aborted", "drop", "pass", "tx", "redirect"};
static_assert(sizeof(kVerdicts) / sizeof(kVerdicts[0]) == SLUICE_VERDICT_MAX);

}  // namespace

const char* DropReasonName(uint32_t r) {
  return r < SLUICE_DROP_REASON_MAX ? kDropReasons[r] : "unknown";
}
const char* CounterName(uint32_t id) { return id < SLUICE_CTR_MAX ? kCounters[id] : "unknown"; }
const char* VerdictName(uint32_t a) { return a < SLUICE_VERDICT_MAX ? kVerdicts[a] : "unknown"; }

}  // namespace sluice::lb
