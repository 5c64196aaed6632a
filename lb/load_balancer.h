// The XDP load balancer's control logic: validates changes against the
// model, plans them as map writes, commits them atomically, and keeps the
// model equal to what the datapath runs. Restores itself from the pinned
// maps when lbd restarts (no state file: the maps are the truth).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "base/id_allocator.h"
#include "base/maglev.h"
#include "base/ring_allocator.h"
#include "datapath/maps/v4_blacklist_layout.h"
#include "datapath/xdp/xdp_datapath.h"
#include "lb/generational_tables.h"
#include "lb/lb_config.h"
#include "lb/next_hop_log.h"
#include "lb/transaction.h"

namespace sluice::lb {

struct NextHopMac {
  bool resolved = false;
  std::array<uint8_t, 6> mac{};
};
// Finds the MAC of the next hop towards a backend (netlink in lbd).
using NextHopResolver = std::function<absl::StatusOr<NextHopMac>(const IpAddress&)>;

struct LoadBalancerOptions {
  uint64_t hash_seed = 0x5105e5eedULL;   // the same on every LB instance
  uint32_t default_ring_size = 65537;
  uint32_t max_frame_len = 1514;        // bigger encapsulated frames drop
  IpPrefix encap_src_v4;                // outer source prefix (host bits: flow hash)
  IpPrefix encap_src_v6;
};

struct BackendView {
  BackendEntry backend;
  NextHopMac next_hop;
  uint32_t ring_entries = 0;
};

struct BlacklistCounts {
  uint64_t prefixes = 0;
  uint64_t arp_ips = 0;
};

struct BlacklistChange {
  std::vector<IpPrefix> prefixes;
  std::vector<IpAddress> arp_ips;
};

// The Maglev builder's input for a VIP's backends (key: the address bytes).
std::vector<MaglevBackend> MaglevInputFor(const VipEntry& vip);

class LoadBalancer {
 public:
  static absl::StatusOr<std::unique_ptr<LoadBalancer>> Create(
      XdpDatapath* datapath, GracePeriod grace, LoadBalancerOptions options,
      NextHopResolver resolver);

  absl::Status AddVip(const VipKey& key, HashMode hash, uint32_t ring_size);
  absl::Status DeleteVip(const VipKey& key);
  std::vector<VipEntry> ListVips() const;

  absl::Status AddBackend(const VipKey& vip, const IpAddress& address, uint32_t weight);
  absl::Status DeleteBackend(const VipKey& vip, const IpAddress& address);
  absl::Status SetBackendWeight(const VipKey& vip, const IpAddress& address, uint32_t weight);
  absl::StatusOr<std::vector<BackendView>> ListBackends(const VipKey& vip) const;

  absl::StatusOr<BlacklistCounts> AddToBlacklist(const BlacklistChange& change);
  absl::StatusOr<BlacklistCounts> DeleteFromBlacklist(const BlacklistChange& change);
  absl::StatusOr<BlacklistCounts> ReplaceBlacklist(const BlacklistChange& list);
  BlacklistChange ListBlacklist() const;

  // Re-resolves every backend's next hop and rewrites the ones that changed
  // (called on netlink route/neighbour events and periodically).
  void RefreshNextHops();

  // A consistent copy of the whole configuration (tests compare it with the
  // maps). Waits for a commit under way.
  LbConfig Snapshot() const;

  // The counter ids as of the last applied change, for Stats and /metrics:
  // takes neither the commit mutex nor a copy of the configuration, so a
  // scrape neither waits for a commit nor copies the blacklist.
  std::shared_ptr<const CounterIndex> Counters() const;

  // Commit steps that failed after their flip: repaired by a retry, or
  // still waiting for the next commit (docs/atomic-commits.md).
  CommitRepairCounts RepairCounts() const;

 private:
  LoadBalancer(XdpDatapath* datapath, GracePeriod grace, LoadBalancerOptions options,
               NextHopResolver resolver);
  absl::Status WriteConfig();
  absl::Status Restore();
  absl::Status RestoreVips(uint32_t gen);
  absl::Status RestoreBackends();
  absl::Status RestoreBlacklist(uint32_t gen);

  Transaction NewTransaction() { return Transaction(&tables_, &repairs_); }
  // Writes the Maglev table of `vip` (with its backends as given) into a
  // fresh ring region. Returns the region's offset.
  absl::StatusOr<uint32_t> WriteRing(const VipEntry& vip);
  std::vector<uint32_t> ReadRing(const VipEntry& vip) const;
  // The backends map record of `b` (a member of `vip`).
  sluice_backend BackendRecord(const VipEntry& vip, const BackendEntry& b,
                               uint8_t extra_flags) const;
  absl::Status WriteBackend(const VipEntry& vip, const BackendEntry& b, uint8_t extra_flags);
  absl::Status ClearBackend(uint32_t id);
  // Adds to `txn` the switch of `vip` (already holding the new backend set)
  // to a fresh ring, whose region it frees if `txn` does not apply (and the
  // old one after the grace period if it does). Sets vip.ring_offset.
  absl::Status PlanRing(VipEntry& vip, Transaction& txn);
  // Builds `vip`'s ring again and commits it.
  absl::Status CommitRing(VipEntry& vip);
  absl::Status CheckBlacklistCapacity(uint64_t v4, uint64_t v6, uint64_t arp) const;
  // Commits `txn` (the IPv6 and ARP writes) with the IPv4 layout `plan`;
  // config_.prefixes already holds the new list (the caller puts the old one
  // back if this fails: then nothing changed).
  absl::Status CommitBlacklist(Transaction& txn, const V4BlacklistLayout::Plan& plan);
  // Writes the IPv4 prefixes of config_ into generation `gen`'s record.
  void WriteV4Record(uint32_t gen) const;
  NextHopMac Resolve(const IpAddress& address);
  bool HasVipOn(const IpAddress& address) const;
  absl::StatusOr<VipEntry*> FindVip(const VipKey& key);   // NOT_FOUND names it
  static absl::StatusOr<BackendEntry*> FindBackend(VipEntry& vip, const IpAddress& address);
  BlacklistCounts Counts() const;
  // Publishes the counter ids of config_ (after a change of VIPs or backends).
  void PublishCounterIndex();

  XdpDatapath* datapath_;
  GenerationalTables tables_;
  LoadBalancerOptions options_;
  NextHopResolver resolver_;

  mutable std::mutex mu_;   // one commit at a time; guards everything below
  LbConfig config_;
  uint64_t v4_prefixes_ = 0;   // IPv4 entries of config_.prefixes
  V4BlacklistLayout v4_layout_;   // what the IPv4 blacklist maps hold
  std::map<uint32_t, NextHopMac> next_hops_;   // by backend id
  NextHopLog next_hop_log_;
  IdAllocator vip_ids_;
  IdAllocator backend_ids_;
  RingAllocator rings_;
  CommitRepairs repairs_;   // what applied commits still owe

  mutable std::mutex counter_index_mu_;   // held only to copy the pointer
  std::shared_ptr<const CounterIndex> counter_index_ = std::make_shared<CounterIndex>();
};

}  // namespace sluice::lb
