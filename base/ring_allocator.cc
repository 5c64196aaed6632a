#include "base/ring_allocator.h"

#include "absl/strings/str_cat.h"

namespace sluice {

RingAllocator::RingAllocator(uint32_t pool_entries) : pool_entries_(pool_entries) {
  if (pool_entries) free_[0] = pool_entries;
}

bool RingAllocator::TakeFirstFit(FreeList& list, uint32_t entries, uint32_t* offset) {
  for (auto it = list.begin(); it != list.end(); ++it) {
    if (it->second < entries) continue;
    *offset = it->first;
    uint32_t rest = it->second - entries;
    list.erase(it);
    if (rest) list[*offset + entries] = rest;
    return true;
  }
  return false;
}

void RingAllocator::Insert(FreeList& list, uint32_t offset, uint32_t entries) {
  auto [it, inserted] = list.emplace(offset, entries);
  if (!inserted) return;
  auto next = std::next(it);
  if (next != list.end() && it->first + it->second == next->first) {
    it->second += next->second;
    list.erase(next);
  }
  if (it != list.begin()) {
    auto prev = std::prev(it);
    if (prev->first + prev->second == it->first) {
      prev->second += it->second;
      list.erase(it);
    }
  }
}

uint64_t RingAllocator::FreeEntries() const {
  uint64_t n = 0;
  for (const auto& [offset, length] : free_) n += length;
  return n;
}

void RingAllocator::EnsureSpares(FreeList& list, std::map<uint32_t, uint32_t>& spares) const {
  // Largest first: big regions are the hard ones to find later.
  for (auto it = live_.rbegin(); it != live_.rend(); ++it) {
    uint32_t size = it->first;
    uint32_t offset;
    if (!spares.count(size) && TakeFirstFit(list, size, &offset)) spares[size] = offset;
  }
}

absl::Status RingAllocator::CheckRoomForNewRing(uint32_t entries) const {
  // What Allocate and the next EnsureSpares would do, on copies.
  FreeList list = free_;
  std::map<uint32_t, uint32_t> spares = spares_;
  EnsureSpares(list, spares);
  bool fits = spares.size() == live_.size();
  uint32_t offset;
  // The ring itself, and a spare of its size (an existing spare becomes the
  // new ring and is carved again).
  fits = fits && TakeFirstFit(list, entries, &offset);
  if (!live_.count(entries)) fits = fits && TakeFirstFit(list, entries, &offset);
  if (fits) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "Maglev ring pool full: no room for a ring of ", entries,
      " entries next to a spare region for every ring size in use (which keeps every VIP's "
      "ring rewritable); the pool holds ", pool_entries_, " entries, ", FreeEntries(),
      " unused (raise lbd --ring-pool-entries or use a smaller ring_size)"));
}

absl::StatusOr<uint32_t> RingAllocator::Allocate(uint32_t entries) {
  EnsureSpares(free_, spares_);
  uint32_t offset;
  if (auto spare = spares_.find(entries); spare != spares_.end()) {
    offset = spare->second;
    spares_.erase(spare);
  } else if (!TakeFirstFit(free_, entries, &offset)) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "Maglev ring pool full: no free region of ", entries,
        " entries (raise lbd --ring-pool-entries)"));
  }
  ++live_[entries];
  return offset;
}

void RingAllocator::Free(uint32_t offset, uint32_t entries) {
  auto live = live_.find(entries);
  if (live != live_.end() && --live->second == 0) {
    live_.erase(live);
    if (auto spare = spares_.find(entries); spare != spares_.end()) {
      Insert(free_, spare->second, entries);
      spares_.erase(spare);
    }
  } else if (live != live_.end() && !spares_.count(entries)) {
    spares_[entries] = offset;   // the rewrite that took the spare gives it back
    return;
  }
  Insert(free_, offset, entries);
}

bool RingAllocator::Reserve(uint32_t offset, uint32_t entries) {
  ++live_[entries];   // the VIP lives (and frees its region) even if it overlaps
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

}  // namespace sluice
