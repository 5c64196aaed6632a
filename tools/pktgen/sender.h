// One sending thread's loop: Transmitter::Send calls of a bounded number of
// packets each, paced to a rate, until a count, a deadline or a stop.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>

#include "absl/status/status.h"
#include "tools/pktgen/transmitter.h"

namespace sluice::pktgen {

struct SenderPlan {
  int cpu = 0;  // the thread is pinned here
  uint64_t count = std::numeric_limits<uint64_t>::max();  // max: no limit
  double rate = 0;           // packets/s; 0 = unlimited
  int64_t deadline_ns = 0;   // MonotonicNanos(); 0 = none
};

// Sends on the calling thread, pinned to plan.cpu, until plan.count packets
// are sent, the deadline passes or `stop` is set; adds to `sent` after each
// call. Ends early with the first error.
absl::Status RunSender(Transmitter& transmitter, const SenderPlan& plan,
                       const std::atomic<bool>& stop, std::atomic<uint64_t>& sent);

}  // namespace sluice::pktgen
