#include "lb/testing/datapath_view.h"

#include <bpf/bpf.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/maglev.h"
#include "base/map_entries.h"
#include "datapath/maps/v4_blacklist_layout.h"
#include "lb/load_balancer.h"

namespace sluice::lb::testing {
namespace {

template <typename T>
T As(std::string_view bytes) {
  T v;
  std::memcpy(&v, bytes.data(), sizeof(v));
  return v;
}

std::string VipLine(const VipKey& key, const sluice_vip_meta& m) {
  return absl::StrCat("vip ", key.ToString(), " id ", m.vip_id, " flags ", m.flags, " ring ",
                      m.ring_size, "@", m.ring_offset);
}

void AddRingLines(const VipKey& key, const std::vector<uint32_t>& ring,
                  std::vector<std::string>& lines) {
  std::map<uint32_t, uint32_t> share;
  for (uint32_t id : ring) ++share[id];
  for (const auto& [id, n] : share) {
    lines.push_back(absl::StrCat("ring ", key.ToString(), " backend ", id, " x ", n));
  }
}

std::string BackendLine(uint32_t id, uint32_t vip_id, const IpAddress& a, uint32_t weight,
                        uint32_t flags) {
  return absl::StrCat("backend ", id, " vip ", vip_id, " ", a.ToString(), " weight ", weight,
                      " flags ", flags & (SLUICE_BACKEND_LIVE | SLUICE_BACKEND_COMMITTED));
}

// The IPv4 layout maps' non-empty entries for `plan` applied to empty maps.
void AddLayoutLines(const V4BlacklistLayout::Plan& plan, std::vector<std::string>& lines) {
  for (const auto& [slot, top] : plan.top) {
    if (top.state == SLUICE_V4_TOP_NONE) continue;
    lines.push_back(absl::StrCat("v4top ", slot, " ", top.state, " ", top.blocks[0], ",",
                                 top.blocks[1], ",", top.blocks[2], ",", top.blocks[3]));
  }
  for (const auto& [block, leaf] : plan.leaves) {
    if (!leaf) continue;
    lines.push_back(absl::StrCat("v4leaf ", block, " ", leaf->hosts[0], ",", leaf->hosts[1], ",",
                                 leaf->hosts[2], ",", leaf->hosts[3]));
  }
}

std::string Join(std::vector<std::string> lines) {
  std::sort(lines.begin(), lines.end());
  return absl::StrJoin(lines, "\n") + "\n";
}

std::string Checked(absl::StatusOr<MapEntries>& e) {
  return e.ok() ? "" : absl::StrCat("reading a map: ", e.status().ToString(), "\n");
}

}  // namespace

std::string DescribeDatapath(const XdpDatapath& dp) {
  std::vector<std::string> lines;
  uint32_t key = 0, gen = 0;
  if (bpf_map_lookup_elem(dp.generation_fd(), &key, &gen)) return "cannot read the generation\n";
  const GenerationMaps maps = dp.generation_maps(gen & 1);

  auto vips = ReadAllEntries(maps.vips);
  if (!vips.ok()) return Checked(vips);
  for (size_t i = 0; i < vips->size(); ++i) {
    const VipKey k = VipKey::FromBpf(As<sluice_vip_key>(vips->key(i)));
    const auto meta = As<sluice_vip_meta>(vips->value(i));
    if (As<sluice_vip_key>(vips->key(i)).proto == 0) {
      lines.push_back(absl::StrCat("marker ", k.address.ToString()));
      continue;
    }
    lines.push_back(VipLine(k, meta));
    const uint64_t* start = dp.ring_pool() + meta.ring_offset;
    AddRingLines(k, std::vector<uint32_t>(start, start + meta.ring_size), lines);
  }

  auto backends = ReadAllEntries(dp.backends_fd());
  if (!backends.ok()) return Checked(backends);
  for (size_t i = 0; i < backends->size(); ++i) {
    const auto b = As<sluice_backend>(backends->value(i));
    if (!(b.flags & SLUICE_BACKEND_LIVE)) continue;
    IpAddress a = IpAddress::FromWords(b.family == SLUICE_FAMILY_V4 ? AF_INET : AF_INET6, b.addr);
    lines.push_back(BackendLine(As<uint32_t>(backends->key(i)), b.vip_id, a, b.weight, b.flags));
  }

  const uint64_t* record = dp.v4_record(gen & 1);
  for (uint64_t i = 1; i <= record[0]; ++i) {
    IpPrefix p{V4FromHostOrder(static_cast<uint32_t>(record[i])),
               static_cast<int>(record[i] >> 32)};
    lines.push_back(absl::StrCat("prefix ", p.ToString()));
  }
  auto top = ReadAllEntries(maps.src_v4_top);
  auto leaves = ReadAllEntries(maps.src_v4_leaves);
  if (!top.ok() || !leaves.ok()) return Checked(top) + Checked(leaves);
  V4BlacklistLayout::Plan held;
  for (size_t i = 0; i < top->size(); ++i) {
    held.top.emplace_back(As<uint32_t>(top->key(i)), As<sluice_v4_top>(top->value(i)));
  }
  for (size_t i = 0; i < leaves->size(); ++i) {
    held.leaves.emplace_back(As<uint32_t>(leaves->key(i)), As<sluice_v4_leaf>(leaves->value(i)));
  }
  AddLayoutLines(held, lines);

  auto v6 = ReadAllEntries(maps.src_blacklist_v6);
  if (!v6.ok()) return Checked(v6);
  for (size_t i = 0; i < v6->size(); ++i) {
    const auto k = As<sluice_lpm_v6_key>(v6->key(i));
    IpPrefix p;
    p.address.family = AF_INET6;
    std::memcpy(p.address.bytes.data(), k.addr, 16);
    p.length = k.prefixlen;
    lines.push_back(absl::StrCat("prefix ", p.ToString()));
  }
  auto arp = ReadAllEntries(maps.arp_blacklist);
  if (!arp.ok()) return Checked(arp);
  for (size_t i = 0; i < arp->size(); ++i) {
    IpAddress a;
    a.family = AF_INET;
    std::memcpy(a.bytes.data(), arp->key(i).data(), 4);
    lines.push_back(absl::StrCat("arp ", a.ToString()));
  }
  return Join(std::move(lines));
}

std::string DescribeModel(const LbConfig& config, uint64_t hash_seed) {
  std::vector<std::string> lines;
  std::set<IpAddress> addresses;
  for (const auto& [key, vip] : config.vips) {
    addresses.insert(key.address);
    lines.push_back(VipLine(key, vip.ToBpfMeta()));
    auto ring = BuildMaglevTable(MaglevInputFor(vip), vip.ring_size, hash_seed);
    if (!ring.ok()) return absl::StrCat("building a ring: ", ring.status().ToString(), "\n");
    AddRingLines(key, *ring, lines);
    for (const auto& [address, b] : vip.backends) {
      lines.push_back(BackendLine(b.id, vip.vip_id, address, b.weight,
                                  SLUICE_BACKEND_LIVE | SLUICE_BACKEND_COMMITTED));
    }
  }
  for (const IpAddress& a : addresses) lines.push_back(absl::StrCat("marker ", a.ToString()));
  for (const IpPrefix& p : config.prefixes) lines.push_back(absl::StrCat("prefix ", p.ToString()));
  AddLayoutLines(V4BlacklistLayout().PlanAll(config.prefixes), lines);
  for (const IpAddress& a : config.arp_ips) lines.push_back(absl::StrCat("arp ", a.ToString()));
  return Join(std::move(lines));
}

std::string GenerationDifferences(const XdpDatapath& dp) {
  auto tables = [](const GenerationMaps& m) {
    return std::vector<int>{m.vips, m.arp_blacklist, m.src_v4_top, m.src_v4_leaves,
                            m.src_blacklist_v6};
  };
  const char* kNames[] = {"vips", "arp_blacklist", "src_v4_top", "src_v4_leaves",
                          "src_blacklist_v6"};
  const std::vector<int> gen0 = tables(dp.generation_maps(0));
  const std::vector<int> gen1 = tables(dp.generation_maps(1));
  std::string out;
  for (size_t t = 0; t < gen0.size(); ++t) {
    auto a = ReadAllEntries(gen0[t]);
    auto b = ReadAllEntries(gen1[t]);
    if (!a.ok() || !b.ok()) return Checked(a) + Checked(b);
    auto sorted = [](const MapEntries& e) {
      std::set<std::pair<std::string, std::string>> entries;
      for (size_t i = 0; i < e.size(); ++i) entries.emplace(e.key(i), e.value(i));
      return entries;
    };
    if (sorted(*a) != sorted(*b)) absl::StrAppend(&out, kNames[t], " differs; ");
  }
  return out;
}

}  // namespace sluice::lb::testing
