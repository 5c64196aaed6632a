#include "lb/load_balancer.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "absl/strings/str_cat.h"
#include "base/bpf_errors.h"
#include "base/maglev.h"
#include "base/status_macros.h"
#include "datapath/maps/percpu_counters.h"
#include "datapath/xdp/lb_xdp_maps.h"

namespace sluice::lb {
namespace {

// The address marker of `address` (sluice_vip_key with port 0 and proto 0).
sluice_vip_key AddressMarker(const IpAddress& address) { return VipKey{address, 0, 0}.ToBpf(); }

void AddLayoutWrites(const V4BlacklistLayout::Plan& plan, Transaction& txn) {
  for (const auto& [slot, top] : plan.top) txn.Put<GenTable::kSrcV4Top>(slot, top);
  for (const auto& [block, leaf] : plan.leaves) {
    if (leaf) {
      txn.Put<GenTable::kSrcV4Leaves>(block, *leaf);
    } else {
      txn.Erase<GenTable::kSrcV4Leaves>(block);
    }
  }
}

}  // namespace

std::vector<MaglevBackend> MaglevInputFor(const VipEntry& vip) {
  std::vector<MaglevBackend> in;
  for (const auto& [address, b] : vip.backends) {
    in.push_back({b.id, std::string(reinterpret_cast<const char*>(address.bytes.data()), 16),
                  b.weight});
  }
  return in;
}

LoadBalancer::LoadBalancer(XdpDatapath* datapath, GracePeriod grace,
                           LoadBalancerOptions options, NextHopResolver resolver)
    : datapath_(datapath),
      tables_(datapath, std::move(grace)),
      options_(std::move(options)),
      resolver_(std::move(resolver)),
      vip_ids_(datapath->options().max_vips, "VIP ids"),
      backend_ids_(datapath->options().max_backends, "backend ids"),
      rings_(datapath->options().ring_pool_entries) {}

absl::StatusOr<std::unique_ptr<LoadBalancer>> LoadBalancer::Create(
    XdpDatapath* datapath, GracePeriod grace, LoadBalancerOptions options,
    NextHopResolver resolver) {
  std::unique_ptr<LoadBalancer> lb(
      new LoadBalancer(datapath, std::move(grace), std::move(options), std::move(resolver)));
  RETURN_IF_ERROR(lb->WriteConfig());
  RETURN_IF_ERROR(lb->Restore());
  return lb;
}

absl::Status LoadBalancer::WriteConfig() {
  sluice_config c = XdpConfigValue(options_.hash_seed, options_.max_frame_len,
                                   options_.encap_src_v4, options_.encap_src_v6);
  uint32_t key = 0;
  return BpfStatus(bpf_map_update_elem(datapath_->config_fd(), &key, &c, BPF_ANY),
                   "writing the datapath configuration");
}

// ---- VIPs -----------------------------------------------------------------

absl::Status LoadBalancer::AddVip(const VipKey& key, HashMode hash, uint32_t ring_size) {
  std::lock_guard<std::mutex> lock(mu_);
  if (config_.vips.count(key)) {
    return absl::AlreadyExistsError(absl::StrCat("vip ", key.ToString(), " already exists"));
  }
  if (ring_size == 0) ring_size = options_.default_ring_size;
  if (!IsPrime(ring_size) || ring_size > kMaxMaglevTableSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("ring_size: ", ring_size, " is not a prime <= ", kMaxMaglevTableSize));
  }
  // Every ring must stay rewritable however full the pool gets.
  RETURN_IF_ERROR(rings_.CheckRoomForNewRing(ring_size));
  VipEntry vip;
  vip.key = key;
  vip.hash = hash;
  vip.ring_size = ring_size;
  ASSIGN_OR_RETURN(vip.vip_id, vip_ids_.Allocate());
  auto ring = WriteRing(vip);
  if (!ring.ok()) {
    vip_ids_.Free(vip.vip_id);
    return ring.status();
  }
  vip.ring_offset = *ring;
  ResetPerCpuCounter(datapath_->vip_counters_fd(), vip.vip_id).IgnoreError();

