#include "datapath/maps/v4_blacklist_layout.h"

#include <arpa/inet.h>

#include <cstring>

namespace sluice {

uint32_t V4HostOrder(const IpAddress& a) {
  uint32_t be;
  std::memcpy(&be, a.bytes.data(), 4);
  return ntohl(be);
}

IpAddress V4FromHostOrder(uint32_t host_order) {
  IpAddress a;
  a.family = AF_INET;
  uint32_t be = htonl(host_order);
  std::memcpy(a.bytes.data(), &be, 4);
  return a;
}

namespace {

using PrefixIt = std::set<IpPrefix>::const_iterator;

// What one /16 should hold.
struct SlotLayout {
  sluice_v4_top top{};
  std::vector<std::pair<uint32_t, sluice_v4_leaf>> leaves;   // by block, ascending
};

template <typename T>
bool Same(const T& a, const T& b) {
  return std::memcmp(&a, &b, sizeof(a)) == 0;
}

void SetBit(__u64 (&bits)[4], uint32_t i) { bits[i >> 6] |= __u64{1} << (i & 63); }
bool BitSet(const __u64 (&bits)[4], uint32_t i) { return (bits[i >> 6] >> (i & 63)) & 1; }

// Sets bits [first, first + count) of `leaf`: the hosts of one prefix, so
// `count` is a power of two and `first` a multiple of it.
void SetHosts(sluice_v4_leaf& leaf, uint32_t first, uint32_t count) {
  if (count >= 64) {
    for (uint32_t w = first >> 6; w < (first + count) >> 6; ++w) leaf.hosts[w] = ~__u64{0};
  } else {
    leaf.hosts[first >> 6] |= ((__u64{1} << count) - 1) << (first & 63);
  }
}

// The layout of one /16 from the prefixes inside it ([begin, end): IPv4,
// addresses in the /16; those of length <= 16 are handled by `covered`).
SlotLayout EncodeSlot(bool covered, PrefixIt begin, PrefixIt end) {
  SlotLayout out;
  if (covered) {
    out.top.state = SLUICE_V4_TOP_ALL;
    return out;
  }
  std::vector<std::pair<uint32_t, sluice_v4_leaf>>& leaves = out.leaves;
  auto leaf_of = [&leaves](uint32_t block) -> sluice_v4_leaf& {
    // Prefixes come in address order, so blocks arrive ascending.
    if (leaves.empty() || leaves.back().first != block) leaves.push_back({block, {}});
    return leaves.back().second;
  };
  for (PrefixIt it = begin; it != end; ++it) {
    if (it->length <= 16) continue;
    uint32_t addr = V4HostOrder(it->address);
    if (it->length <= 24) {
      uint32_t blocks = 1u << (24 - it->length);
      for (uint32_t b = 0; b < blocks; ++b) SetHosts(leaf_of((addr >> 8) + b), 0, 256);
    } else {
      SetHosts(leaf_of(addr >> 8), addr & 0xff, 1u << (32 - it->length));
    }
  }
  out.top.state = leaves.empty() ? SLUICE_V4_TOP_NONE : SLUICE_V4_TOP_LEAVES;
  for (const auto& [block, leaf] : leaves) SetBit(out.top.blocks, block & 0xff);
  return out;
}

IpPrefix V4Prefix(uint32_t host_order, int length) {
  return {V4FromHostOrder(length ? host_order & (~0u << (32 - length)) : 0), length};
}

// The /16 slots prefix `p` touches: [first, first + count).
std::pair<uint32_t, uint32_t> SlotsOf(const IpPrefix& p) {
  return {V4HostOrder(p.address) >> 16, p.length >= 16 ? 1 : 1u << (16 - p.length)};
}

// True when a prefix of length <= 16 in `prefixes` covers /16 `slot`.
bool Covered(const std::set<IpPrefix>& prefixes, uint32_t slot) {
  for (int len = 0; len <= 16; ++len) {
    if (prefixes.count(V4Prefix(slot << 16, len))) return true;
  }
  return false;
}

// The IPv4 prefixes whose addresses lie in /16 `slot`.
std::pair<PrefixIt, PrefixIt> InSlot(const std::set<IpPrefix>& prefixes, uint32_t slot) {
  // Prefixes order by address, then length: (first address, length 0)
  // sorts before every prefix at or after that address.
  auto first_at = [&prefixes](uint32_t host_order) {
    return prefixes.lower_bound(IpPrefix{V4FromHostOrder(host_order), 0});
  };
  PrefixIt end = slot + 1 < SLUICE_V4_TOP_SLOTS
                     ? first_at((slot + 1) << 16)
                     : prefixes.lower_bound(IpPrefix{IpAddress{AF_INET6}, 0});
  return {first_at(slot << 16), end};
}

// Adds to `plan` what /16 `slot` needs to go from `have` (the mirror's top
// entry and leaves) to `want`.
void DiffSlot(const sluice_v4_top& have, const absl::btree_map<uint32_t, sluice_v4_leaf>& leaves,
              uint32_t slot, const SlotLayout& want, V4BlacklistLayout::Plan& plan) {
  if (!Same(want.top, have)) plan.top.push_back({slot, want.top});
  for (uint32_t i = 0; i < 256; ++i) {
    if (BitSet(have.blocks, i) && !BitSet(want.top.blocks, i)) {
      plan.leaves.push_back({(slot << 8) | i, std::nullopt});
      --plan.leaves_after;
    }
  }
  for (const auto& [block, leaf] : want.leaves) {
    if (!BitSet(have.blocks, block & 0xff)) {
      ++plan.leaves_after;
    } else if (Same(leaves.at(block), leaf)) {
      continue;
    }
    plan.leaves.push_back({block, leaf});
  }
}

// The IPv4 prefixes grouped by /16, in one pass in address order: short
// prefixes mark the /16s they cover, the others are runs of the set.
struct BySlot {
  std::vector<bool> covered = std::vector<bool>(SLUICE_V4_TOP_SLOTS, false);
  std::vector<std::pair<PrefixIt, PrefixIt>> runs;
  size_t longer_than_16 = 0;

