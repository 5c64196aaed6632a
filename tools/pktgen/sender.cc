#include "tools/pktgen/sender.h"

#include <sched.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/str_cat.h"
#include "tools/pktgen/monotonic_clock.h"

namespace sluice::pktgen {
namespace {

// Packets per Send call when unpaced: a few milliseconds' worth, so a
// deadline or a stop is honoured within that, while the per-call setup (in
// live-frames mode the kernel builds a page pool for every call) stays small. Calls cost
// 24 ms more when the program could not be attached to lo (see
// PktgenProgram::AttachToLoopback).
constexpr uint64_t kMaxChunk = 1 << 14;
// A paced thread sends its rate's worth of 1/kPacingSlices s per call, then
// sleeps until the schedule catches up.
constexpr double kPacingSlices = 100;

absl::Status PinToCpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof(set), &set) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("pinning a sender to CPU ", cpu));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RunSender(Transmitter& transmitter, const SenderPlan& plan,
                       const std::atomic<bool>& stop, std::atomic<uint64_t>& sent) {
  if (absl::Status s = PinToCpu(plan.cpu); !s.ok()) return s;
  const uint64_t chunk =
      plan.rate > 0
          ? std::clamp<uint64_t>(static_cast<uint64_t>(plan.rate / kPacingSlices), 1, kMaxChunk)
          : kMaxChunk;
  const int64_t start_ns = MonotonicNanos();
  uint64_t done = 0;
  while (done < plan.count && !stop.load(std::memory_order_relaxed)) {
    if (plan.deadline_ns != 0 && MonotonicNanos() >= plan.deadline_ns) break;
    const uint64_t n = std::min(chunk, plan.count - done);
    if (absl::Status s = transmitter.Send(static_cast<uint32_t>(n)); !s.ok()) {
      return s;
    }
    done += n;
    sent.fetch_add(n, std::memory_order_relaxed);
    if (plan.rate > 0) {
      int64_t wake_ns = start_ns + static_cast<int64_t>(done / plan.rate * 1e9);
      if (plan.deadline_ns != 0) wake_ns = std::min(wake_ns, plan.deadline_ns);
      SleepUntilNanos(wake_ns);
    }
  }
  return absl::OkStatus();
}

}  // namespace sluice::pktgen