  Transaction txn = NewTransaction();
  txn.Put<GenTable::kVips>(key.ToBpf(), vip.ToBpfMeta());
  if (!HasVipOn(key.address)) txn.Put<GenTable::kVips>(AddressMarker(key.address), {});
  txn.OnAbort([this, id = vip.vip_id, offset = vip.ring_offset, size = vip.ring_size] {
    rings_.Free(offset, size);
    vip_ids_.Free(id);
  });
  RETURN_IF_ERROR(std::move(txn).Commit());
  config_.vips.emplace(key, std::move(vip));
  PublishCounterIndex();
  return absl::OkStatus();
}

absl::Status LoadBalancer::DeleteVip(const VipKey& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = config_.vips.find(key);
  if (it == config_.vips.end()) {
    return absl::NotFoundError(absl::StrCat("vip ", key.ToString(), " does not exist"));
  }
  const VipEntry& vip = it->second;
  Transaction txn = NewTransaction();
  txn.Erase<GenTable::kVips>(key.ToBpf());
  bool last_on_address = std::next(config_.vips.lower_bound({key.address, 0, 0})) ==
                             config_.vips.upper_bound({key.address, 0xffff, 0xff});
  if (last_on_address) txn.Erase<GenTable::kVips>(AddressMarker(key.address));
  // After the grace period no packet reads the VIP: its backends and ring retire.
  for (const auto& [address, b] : vip.backends) {
    txn.RetireBackend(b.id, [this, id = b.id] {
      backend_ids_.Free(id);
      next_hops_.erase(id);
    });
  }
  txn.Retire([this, offset = vip.ring_offset, size = vip.ring_size, id = vip.vip_id] {
    rings_.Free(offset, size);
    vip_ids_.Free(id);
  });
  RETURN_IF_ERROR(std::move(txn).Commit());
  config_.vips.erase(it);
  PublishCounterIndex();
  return absl::OkStatus();
}

absl::StatusOr<VipEntry*> LoadBalancer::FindVip(const VipKey& key) {
  auto it = config_.vips.find(key);
  if (it == config_.vips.end()) {
    return absl::NotFoundError(absl::StrCat("vip ", key.ToString(), " does not exist"));
  }
  return &it->second;
}

absl::StatusOr<BackendEntry*> LoadBalancer::FindBackend(VipEntry& vip,
                                                        const IpAddress& address) {
  auto b = vip.backends.find(address);
  if (b == vip.backends.end()) {
    return absl::NotFoundError(absl::StrCat("backend ", address.ToString(),
                                            " is not on vip ", vip.key.ToString()));
  }
  return &b->second;
}

bool LoadBalancer::HasVipOn(const IpAddress& address) const {
  auto it = config_.vips.lower_bound({address, 0, 0});
  return it != config_.vips.end() && it->first.address == address;
}

std::vector<VipEntry> LoadBalancer::ListVips() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<VipEntry> out;
  for (const auto& [key, vip] : config_.vips) out.push_back(vip);
  return out;
}

// ---- Backends -------------------------------------------------------------

absl::StatusOr<uint32_t> LoadBalancer::WriteRing(const VipEntry& vip) {
  ASSIGN_OR_RETURN(std::vector<uint32_t> table,
                   BuildMaglevTable(MaglevInputFor(vip), vip.ring_size, options_.hash_seed));
  ASSIGN_OR_RETURN(uint32_t offset, rings_.Allocate(vip.ring_size));
  // The region is not referenced by any VIP yet, so plain stores are safe;
  // the commit's map update (a syscall) orders them before the VIP points
  // here.
  std::copy(table.begin(), table.end(), datapath_->ring_pool() + offset);
  return offset;
}

std::vector<uint32_t> LoadBalancer::ReadRing(const VipEntry& vip) const {
  const uint64_t* start = datapath_->ring_pool() + vip.ring_offset;
  return std::vector<uint32_t>(start, start + vip.ring_size);
}

sluice_backend LoadBalancer::BackendRecord(const VipEntry& vip, const BackendEntry& b,
                                           uint8_t extra_flags) const {
  auto hop = next_hops_.find(b.id);
  const bool resolved = hop != next_hops_.end() && hop->second.resolved;
  return BackendValue(
      b.address, SLUICE_BACKEND_LIVE | extra_flags | (resolved ? SLUICE_BACKEND_RESOLVED : 0),
      resolved ? hop->second.mac : std::array<uint8_t, 6>{}, vip.vip_id, b.weight);
}

