// Maglev lookup table builder (Eisenbud et al., NSDI'16). The datapath only
// reads table[hash % table.size()]; everything else happens here. See
// docs/maglev.md for the algorithm, its guarantees and measured numbers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace sluice {

inline constexpr uint32_t kDefaultMaglevTableSize = 65537;
// Largest accepted table size (the largest prime below it is 16777213):
// 64 MiB of uint32 entries per table.
inline constexpr uint32_t kMaxMaglevTableSize = 1u << 24;
// Fills every entry when no backend has weight > 0; the datapath drops the
// packet with "no backend". Also reserved: no backend may use it as its id.
inline constexpr uint32_t kMaglevNoBackend = 0xFFFFFFFF;

struct MaglevBackend {
  uint32_t id;      // what goes into the table
  std::string key;  // stable identity, e.g. the real's address bytes
  uint32_t weight;  // 0 = drain: no entries
};

// Exact for every uint32_t.
bool IsPrime(uint32_t n);

// Builds the table: table_size entries, each a backend id (kMaglevNoBackend
// when no backend has weight > 0). Same (set of backends, table_size, seed) =>
// same table on every host, whatever the order of `backends`. A backend with
// weight > 0 gets the floor or the ceiling of its exact share table_size *
// weight / total weight (largest remainder); a share below one entry is raised
// to one, at the expense of the others (docs/maglev.md).
//
// INVALID_ARGUMENT (the message names the field) when table_size is not a
// prime in [2, kMaxMaglevTableSize]; a key is empty or repeated; an id is
// repeated or equals kMaglevNoBackend; more backends have weight > 0 than the
// table has entries.
absl::StatusOr<std::vector<uint32_t>> BuildMaglevTable(
    absl::Span<const MaglevBackend> backends, uint32_t table_size,
    uint64_t seed);

// Backend `key`'s preference list in a table of table_size (prime) entries:
// (offset + j * skip) % table_size for j = 0, 1, ..., a permutation.
// offset = h1(key) % table_size, skip = h2(key) % (table_size - 1) + 1, where
// h1, h2 are SipHash-2-4 keyed with (seed, "offset") and (seed, "skip").
struct MaglevPermutation {
  uint32_t offset;
  uint32_t skip;
};
MaglevPermutation PermutationOf(absl::string_view key, uint32_t table_size,
                                uint64_t seed);

// SipHash-2-4 (Aumasson & Bernstein) with the 128-bit key (k0, k1), k0 holding
// key bytes 0..7 little-endian. Exposed so tests can pin it to the reference
// vectors: every LB instance must compute the same tables.
uint64_t SipHash24(uint64_t k0, uint64_t k1, absl::string_view data);

}  // namespace sluice
