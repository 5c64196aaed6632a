// Atomic commits over the tables that exist in two generations (VIPs, ARP
// blacklist, IPv4/IPv6 source blacklists; the IPv4 blacklist's record is
// written by LoadBalancer through mmap). Packets read the generation word
// once and use that generation's copy of every table, so flipping the word
// switches them from the whole old state to the whole new state at once.
//
// Commit(ops):
//   1. apply ops to the inactive copy (on error: undo them there, return it:
//      packets never saw anything),
//   2. flip the generation word (one array element update, atomic),
//   3. wait a grace period: no packet still uses the old copy,
//   4. apply the same ops to the old copy, so both are equal again.
// Design, guarantees and costs: docs/atomic-commits.md.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "base/grace_period.h"
#include "datapath/xdp/xdp_datapath.h"

namespace sluice::lb {

enum class GenTable { kVips, kArpBlacklist, kSrcV4Top, kSrcV4Leaves, kSrcBlacklistV6 };

struct TableOp {
  GenTable table;
  bool erase = false;
  std::string key;     // raw key bytes
  std::string value;   // raw value bytes (empty for erase)
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

  // `after_flip` runs after step 3 (packets see only the new state) and
  // before step 4: the place to retire what the old state referenced.
  absl::Status Commit(absl::Span<const TableOp> ops,
                      const std::function<void()>& after_flip = {});

  // Makes the inactive copy equal to the active one, table by table (after a
  // restart, the inactive copy may hold half of an interrupted commit).
  // Skipped when the pinned commit marker says no commit was under way: the
  // copies are then equal already. Call once, before the first Commit.
  absl::Status SyncInactive();

  // Waits one grace period (also used by callers that change non-generational
  // maps and must know no packet still reads the old value).
  absl::Status WaitGracePeriod() const { return grace_.Wait(); }

  int Fd(GenTable table, uint32_t gen) const;

 private:
  // Applies `ops` in order to generation `gen`. On error, *applied says
  // how many leading ops may have been written.
  absl::Status Apply(absl::Span<const TableOp> ops, uint32_t gen, size_t* applied) const;
  // Ops of one table, all updates or all erases, with the same key and
  // value sizes.
  absl::Status ApplyRun(absl::Span<const TableOp> run, uint32_t gen) const;
  // Restores op.key in `gen` to its value in `from` (present or absent).
  absl::Status CopyKey(const TableOp& op, uint32_t from, uint32_t gen) const;

  // The pinned one-word map <pin_dir>/commit_in_flight: 1 from the first
  // write of a commit to its last, 0 otherwise. Made (with 1: unknown) when
  // the pins predate it.
  absl::Status OpenCommitMarker();
  absl::Status MarkCommitInFlight(uint32_t in_flight) const;

  const XdpDatapath* datapath_;
  GracePeriod grace_;
  int commit_marker_fd_ = -1;
};

}  // namespace sluice::lb
