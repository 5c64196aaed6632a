// Fault injection for restart tests: the process dies (as if kill -9'd)
// just before its Nth BPF map write. Linked into a test binary, this file
// defines libbpf's map-writing functions itself (bpf_map_update_elem,
// bpf_map_delete_elem, bpf_map_update_batch, bpf_map_delete_batch), counts
// each call and forwards it to libbpf's own (dlsym RTLD_NEXT), so the code
// under test is the production code, unchanged.
#pragma once

#include <cstdint>
#include <functional>

#include "absl/status/status.h"

namespace sluice::testing {

// The exit status of a process killed by an armed crash.
constexpr int kCrashExitCode = 86;

// Counts map writes from now on; the `write`th one (1-based) _exit()s the
// process with kCrashExitCode instead of happening. 0: count only.
void ArmCrashBefore(uint64_t write);

// Map writes made since the last ArmCrashBefore().
uint64_t MapWritesSinceArmed();

// Forks a child that arms a crash before its `write`th map write and runs
// `change` (on state inherited from this process: its open maps and model).
// OK when the child died of that crash; otherwise what it did instead.
absl::Status RunInChildCrashingBefore(uint64_t write, const std::function<void()>& change);

}  // namespace sluice::testing
