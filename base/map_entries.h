// Reading a whole BPF map from user space in few syscalls.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace sluice {

// Every entry of a map, keys and values each packed end to end.
struct MapEntries {
  uint32_t key_size = 0;
  uint32_t value_size = 0;
  std::string keys;
  std::string values;

  size_t size() const { return key_size ? keys.size() / key_size : 0; }
  std::string_view key(size_t i) const { return {keys.data() + i * key_size, key_size}; }
  std::string_view value(size_t i) const { return {values.data() + i * value_size, value_size}; }
};

// Reads `fd` with BPF_MAP_LOOKUP_BATCH (thousands of entries a call), or
// entry by entry where the map type has no batch lookup. An array yields
// every index.
absl::StatusOr<MapEntries> ReadAllEntries(int fd);

}  // namespace sluice
