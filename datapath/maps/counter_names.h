// Names of the datapath's counter ids and drop reasons (sluice/shared.h),
// as the API, lbctl and Prometheus show them.
#pragma once

#include <cstdint>

namespace sluice {

const char* DropReasonName(uint32_t reason);   // "src_blacklist_v4", ...
const char* CounterName(uint32_t id);           // "rx", "ct_hit", ...
const char* VerdictName(uint32_t action);       // "aborted", "drop", "pass", "tx", "redirect"
// Which datapath can drop for a reason (malformed packets: both).
bool IsXdpDropReason(uint32_t reason);
bool IsNodeDropReason(uint32_t reason);
const char* NodeCounterName(uint32_t id);       // the node (tc) datapath's: "dnat", ...
const char* NodeVerdictName(uint32_t verdict);  // "pass", "drop", "redirect"
const char* DecapCounterName(uint32_t id);      // the real server's: "ipip", "not_ours", ...

}  // namespace sluice
