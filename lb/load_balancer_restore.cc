// Rebuilding the LoadBalancer's model from the pinned maps after a restart.
// The active generation is the truth for VIPs and blacklists; the backends
// map says which real serves which VIP with which weight. A backend written
// by a commit that never completed is recognised and dropped (see Restore).
#include <bpf/bpf.h>

#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"
#include "base/bpf_errors.h"
#include "base/maglev.h"
#include "base/map_entries.h"
#include "base/status_macros.h"
#include "lb/load_balancer.h"

namespace sluice::lb {
namespace {

// Calls fn(key, value) for every entry of a hash or LPM map.
template <typename K, typename V, typename Fn>
absl::Status ForEach(int fd, Fn fn) {
  K key{}, next{};
  V value{};
  const K* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    if (bpf_map_lookup_elem(fd, &next, &value) == 0) fn(next, value);
    key = next;
    prev = &key;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status LoadBalancer::Restore() {
  // Half of an interrupted commit may sit in the inactive copy: drop it.
  RETURN_IF_ERROR(tables_.SyncInactive());
  ASSIGN_OR_RETURN(uint32_t gen, tables_.Active());
  RETURN_IF_ERROR(RestoreVips(gen));
  RETURN_IF_ERROR(RestoreBackends());
  RETURN_IF_ERROR(RestoreBlacklist(gen));

  // A weight change whose commit did not complete leaves the table behind
  // the weights: finish it now (the same deterministic build otherwise).
  for (auto& [key, vip] : config_.vips) {
    ASSIGN_OR_RETURN(std::vector<uint32_t> table,
                     BuildMaglevTable(MaglevInputFor(vip), vip.ring_size, options_.hash_seed));
    if (table != ReadRing(vip)) RETURN_IF_ERROR(CommitRing(vip));
  }
  PublishCounterIndex();
  if (!config_.vips.empty() || !config_.prefixes.empty()) {
    fprintf(stderr, "lbd: restored %zu VIPs and %zu blacklisted prefixes from %s\n",
            config_.vips.size(), config_.prefixes.size(),
            datapath_->options().pin_dir.c_str());
  }
  return absl::OkStatus();
}

absl::Status LoadBalancer::RestoreVips(uint32_t gen) {
  return ForEach<sluice_vip_key, sluice_vip_meta>(
      tables_.Fd(GenTable::kVips, gen), [&](const sluice_vip_key& k, const sluice_vip_meta& m) {
        if (k.proto == 0) return;   // an address marker, derived from the VIPs
        VipEntry vip;
        vip.key = VipKey::FromBpf(k);
        vip.hash = (m.flags & SLUICE_VIP_HASH_SOURCE) ? HashMode::kSource : HashMode::kFiveTuple;
        vip.ring_size = m.ring_size;
        vip.vip_id = m.vip_id;
        vip.ring_offset = m.ring_offset;
        vip_ids_.Reserve(vip.vip_id);
        rings_.Reserve(vip.ring_offset, vip.ring_size);
        config_.vips.emplace(vip.key, std::move(vip));
      });
}

absl::Status LoadBalancer::RestoreBackends() {
  std::map<uint32_t, VipEntry*> by_id;
  std::map<uint32_t, std::set<uint32_t>> in_ring;   // vip_id -> backend ids
  for (auto& [key, vip] : config_.vips) {
    by_id[vip.vip_id] = &vip;
    for (uint32_t id : ReadRing(vip)) in_ring[vip.vip_id].insert(id);
  }
  ASSIGN_OR_RETURN(MapEntries all, ReadAllEntries(datapath_->backends_fd()));
  for (size_t i = 0; i < all.size(); ++i) {
    uint32_t id;
    sluice_backend b;
    std::memcpy(&id, all.key(i).data(), sizeof(id));
    std::memcpy(&b, all.value(i).data(), sizeof(b));
    if (!(b.flags & SLUICE_BACKEND_LIVE)) continue;
    auto vip = by_id.find(b.vip_id);
    // A backend is a member once its add committed (COMMITTED) and until its
    // delete starts (which clears COMMITTED before the flip); in between,
    // exactly when the active table names it. Its weight says nothing: a
    // weight change writes the table and the weight in two steps, and
    // Restore below rebuilds the table from the weight (all-old).
    bool member = vip != by_id.end() && ((b.flags & SLUICE_BACKEND_COMMITTED) != 0 ||
                                         in_ring[b.vip_id].count(id) > 0);
    if (!member) {
      RETURN_IF_ERROR(ClearBackend(id));
      continue;
    }
    BackendEntry entry;
    entry.address = IpAddress::FromWords(b.family == SLUICE_FAMILY_V4 ? AF_INET : AF_INET6, b.addr);
    entry.weight = b.weight;
    entry.id = id;
    backend_ids_.Reserve(id);
    NextHopMac& hop = next_hops_[id];
    hop.resolved = b.flags & SLUICE_BACKEND_RESOLVED;
    std::memcpy(hop.mac.data(), b.next_hop_mac, 6);
    vip->second->backends.emplace(entry.address, entry);
    if (!(b.flags & SLUICE_BACKEND_COMMITTED)) {
      RETURN_IF_ERROR(WriteBackend(*vip->second, entry, SLUICE_BACKEND_COMMITTED));
    }
  }
  return absl::OkStatus();
}

absl::Status LoadBalancer::RestoreBlacklist(uint32_t gen) {
  const uint64_t* record = datapath_->v4_record(gen);
  if (record[0] > datapath_->options().max_prefixes) {
    return absl::DataLossError(absl::StrCat("the pinned IPv4 blacklist record claims ", record[0],
                                            " prefixes, more than --max-prefixes"));
  }
  for (uint64_t i = 1; i <= record[0]; ++i) {
    IpPrefix p{V4FromHostOrder(static_cast<uint32_t>(record[i])), static_cast<int>(record[i] >> 32)};
    if (p.length > 32) {
      return absl::DataLossError(absl::StrCat("the pinned IPv4 blacklist record's entry ", i,
                                              " has prefix length ", p.length));
    }
    // The record is written from the sorted set: appending at the end is
    // O(1) (1M prefixes restore in a fraction of the time).
    config_.prefixes.insert(config_.prefixes.end(), p);
    ++v4_prefixes_;
  }
  // The active generation's maps hold this list's layout (written with it).
  v4_layout_.Rebuild(config_.prefixes);
  WriteV4Record(gen ^ 1);
  RETURN_IF_ERROR((ForEach<sluice_lpm_v6_key, uint8_t>(
      tables_.Fd(GenTable::kSrcBlacklistV6, gen), [&](const sluice_lpm_v6_key& k, uint8_t) {
        IpPrefix p;
        p.address.family = AF_INET6;
        std::memcpy(p.address.bytes.data(), k.addr, 16);
        p.length = k.prefixlen;
        config_.prefixes.insert(p);
      })));
  return ForEach<uint32_t, uint8_t>(
      tables_.Fd(GenTable::kArpBlacklist, gen), [&](uint32_t ip, uint8_t) {
        IpAddress a;
        a.family = AF_INET;
        std::memcpy(a.bytes.data(), &ip, 4);
        config_.arp_ips.insert(a);
      });
}

}  // namespace sluice::lb
