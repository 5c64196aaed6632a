#include "lb/ring_allocator.h"

#include "absl/strings/str_cat.h"

namespace sluice::lb {

RingAllocator::RingAllocator(uint32_t pool_entries) {
  if (pool_entries) free_[0] = pool_entries;
}

absl::StatusOr<uint32_t> RingAllocator::Allocate(uint32_t entries) {
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    if (it->second < entries) continue;
    uint32_t offset = it->first;
    uint32_t rest = it->second - entries;
    free_.erase(it);
    if (rest) free_[offset + entries] = rest;
    return offset;
  }
  return absl::ResourceExhaustedError(absl::StrCat(
      "Maglev ring pool full: no free region of ", entries,
      " entries (raise lbd --ring-pool-entries)"));
}

void RingAllocator::Free(uint32_t offset, uint32_t entries) {
  auto [it, inserted] = free_.emplace(offset, entries);
  if (!inserted) return;
  auto next = std::next(it);
  if (next != free_.end() && it->first + it->second == next->first) {
    it->second += next->second;
    free_.erase(next);
  }
  if (it != free_.begin()) {
    auto prev = std::prev(it);
    if (prev->first + prev->second == it->first) {
      prev->second += it->second;
      free_.erase(it);
    }
  }
}

bool RingAllocator::Reserve(uint32_t offset, uint32_t entries) {
  auto it = free_.upper_bound(offset);
  if (it == free_.begin()) return false;
  --it;
  uint32_t start = it->first, length = it->second;
  if (offset + entries > start + length) return false;
  free_.erase(it);
  if (offset > start) free_[start] = offset - start;
  if (start + length > offset + entries) {
    free_[offset + entries] = start + length - (offset + entries);
  }
  return true;
}

}  // namespace sluice::lb