absl::Status LoadBalancer::WriteBackend(const VipEntry& vip, const BackendEntry& b,
                                        uint8_t extra_flags) {
  sluice_backend v = BackendRecord(vip, b, extra_flags);
  return BpfStatus(bpf_map_update_elem(datapath_->backends_fd(), &b.id, &v, BPF_ANY),
                   absl::StrCat("writing backend ", b.address.ToString()));
}

absl::Status LoadBalancer::ClearBackend(uint32_t id) {
  sluice_backend v{};
  return BpfStatus(bpf_map_update_elem(datapath_->backends_fd(), &id, &v, BPF_ANY),
                   "clearing a backend");
}

absl::Status LoadBalancer::PlanRing(VipEntry& vip, Transaction& txn) {
  const uint32_t old_offset = vip.ring_offset;
  ASSIGN_OR_RETURN(uint32_t offset, WriteRing(vip));
  vip.ring_offset = offset;
  txn.Put<GenTable::kVips>(vip.key.ToBpf(), vip.ToBpfMeta());
  txn.Retire([this, old_offset, size = vip.ring_size] { rings_.Free(old_offset, size); });
  txn.OnAbort([this, offset, size = vip.ring_size] { rings_.Free(offset, size); });
  return absl::OkStatus();
}

absl::Status LoadBalancer::CommitRing(VipEntry& vip) {
  VipEntry next = vip;
  Transaction txn = NewTransaction();
  RETURN_IF_ERROR(PlanRing(next, txn));
  RETURN_IF_ERROR(std::move(txn).Commit());
  vip = std::move(next);
  return absl::OkStatus();
}

NextHopMac LoadBalancer::Resolve(const IpAddress& address) {
  if (!resolver_) return {};
  auto hop = resolver_(address);
  if (!hop.ok()) {
    next_hop_log_.Unresolved(address, hop.status());
    return {};
  }
  if (hop->resolved) next_hop_log_.Resolved(address);
  return *hop;
}

absl::Status LoadBalancer::AddBackend(const VipKey& key, const IpAddress& address,
                                      uint32_t weight) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(VipEntry* vip_entry, FindVip(key));
  VipEntry& vip = *vip_entry;
  if (vip.backends.count(address)) {
    return absl::AlreadyExistsError(absl::StrCat("backend ", address.ToString(),
                                                 " already exists on vip ", key.ToString()));
  }
  if (!key.address.is_v4() && address.is_v4()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "backend.address: IPv4 backend ", address.ToString(), " cannot serve IPv6 vip ",
        key.ToString(), " (IPv6 cannot be carried in IPv4)"));
  }
  ASSIGN_OR_RETURN(uint32_t id, backend_ids_.Allocate());
  BackendEntry b{address, weight, id};
  next_hops_[id] = Resolve(address);
  ResetPerCpuCounter(datapath_->backend_counters_fd(), id).IgnoreError();
  auto release = [this, id] {
    next_hops_.erase(id);
    backend_ids_.Free(id);
  };

  VipEntry next = vip;
  next.backends.emplace(address, b);
  Transaction txn = NewTransaction();
  if (absl::Status s = PlanRing(next, txn); !s.ok()) {
    release();
    return s;
  }
  txn.OnAbort(release);
  // Live before the flip (nothing references the id yet), COMMITTED after.
  txn.WriteBackendBeforeFlip(id, BackendRecord(next, b, 0), sluice_backend{});
  txn.WriteBackendAfterFlip(id, BackendRecord(next, b, SLUICE_BACKEND_COMMITTED));
  RETURN_IF_ERROR(std::move(txn).Commit());
  vip = std::move(next);
  PublishCounterIndex();
  return absl::OkStatus();
}

