#include "base/maglev.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace sluice {
namespace {

// SipHash key (seed, tag) per permutation parameter, so offset and skip come
// from independent functions of the backend key. Tags: "offset", "skip".
constexpr uint64_t kOffsetTag = 0x6f6666736574;
constexpr uint64_t kSkipTag = 0x736b6970;

constexpr uint64_t Rotl(uint64_t x, int b) {
  return (x << b) | (x >> (64 - b));
}

struct SipState {
  uint64_t v0, v1, v2, v3;

  void Rounds(int n) {
    for (int i = 0; i < n; ++i) {
      v0 += v1;
      v1 = Rotl(v1, 13);
      v1 ^= v0;
      v0 = Rotl(v0, 32);
      v2 += v3;
      v3 = Rotl(v3, 16);
      v3 ^= v2;
      v0 += v3;
      v3 = Rotl(v3, 21);
      v3 ^= v0;
      v2 += v1;
      v1 = Rotl(v1, 17);
      v1 ^= v2;
      v2 = Rotl(v2, 32);
    }
  }
  void Absorb(uint64_t m) {
    v3 ^= m;
    Rounds(2);
    v0 ^= m;
  }
};

uint64_t LoadLe(const char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    v |= uint64_t{static_cast<uint8_t>(p[i])} << (8 * i);
  }
  return v;
}

// One backend's walk through its permutation (offset + j * skip) mod M.
struct Walker {
  uint32_t pos;
  uint32_t skip;
  uint32_t id;
};

// Walkers [begin, end): the backends with `quota` entries to take.
struct Group {
  uint32_t begin, end, quota;
};

// Calls fn(slot) for each round t < q of a group with quota q: slot
// floor((2t + 1) * slots / 2q), i.e. virtual time (2t + 1) / 2q, the middle of
// the round's share of the fill, so that every group spreads its rounds evenly
// over it. q <= slots: at most one round per slot.
template <typename Fn>
void ForEachSlot(uint32_t q, uint32_t slots, Fn fn) {
  const uint64_t d = 2 * uint64_t{q};
  const uint64_t step = 2 * uint64_t{slots} / d;
  const uint64_t step_rem = 2 * uint64_t{slots} % d;
  uint64_t slot = slots / d, rem = slots % d;
  for (uint32_t t = 0; t < q; ++t) {
    fn(static_cast<uint32_t>(slot));
    slot += step;
    rem += step_rem;
    if (rem >= d) {
      rem -= d;
      ++slot;
    }
  }
}

absl::Status Validate(absl::Span<const MaglevBackend> backends,
                      const std::vector<size_t>& by_key, uint32_t m) {
  size_t active = 0;
  for (size_t k = 0; k < by_key.size(); ++k) {
    size_t i = by_key[k];
    const MaglevBackend& b = backends[i];
    if (b.key.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("backends[", i, "].key: empty"));
    }
    if (b.id == kMaglevNoBackend) {
      return absl::InvalidArgumentError(absl::StrCat(
          "backends[", i, "].id: ", b.id, " is reserved (kMaglevNoBackend)"));
    }
    if (k > 0 && backends[by_key[k - 1]].key == b.key) {
      return absl::InvalidArgumentError(absl::StrCat(
          "backends[", i, "].key: duplicate of backends[", by_key[k - 1],
          "].key (", absl::BytesToHexString(b.key), ")"));
    }
    active += b.weight > 0;
  }
  std::vector<std::pair<uint32_t, size_t>> ids;
  ids.reserve(backends.size());
  for (size_t i = 0; i < backends.size(); ++i) {
    ids.emplace_back(backends[i].id, i);
  }
  std::sort(ids.begin(), ids.end());
  for (size_t k = 1; k < ids.size(); ++k) {
    if (ids[k].first == ids[k - 1].first) {
      return absl::InvalidArgumentError(absl::StrCat(
          "backends[", ids[k].second, "].id: duplicate of backends[",
          ids[k - 1].second, "].id (", ids[k].first, ")"));
    }
  }
  if (active > m) {
    return absl::InvalidArgumentError(absl::StrCat(
        "backends: ", active, " have weight > 0, more than table_size ", m));
  }
  return absl::OkStatus();
}

// Entries per backend (weights in key order, 0 < n <= m): largest-remainder
// apportionment of m by weight, ties to the lower key, after raising every
// share below one entry to exactly one.
std::vector<uint32_t> Apportion(const std::vector<uint32_t>& weights,
                                uint32_t m) {
  const size_t n = weights.size();
  std::vector<size_t> by_weight(n);
  std::iota(by_weight.begin(), by_weight.end(), 0);
  std::stable_sort(by_weight.begin(), by_weight.end(),
                   [&](size_t a, size_t b) { return weights[a] < weights[b]; });
  std::vector<uint32_t> quota(n, 0);
  uint64_t total = std::accumulate(weights.begin(), weights.end(), uint64_t{0});
  uint32_t entries = m;
  // Lightest first: once entries * w / total >= 1, it holds for all heavier
  // ones too. n <= m guarantees the heaviest is never raised.
  size_t raised = 0;
  for (; raised < n; ++raised) {
    uint32_t w = weights[by_weight[raised]];
    if (uint64_t{entries} * w >= total) break;
    quota[by_weight[raised]] = 1;
    --entries;
    total -= w;
  }
  std::vector<std::pair<uint64_t, size_t>> remainders;  // (remainder, index)
  remainders.reserve(n - raised);
  uint32_t given = 0;
  for (size_t k = raised; k < n; ++k) {
    size_t i = by_weight[k];
    uint64_t share = uint64_t{entries} * weights[i];  // < 2^56: no overflow
    quota[i] = static_cast<uint32_t>(share / total);
    given += quota[i];
    remainders.emplace_back(share % total, i);
  }
  const uint32_t left = entries - given;  // < n - raised
  std::partial_sort(remainders.begin(), remainders.begin() + left,
                    remainders.end(), [](const auto& a, const auto& b) {
                      return a.first != b.first ? a.first > b.first
                                                : a.second < b.second;
                    });
  for (uint32_t k = 0; k < left; ++k) ++quota[remainders[k].second];
  return quota;
}

}  // namespace

