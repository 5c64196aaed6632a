// Preparing an opened (not yet loaded) BPF object's maps: their sizes, and
// pin paths under a directory so that a later lbd reuses them.
#pragma once

#include <bpf/libbpf.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace sluice {

struct MapSize {
  bpf_map* map;
  uint32_t entries;
  const char* flag = nullptr;   // the lbd flag that sets it ("--max-vips"), if any
};

// Sets each map's size. A map already pinned under `pin_dir` (an earlier
// lbd's) with another size cannot be reused: FAILED_PRECONDITION naming the
// map, both sizes, the flag, and what to do.
absl::Status SizeMaps(absl::Span<const MapSize> sizes, const std::string& pin_dir);

// Every map of `obj` gets the pin path <pin_dir>/<map name>.
absl::Status PinMapsUnder(bpf_object* obj, const std::string& pin_dir);

}  // namespace sluice
