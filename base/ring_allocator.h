// Regions of the Maglev ring pool (first fit, freed regions coalesce).
// A commit writes a VIP's new table into a fresh region and frees the old
// one only after packets can no longer read it.
//
// So that a full pool can never freeze a ring, every ring size in use keeps
// a spare region of its size: a rewrite takes a free region if one fits,
// else its size's spare, and the old region it frees becomes the spare
// again. The free list's fragmentation then only limits new VIPs, which
// CheckRoomForNewRing admits only when the ring and every missing spare fit.
#pragma once

#include <cstdint>
#include <map>

#include "absl/status/statusor.h"

namespace sluice {

class RingAllocator {
 public:
  explicit RingAllocator(uint32_t pool_entries);

  // OK when a new VIP's ring of `entries` fits next to the spares of every
  // ring size (its own included); RESOURCE_EXHAUSTED naming the pool and
  // lbd's flag otherwise. Changes nothing.
  absl::Status CheckRoomForNewRing(uint32_t entries) const;

  // A region for a ring of `entries` (a new VIP's or a rewrite's).
  // RESOURCE_EXHAUSTED when neither a free region nor the spare fits.
  absl::StatusOr<uint32_t> Allocate(uint32_t entries);
  void Free(uint32_t offset, uint32_t entries);
  // Restore, before any Allocate: the region of a VIP found in the maps.
  // False if it is not free (an overlap: the maps are corrupt).
  bool Reserve(uint32_t offset, uint32_t entries);

 private:
  using FreeList = std::map<uint32_t, uint32_t>;   // offset -> length
  static bool TakeFirstFit(FreeList& list, uint32_t entries, uint32_t* offset);
  static void Insert(FreeList& list, uint32_t offset, uint32_t entries);
  // Carves the missing spares (restored sizes, a new VIP's) out of `list`.
  void EnsureSpares(FreeList& list, std::map<uint32_t, uint32_t>& spares) const;
  uint64_t FreeEntries() const;

  uint32_t pool_entries_;
  FreeList free_;
  std::map<uint32_t, uint32_t> spares_;   // ring size -> offset of its spare region
  std::map<uint32_t, uint32_t> live_;     // ring size -> regions allocated (VIPs, +1 mid-rewrite)
};

}  // namespace sluice
