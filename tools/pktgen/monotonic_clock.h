// CLOCK_MONOTONIC in nanoseconds: pktgen's rates, deadlines and elapsed times
// never use wall time, which may jump (and runs unreliably in some VMs).
#pragma once

#include <time.h>

#include <cerrno>
#include <cstdint>

namespace sluice::pktgen {

inline int64_t MonotonicNanos() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

// Sleeps until MonotonicNanos() >= `ns` (at once if that is past).
inline void SleepUntilNanos(int64_t ns) {
  timespec ts{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

}  // namespace sluice::pktgen
