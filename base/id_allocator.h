// Ids (VIP ids, backend ids) handed out first-in first-out, so an id freed
// now is reused as late as possible: connection-table entries that still
// name a removed backend's id find it dead rather than someone else.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sluice {

class IdAllocator {
 public:
  IdAllocator(uint32_t capacity, std::string what);

  absl::StatusOr<uint32_t> Allocate();   // RESOURCE_EXHAUSTED when none left
  void Free(uint32_t id);
  void Reserve(uint32_t id);             // mark in use (restore)
  uint32_t in_use() const { return in_use_; }

 private:
  std::vector<bool> used_;
  std::deque<uint32_t> free_order_;      // may hold ids reserved since
  uint32_t in_use_ = 0;
  std::string what_;
};

}  // namespace sluice
