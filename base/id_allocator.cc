#include "base/id_allocator.h"

#include "absl/strings/str_cat.h"

namespace sluice {

IdAllocator::IdAllocator(uint32_t capacity, std::string what)
    : used_(capacity, false), what_(std::move(what)) {
  for (uint32_t id = 0; id < capacity; ++id) free_order_.push_back(id);
}

absl::StatusOr<uint32_t> IdAllocator::Allocate() {
  while (!free_order_.empty()) {
    uint32_t id = free_order_.front();
    free_order_.pop_front();
    if (used_[id]) continue;   // reserved after it was queued
    used_[id] = true;
    ++in_use_;
    return id;
  }
  return absl::ResourceExhaustedError(
      absl::StrCat("no free ", what_, " (all ", used_.size(), " in use)"));
}

void IdAllocator::Free(uint32_t id) {
  if (id >= used_.size() || !used_[id]) return;
  used_[id] = false;
  --in_use_;
  free_order_.push_back(id);
}

void IdAllocator::Reserve(uint32_t id) {
  if (id >= used_.size() || used_[id]) return;
  used_[id] = true;
  ++in_use_;
}

}  // namespace sluice
