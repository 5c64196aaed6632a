#include "datapath/testing/v4_blacklist_maps.h"

#include <bpf/bpf.h>

#include <cerrno>
#include <vector>

#include "absl/strings/str_cat.h"
#include "datapath/maps/v4_blacklist_layout.h"

namespace sluice::testing {
namespace {

template <typename K, typename V>
absl::Status WriteAll(int fd, const std::vector<K>& keys, const std::vector<V>& values,
                      const char* what) {
  uint32_t count = keys.size();
  if (count && bpf_map_update_batch(fd, keys.data(), values.data(), &count, nullptr)) {
    return absl::ErrnoToStatus(errno, absl::StrCat("writing the IPv4 blacklist's ", what));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteV4Blacklist(int top_fd, int leaves_fd, const std::set<IpPrefix>& prefixes) {
  V4BlacklistLayout::Plan plan = V4BlacklistLayout().PlanAll(prefixes);
  std::vector<uint32_t> slots, blocks;
  std::vector<sluice_v4_top> tops;
  std::vector<sluice_v4_leaf> leaves;
  for (const auto& [slot, top] : plan.top) {
    slots.push_back(slot);
    tops.push_back(top);
  }
  for (const auto& [block, leaf] : plan.leaves) {
    blocks.push_back(block);
    leaves.push_back(*leaf);   // planned from nothing: no erasures
  }
  absl::Status s = WriteAll(top_fd, slots, tops, "/16 entries");
  return s.ok() ? WriteAll(leaves_fd, blocks, leaves, "/24 leaves") : s;
}

}  // namespace sluice::testing
