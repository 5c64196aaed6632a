// The tables that exist in two generations (VIPs, ARP blacklist, IPv4/IPv6
// source blacklists) and the primitives a Transaction (lb/transaction.h)
// commits with: write a change set into one copy, put keys of one copy back
// to the other's values, flip the generation word, wait a grace period.
// Packets read the generation word once and use that generation's copy of
// every table, so a flip switches them from the whole old state to the whole
// new state at once. Design, guarantees and costs: docs/atomic-commits.md.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "base/grace_period.h"
#include "datapath/xdp/xdp_datapath.h"
#include "sluice/shared.h"

namespace sluice::lb {

enum class GenTable { kVips, kArpBlacklist, kSrcV4Top, kSrcV4Leaves, kSrcBlacklistV6 };

// The key and value type of each table (datapath/include/sluice_kern/lb_maps.h).
template <GenTable T> struct GenTableTypes;
template <> struct GenTableTypes<GenTable::kVips> {
  using Key = sluice_vip_key;   // proto 0: the address marker
  using Value = sluice_vip_meta;
};
template <> struct GenTableTypes<GenTable::kArpBlacklist> {
  using Key = uint32_t;   // the sender's IPv4 address, network order
  using Value = uint8_t;
};
template <> struct GenTableTypes<GenTable::kSrcV4Top> {
  using Key = uint32_t;   // the /16 slot (an array: no erase)
  using Value = sluice_v4_top;
};
template <> struct GenTableTypes<GenTable::kSrcV4Leaves> {
  using Key = uint32_t;   // the /24 block
  using Value = sluice_v4_leaf;
};
template <> struct GenTableTypes<GenTable::kSrcBlacklistV6> {
  using Key = sluice_lpm_v6_key;
  using Value = uint8_t;
};

// One write of a generational table, encoded by Transaction's typed Put and
// Erase (key and value have their table's sizes).
struct TableOp {
  GenTable table;
  bool erase = false;
  std::string key;
  std::string value;   // empty for erase
};

class GenerationalTables {
 public:
  GenerationalTables(const XdpDatapath* datapath, GracePeriod grace)
      : datapath_(datapath), grace_(std::move(grace)) {}
  ~GenerationalTables();
  GenerationalTables(const GenerationalTables&) = delete;
  GenerationalTables& operator=(const GenerationalTables&) = delete;

  // The generation packets use now.
  absl::StatusOr<uint32_t> Active() const;

  // Applies `ops` in order to generation `gen`. On error, *applied says how
  // many leading ops may have been written. Idempotent: applying the same
  // ops again gives the same copy.
  absl::Status Apply(absl::Span<const TableOp> ops, uint32_t gen, size_t* applied) const;

  // Gives every key of `ops` in generation `gen` its value in `from`
  // (present or absent): undoes a partial Apply.
  absl::Status CopyKeys(absl::Span<const TableOp> ops, uint32_t from, uint32_t gen) const;

  // Makes `gen` the generation packets use (one array element update).
  absl::Status Flip(uint32_t gen) const;

  // Waits one grace period: no packet still uses what it read before.
  absl::Status WaitGracePeriod() const { return grace_.Wait(); }

  // The pinned one-word map <pin_dir>/commit_in_flight: 1 from the first
  // write of a commit until both copies are equal again, 0 otherwise.
  absl::Status MarkCommitInFlight(uint32_t in_flight) const;

  // Makes the inactive copy equal to the active one, table by table (after a
  // restart, the inactive copy may hold half of an interrupted commit).
  // Skipped when the commit marker says no commit was under way: the copies
  // are then equal already. Call once, before the first commit.
  absl::Status SyncInactive();

  int Fd(GenTable table, uint32_t gen) const;
  int backends_fd() const { return datapath_->backends_fd(); }

 private:
  // Ops of one table, all updates or all erases.
  absl::Status ApplyRun(absl::Span<const TableOp> run, uint32_t gen) const;
  // Made (with 1: unknown) when the pins predate it.
  absl::Status OpenCommitMarker();

  const XdpDatapath* datapath_;
  GracePeriod grace_;
  int commit_marker_fd_ = -1;
};

}  // namespace sluice::lb
