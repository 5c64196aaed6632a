// Reading the datapath's per-CPU counter maps (struct sluice_counter values).
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "sluice/shared.h"

namespace sluice {

// Sum of one key of a BPF_MAP_TYPE_PERCPU_ARRAY of struct sluice_counter
// over every possible CPU.
absl::StatusOr<sluice_counter> ReadPerCpuCounter(int map_fd, uint32_t key);

// Zeroes that key on every CPU (before an id is reused).
absl::Status ResetPerCpuCounter(int map_fd, uint32_t key);

}  // namespace sluice