  bool Listed(uint32_t slot, const std::set<IpPrefix>& prefixes) const {
    return covered[slot] || runs[slot].first != prefixes.end();
  }
};

BySlot GroupBySlot(const std::set<IpPrefix>& prefixes) {
  BySlot out;
  out.runs.assign(SLUICE_V4_TOP_SLOTS, {prefixes.end(), prefixes.end()});
  for (PrefixIt it = prefixes.begin(); it != prefixes.end() && it->address.is_v4(); ++it) {
    auto [slot, count] = SlotsOf(*it);
    out.longer_than_16 += it->length > 16;
    if (it->length <= 16) {
      for (uint32_t s = slot; s < slot + count; ++s) out.covered[s] = true;
    }
    if (out.runs[slot].first == prefixes.end()) out.runs[slot].first = it;
    out.runs[slot].second = std::next(it);
  }
  return out;
}

}  // namespace

V4BlacklistLayout::Plan V4BlacklistLayout::PlanChange(const std::set<IpPrefix>& prefixes,
                                                      absl::Span<const IpPrefix> changed) const {
  Plan plan;
  plan.leaves_after = leaves_.size();
  std::set<uint32_t> slots;
  for (const IpPrefix& p : changed) {
    if (!p.address.is_v4()) continue;
    auto [first, count] = SlotsOf(p);
    for (uint32_t s = first; s < first + count; ++s) slots.insert(s);
  }
  for (uint32_t slot : slots) {
    auto [begin, end] = InSlot(prefixes, slot);
    DiffSlot(top_[slot], leaves_, slot, EncodeSlot(Covered(prefixes, slot), begin, end), plan);
  }
  return plan;
}

V4BlacklistLayout::Plan V4BlacklistLayout::PlanAll(const std::set<IpPrefix>& prefixes) const {
  Plan plan;
  plan.leaves_after = leaves_.size();
  BySlot by_slot = GroupBySlot(prefixes);
  plan.leaves.reserve(by_slot.longer_than_16);   // a first guess at the leaves to write
  for (uint32_t slot = 0; slot < SLUICE_V4_TOP_SLOTS; ++slot) {
    if (!by_slot.Listed(slot, prefixes) && top_[slot].state == SLUICE_V4_TOP_NONE) continue;
    DiffSlot(top_[slot], leaves_, slot,
             EncodeSlot(by_slot.covered[slot], by_slot.runs[slot].first, by_slot.runs[slot].second),
             plan);
  }
  return plan;
}

void V4BlacklistLayout::Rebuild(const std::set<IpPrefix>& prefixes) {
  std::fill(top_.begin(), top_.end(), sluice_v4_top{});
  leaves_.clear();
  BySlot by_slot = GroupBySlot(prefixes);
  for (uint32_t slot = 0; slot < SLUICE_V4_TOP_SLOTS; ++slot) {
    if (!by_slot.Listed(slot, prefixes)) continue;
    SlotLayout layout =
        EncodeSlot(by_slot.covered[slot], by_slot.runs[slot].first, by_slot.runs[slot].second);
    top_[slot] = layout.top;
    // Slots and their blocks ascend: every leaf goes at the end.
    for (const auto& [block, leaf] : layout.leaves) leaves_.emplace_hint(leaves_.end(), block, leaf);
  }
}

void V4BlacklistLayout::Accept(const Plan& plan) {
  for (const auto& [slot, top] : plan.top) top_[slot] = top;
  for (const auto& [block, leaf] : plan.leaves) {
    if (leaf) {
      leaves_.insert_or_assign(leaves_.end(), block, *leaf);
    } else {
      leaves_.erase(block);
    }
  }
}

}  // namespace sluice