absl::Status LoadBalancer::DeleteBackend(const VipKey& key, const IpAddress& address) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(VipEntry* vip_entry, FindVip(key));
  VipEntry& vip = *vip_entry;
  ASSIGN_OR_RETURN(BackendEntry* b, FindBackend(vip, address));
  const BackendEntry removed = *b;
  VipEntry next = vip;
  next.backends.erase(address);
  Transaction txn = NewTransaction();
  RETURN_IF_ERROR(PlanRing(next, txn));
  // Leaving: from here a restart keeps it only while the active table names
  // it (see RestoreBackends), so a crash restores all-old or all-new.
  txn.WriteBackendBeforeFlip(removed.id, BackendRecord(vip, removed, 0),
                             BackendRecord(vip, removed, SLUICE_BACKEND_COMMITTED));
  // The new table no longer names it; established flows that still do find
  // it dead and are re-balanced ("a removed backend takes nothing").
  txn.RetireBackend(removed.id, [this, id = removed.id] {
    next_hops_.erase(id);
    backend_ids_.Free(id);
  });
  RETURN_IF_ERROR(std::move(txn).Commit());
  vip = std::move(next);
  PublishCounterIndex();
  return absl::OkStatus();
}

absl::Status LoadBalancer::SetBackendWeight(const VipKey& key, const IpAddress& address,
                                            uint32_t weight) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(VipEntry* vip_entry, FindVip(key));
  VipEntry& vip = *vip_entry;
  RETURN_IF_ERROR(FindBackend(vip, address).status());
  VipEntry next = vip;
  BackendEntry& b = next.backends.at(address);
  b.weight = weight;
  Transaction txn = NewTransaction();
  RETURN_IF_ERROR(PlanRing(next, txn));
  // The weight after the table: a restart that finds the table behind the
  // weights rebuilds it (Restore), so a crash restores all-old or all-new.
  txn.WriteBackendAfterFlip(b.id, BackendRecord(next, b, SLUICE_BACKEND_COMMITTED));
  RETURN_IF_ERROR(std::move(txn).Commit());
  vip = std::move(next);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<BackendView>> LoadBalancer::ListBackends(const VipKey& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = config_.vips.find(key);
  if (it == config_.vips.end()) {
    return absl::NotFoundError(absl::StrCat("vip ", key.ToString(), " does not exist"));
  }
  std::map<uint32_t, uint32_t> entries;
  for (uint32_t id : ReadRing(it->second)) ++entries[id];
  std::vector<BackendView> out;
  for (const auto& [address, b] : it->second.backends) {
    BackendView v;
    v.backend = b;
    auto hop = next_hops_.find(b.id);
    if (hop != next_hops_.end()) v.next_hop = hop->second;
    v.ring_entries = entries[b.id];
    out.push_back(v);
  }
  return out;
}

void LoadBalancer::RefreshNextHops() {
  std::lock_guard<std::mutex> lock(mu_);
  // A real behind several VIPs has one backend id per VIP: resolve it once.
  std::map<IpAddress, NextHopMac> resolved;
  for (const auto& [key, vip] : config_.vips) {
    for (const auto& [address, b] : vip.backends) {
      auto found = resolved.find(address);
      if (found == resolved.end()) found = resolved.emplace(address, Resolve(address)).first;
      const NextHopMac& hop = found->second;
      NextHopMac& known = next_hops_[b.id];
      if (hop.resolved == known.resolved && hop.mac == known.mac) continue;
      known = hop;
      // One element update: packets see the old or the new MAC.
      absl::Status s = WriteBackend(vip, b, SLUICE_BACKEND_COMMITTED);
      if (!s.ok()) fprintf(stderr, "lbd: %s\n", std::string(s.message()).c_str());
    }
  }
  next_hop_log_.ForgetUnused([&](const IpAddress& a) { return resolved.count(a) > 0; });
}

// ---- Blacklist ------------------------------------------------------------

BlacklistCounts LoadBalancer::Counts() const {
  return {config_.prefixes.size(), config_.arp_ips.size()};
}

absl::Status LoadBalancer::CheckBlacklistCapacity(uint64_t v4, uint64_t v6, uint64_t arp) const {
  uint64_t max = datapath_->options().max_prefixes;
  if (v4 > max || v6 > max) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "prefixes: the blacklist holds at most ", max, " prefixes per family"));
  }
  if (arp > datapath_->options().max_arp_entries) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "arp_ips: the ARP blacklist holds at most ", datapath_->options().max_arp_entries));
  }
  return absl::OkStatus();
}

