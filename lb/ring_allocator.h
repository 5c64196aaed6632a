// Regions of the Maglev ring pool (first fit, freed regions coalesce).
// A commit writes a VIP's new table into a fresh region and frees the old
// one only after packets can no longer read it.
#pragma once

#include <cstdint>
#include <map>

#include "absl/status/statusor.h"

namespace sluice::lb {

class RingAllocator {
 public:
  explicit RingAllocator(uint32_t pool_entries);

  absl::StatusOr<uint32_t> Allocate(uint32_t entries);  // RESOURCE_EXHAUSTED when full
  void Free(uint32_t offset, uint32_t entries);
  bool Reserve(uint32_t offset, uint32_t entries);      // restore; false if not free

 private:
  std::map<uint32_t, uint32_t> free_;   // offset -> length
};

}  // namespace sluice::lb
