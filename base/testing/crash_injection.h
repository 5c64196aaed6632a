// Fault injection: the process dies (as if kill -9'd) just before its Nth
// BPF map write (restart tests), or that one write fails with EIO as if the
// kernel refused it (error-path tests). Linked into a test binary, this file
// defines libbpf's map-writing functions itself (bpf_map_update_elem,
// bpf_map_delete_elem, bpf_map_update_batch, bpf_map_delete_batch), counts
// each call and forwards it to libbpf's own (dlsym RTLD_NEXT), so the code
// under test is the production code, unchanged.
#pragma once

#include <cerrno>
#include <cstdint>
#include <functional>

#include "absl/status/status.h"

namespace sluice::testing {

// The exit status of a process killed by an armed crash.
constexpr int kCrashExitCode = 86;

// Counts map writes from now on; the `write`th one (1-based) _exit()s the
// process with kCrashExitCode instead of happening. 0: count only.
void ArmCrashBefore(uint64_t write);

// The errno of a write failed by ArmFailureAt (libbpf returns its negative).
constexpr int kInjectedErrno = EIO;

// Counts map writes from now on; the `write`th one (1-based) and the
// `count` - 1 after it fail with kInjectedErrno without reaching the kernel
// (a batch reports 0 entries done); the others happen. 0: count only.
void ArmFailureAt(uint64_t write, uint64_t count = 1);

// Map writes made since the last ArmCrashBefore() or ArmFailureAt().
uint64_t MapWritesSinceArmed();

// Forks a child that arms a crash before its `write`th map write and runs
// `change` (on state inherited from this process: its open maps and model).
// OK when the child died of that crash; otherwise what it did instead.
absl::Status RunInChildCrashingBefore(uint64_t write, const std::function<void()>& change);

}  // namespace sluice::testing