void LoadBalancer::WriteV4Record(uint32_t gen) const {
  uint64_t* record = datapath_->v4_record(gen);
  uint64_t n = 0;
  for (auto it = config_.prefixes.begin(); it != config_.prefixes.end() && it->address.is_v4(); ++it) {
    record[++n] = SLUICE_V4_RECORD_ENTRY(V4HostOrder(it->address), it->length);
  }
  record[0] = n;
}

// config_.prefixes already holds the new list. Commits `txn` plus the
// layout `plan`, writing the record of the generation packets switch to
// before the switch (a restart reads the active generation's record).
absl::Status LoadBalancer::CommitBlacklist(Transaction& txn, const V4BlacklistLayout::Plan& plan) {
  if (plan.leaves_after > datapath_->options().max_prefixes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "prefixes: the IPv4 prefixes longer than /16 would cover ", plan.leaves_after,
        " /24 blocks; the blacklist holds at most ", datapath_->options().max_prefixes,
        " (lbd --max-prefixes)"));
  }
  AddLayoutWrites(plan, txn);
  ASSIGN_OR_RETURN(uint32_t active, tables_.Active());
  WriteV4Record(active ^ 1);
  // Not applied: the inactive record gets the active one's list back (any
  // later commit may flip to it, and a restart reads the active record).
  txn.OnAbort([this, active] {
    const uint64_t* from = datapath_->v4_record(active);
    std::copy(from, from + from[0] + 1, datapath_->v4_record(active ^ 1));
  });
  RETURN_IF_ERROR(std::move(txn).Commit());
  v4_layout_.Accept(plan);
  WriteV4Record(active);
  return absl::OkStatus();
}

// Add and delete build their ops from the change alone (not from a copy of
// the whole list), so a small edit of a large list is a small commit.
absl::StatusOr<BlacklistCounts> LoadBalancer::AddToBlacklist(const BlacklistChange& change) {
  std::lock_guard<std::mutex> lock(mu_);
  std::set<IpPrefix> new_prefixes;
  std::set<IpAddress> new_arp;
  Transaction txn = NewTransaction();
  uint64_t v4 = v4_prefixes_, v6 = config_.prefixes.size() - v4_prefixes_;
  for (const IpPrefix& p : change.prefixes) {
    if (config_.prefixes.count(p) || !new_prefixes.insert(p).second) continue;
    (p.address.is_v4() ? v4 : v6) += 1;
    if (!p.address.is_v4()) txn.Put<GenTable::kSrcBlacklistV6>(V6BlacklistKey(p), kBlacklisted);
  }
  std::vector<IpPrefix> added(new_prefixes.begin(), new_prefixes.end());
  for (const IpAddress& a : change.arp_ips) {
    if (config_.arp_ips.count(a) || !new_arp.insert(a).second) continue;
    txn.Put<GenTable::kArpBlacklist>(ArpBlacklistKey(a), kBlacklisted);
  }
  RETURN_IF_ERROR(CheckBlacklistCapacity(v4, v6, config_.arp_ips.size() + new_arp.size()));
  config_.prefixes.insert(added.begin(), added.end());
  absl::Status status = CommitBlacklist(txn, v4_layout_.PlanChange(config_.prefixes, added));
  if (!status.ok()) {
    for (const IpPrefix& p : added) config_.prefixes.erase(p);
    return status;
  }
  config_.arp_ips.insert(new_arp.begin(), new_arp.end());
  v4_prefixes_ = v4;
  return Counts();
}