bool IsPrime(uint32_t n) {
  if (n < 4) return n >= 2;
  if (n % 2 == 0 || n % 3 == 0) return false;
  for (uint64_t d = 5; d * d <= n; d += 6) {
    if (n % d == 0 || n % (d + 2) == 0) return false;
  }
  return true;
}

uint64_t SipHash24(uint64_t k0, uint64_t k1, absl::string_view data) {
  SipState s{k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d,
             k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573};
  const size_t full = data.size() / 8 * 8;
  for (size_t i = 0; i < full; i += 8) s.Absorb(LoadLe(data.data() + i, 8));
  s.Absorb(LoadLe(data.data() + full, data.size() - full) |
           (uint64_t{data.size()} << 56));
  s.v2 ^= 0xff;
  s.Rounds(4);
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

MaglevPermutation PermutationOf(absl::string_view key, uint32_t table_size,
                                uint64_t seed) {
  return {static_cast<uint32_t>(SipHash24(seed, kOffsetTag, key) % table_size),
          static_cast<uint32_t>(
              SipHash24(seed, kSkipTag, key) % (table_size - 1) + 1)};
}

absl::StatusOr<std::vector<uint32_t>> BuildMaglevTable(
    absl::Span<const MaglevBackend> backends, uint32_t table_size,
    uint64_t seed) {
  const uint32_t m = table_size;
  if (m < 2 || m > kMaxMaglevTableSize || !IsPrime(m)) {
    return absl::InvalidArgumentError(absl::StrCat("table_size: ", m,
                                                   " is not a prime in [2, ",
                                                   kMaxMaglevTableSize, "]"));
  }
  // Key order makes the result independent of the input order.
  std::vector<size_t> by_key(backends.size());
  std::iota(by_key.begin(), by_key.end(), 0);
  std::sort(by_key.begin(), by_key.end(), [&](size_t a, size_t b) {
    return backends[a].key != backends[b].key
               ? backends[a].key < backends[b].key
               : a < b;
  });
  if (absl::Status s = Validate(backends, by_key, m); !s.ok()) return s;

  std::vector<uint32_t> table(m, kMaglevNoBackend);  // also the "free" mark
  std::vector<size_t> active;
  std::vector<uint32_t> weights;
  for (size_t i : by_key) {
    if (backends[i].weight == 0) continue;
    active.push_back(i);
    weights.push_back(backends[i].weight);
  }
  if (active.empty()) return table;
  const std::vector<uint32_t> quota = Apportion(weights, m);

  // Walkers grouped by quota (largest first), key order inside a group.
  std::vector<uint32_t> order(active.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return quota[a] > quota[b]; });
  std::vector<Walker> walkers;
  walkers.reserve(order.size());
  std::vector<Group> groups;
  for (uint32_t k = 0; k < order.size(); ++k) {
    const MaglevBackend& b = backends[active[order[k]]];
    const MaglevPermutation p = PermutationOf(b.key, m, seed);
    walkers.push_back({p.offset, p.skip, b.id});
    uint32_t q = quota[order[k]];  // >= 1
    if (groups.empty() || groups.back().quota != q) groups.push_back({k, k, q});
    groups.back().end = k + 1;
  }

  // The rounds of all groups in slot order (counting sort), larger quota first
  // within a slot. Two different virtual times differ by >= 1 / (4 qmax^2):
  // with that many slots the order is exactly by time, and equal weights give
  // the paper's round robin in key order. At most m slots bounds the memory.
  const uint64_t qmax = groups.front().quota;
  const auto slots =
      static_cast<uint32_t>(std::min<uint64_t>(m, 4 * qmax * qmax));
  std::vector<uint32_t> first(slots + 1, 0);
  for (const Group& g : groups) {
    ForEachSlot(g.quota, slots, [&](uint32_t s) { ++first[s + 1]; });
  }
  std::partial_sum(first.begin(), first.end(), first.begin());
  std::vector<uint32_t> rounds(first[slots]);
  for (uint32_t i = 0; i < groups.size(); ++i) {
    ForEachSlot(groups[i].quota, slots,
                [&](uint32_t s) { rounds[first[s]++] = i; });
  }

  // Exactly m turns in all, one entry each: the table is full at the end and
  // never full while a walker searches (m prime => each walk visits all slots).
  for (uint32_t i : rounds) {
    for (uint32_t k = groups[i].begin; k < groups[i].end; ++k) {
      Walker& w = walkers[k];
      uint32_t pos = w.pos;
      while (table[pos] != kMaglevNoBackend) {
        pos += w.skip;
        if (pos >= m) pos -= m;
      }
      table[pos] = w.id;
      pos += w.skip;
      w.pos = pos >= m ? pos - m : pos;
    }
  }
  return table;
}

}  // namespace sluice
