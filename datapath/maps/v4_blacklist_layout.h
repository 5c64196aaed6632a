// The IPv4 source blacklist as the datapath reads it (struct sluice_v4_top
// in shared.h): per /16 a top entry (nothing listed, all listed, or which
// /24s have leaves), per /24 holding listed addresses a 256-bit host bitmap.
//
// V4BlacklistLayout mirrors what the maps hold and works out which entries a
// change of the prefix list rewrites, looking only at the /16s the changed
// prefixes touch: a small edit of a large list is a small commit.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/types/span.h"
#include "base/ip_address.h"
#include "sluice/shared.h"

namespace sluice {

class V4BlacklistLayout {
 public:
  struct Plan {
    std::vector<std::pair<uint32_t, sluice_v4_top>> top;   // by /16 slot
    // /24 block (address >> 8) -> its bitmap, or nullopt: no longer a leaf.
    std::vector<std::pair<uint32_t, std::optional<sluice_v4_leaf>>> leaves;
    size_t leaves_after = 0;   // leaves the maps hold once the plan is applied
  };

  // The entries that change when the list becomes `prefixes` (the whole new
  // list; IPv6 prefixes in it are ignored), given that only `changed`
  // prefixes differ from the list the mirror was planned from.
  Plan PlanChange(const std::set<IpPrefix>& prefixes, absl::Span<const IpPrefix> changed) const;
  // The same, over every /16 (when the list is replaced).
  Plan PlanAll(const std::set<IpPrefix>& prefixes) const;

  // The maps now hold `plan`.
  void Accept(const Plan& plan);
  // The maps hold the layout of `prefixes` (a restart): the mirror is built
  // from them directly, as Accept(PlanAll(prefixes)) on an empty mirror
  // would, without the plan.
  void Rebuild(const std::set<IpPrefix>& prefixes);

  size_t leaves() const { return leaves_.size(); }

 private:
  std::vector<sluice_v4_top> top_ = std::vector<sluice_v4_top>(SLUICE_V4_TOP_SLOTS);
  // Ordered (a B-tree, not a hash): a whole list comes in block order, as
  // after a restart, and appends densely (1M leaves: ~0.2 s less than a
  // hash map's scattered writes over twice the memory).
  absl::btree_map<uint32_t, sluice_v4_leaf> leaves_;
};

// An IPv4 address in host order, and back.
uint32_t V4HostOrder(const IpAddress& a);
IpAddress V4FromHostOrder(uint32_t host_order);

}  // namespace sluice