absl::StatusOr<BlacklistCounts> LoadBalancer::DeleteFromBlacklist(const BlacklistChange& change) {
  std::lock_guard<std::mutex> lock(mu_);
  std::set<IpPrefix> gone_prefixes;
  std::set<IpAddress> gone_arp;
  Transaction txn = NewTransaction();
  uint64_t v4 = v4_prefixes_;
  for (const IpPrefix& p : change.prefixes) {
    if (!config_.prefixes.count(p)) {
      return absl::NotFoundError(absl::StrCat("prefixes: ", p.ToString(), " is not blacklisted"));
    }
    if (!gone_prefixes.insert(p).second) continue;
    v4 -= p.address.is_v4();
    if (!p.address.is_v4()) txn.Erase<GenTable::kSrcBlacklistV6>(V6BlacklistKey(p));
  }
  std::vector<IpPrefix> gone(gone_prefixes.begin(), gone_prefixes.end());
  for (const IpAddress& a : change.arp_ips) {
    if (!config_.arp_ips.count(a)) {
      return absl::NotFoundError(absl::StrCat("arp_ips: ", a.ToString(), " is not blacklisted"));
    }
    if (gone_arp.insert(a).second) txn.Erase<GenTable::kArpBlacklist>(ArpBlacklistKey(a));
  }
  for (const IpPrefix& p : gone) config_.prefixes.erase(p);
  absl::Status status = CommitBlacklist(txn, v4_layout_.PlanChange(config_.prefixes, gone));
  if (!status.ok()) {
    config_.prefixes.insert(gone.begin(), gone.end());
    return status;
  }
  for (const IpAddress& a : gone_arp) config_.arp_ips.erase(a);
  v4_prefixes_ = v4;
  return Counts();
}

absl::StatusOr<BlacklistCounts> LoadBalancer::ReplaceBlacklist(const BlacklistChange& list) {
  std::lock_guard<std::mutex> lock(mu_);
  std::set<IpPrefix> prefixes(list.prefixes.begin(), list.prefixes.end());
  std::set<IpAddress> arp_ips(list.arp_ips.begin(), list.arp_ips.end());
  uint64_t v4 = 0;
  for (const IpPrefix& p : prefixes) v4 += p.address.is_v4();
  RETURN_IF_ERROR(CheckBlacklistCapacity(v4, prefixes.size() - v4, arp_ips.size()));
  Transaction txn = NewTransaction();
  for (const IpPrefix& p : config_.prefixes) {
    if (!p.address.is_v4() && !prefixes.count(p)) txn.Erase<GenTable::kSrcBlacklistV6>(V6BlacklistKey(p));
  }
  for (const IpPrefix& p : prefixes) {
    if (!p.address.is_v4() && !config_.prefixes.count(p)) {
      txn.Put<GenTable::kSrcBlacklistV6>(V6BlacklistKey(p), kBlacklisted);
    }
  }
  for (const IpAddress& a : config_.arp_ips) {
    if (!arp_ips.count(a)) txn.Erase<GenTable::kArpBlacklist>(ArpBlacklistKey(a));
  }
  for (const IpAddress& a : arp_ips) {
    if (!config_.arp_ips.count(a)) txn.Put<GenTable::kArpBlacklist>(ArpBlacklistKey(a), kBlacklisted);
  }
  V4BlacklistLayout::Plan plan = v4_layout_.PlanAll(prefixes);
  config_.prefixes.swap(prefixes);
  absl::Status status = CommitBlacklist(txn, plan);
  if (!status.ok()) {
    config_.prefixes.swap(prefixes);
    return status;
  }
  config_.arp_ips = std::move(arp_ips);
  v4_prefixes_ = v4;
  return Counts();
}

BlacklistChange LoadBalancer::ListBlacklist() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {std::vector<IpPrefix>(config_.prefixes.begin(), config_.prefixes.end()),
          std::vector<IpAddress>(config_.arp_ips.begin(), config_.arp_ips.end())};
}

void LoadBalancer::PublishCounterIndex() {
  auto index = std::make_shared<CounterIndex>();
  for (const auto& [key, vip] : config_.vips) {
    CounterIndex::Vip& v = index->vips.emplace_back();
    v.key = key;
    v.vip_id = vip.vip_id;
    for (const auto& [address, b] : vip.backends) v.backend_ids.emplace(address, b.id);
  }
  std::lock_guard<std::mutex> lock(counter_index_mu_);
  counter_index_ = std::move(index);
}

std::shared_ptr<const CounterIndex> LoadBalancer::Counters() const {
  std::lock_guard<std::mutex> lock(counter_index_mu_);
  return counter_index_;
}

LbConfig LoadBalancer::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return config_;
}

CommitRepairCounts LoadBalancer::RepairCounts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return repairs_.counts();
}

}  // namespace sluice::lb
