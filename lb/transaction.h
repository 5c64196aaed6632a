// One commit of the XDP load balancer, from its parts to its outcome:
//
//   Transaction txn(&tables, &repairs);
//   txn.WriteBackendBeforeFlip(id, record, undo);   // maps the flip makes reachable
//   txn.Put<GenTable::kVips>(key, meta);            // typed writes of the generational tables
//   txn.WriteBackendAfterFlip(id, committed);       // what restore reads after the flip
//   txn.RetireBackend(id, free_id);                 // after the grace period
//   txn.Retire(free_ring);  txn.OnAbort(release);
//   absl::Status applied = std::move(txn).Commit();
//
// Commit has exactly two outcomes:
//   - an error: NOT APPLIED, nothing changed. Packets never saw any of it;
//     the pre-flip writes and the inactive copy were put back (an undo that
//     fails even when retried waits like the steps below), OnAbort
//     callbacks ran. The error names the step that failed.
//   - OK: APPLIED. The generation flipped and packets use the new state. A
//     later step that fails (an after-flip write, the grace period, a
//     retirement, bringing the old copy up to date) is retried here; one
//     that still fails waits in CommitRepairs and runs before the next
//     commit, which is refused (nothing changed) while it keeps failing.
//     Retire callbacks run only after a completed grace period.
// Counted: CommitRepairs::counts() (lbd's /metrics, docs/atomic-commits.md).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "lb/generational_tables.h"
#include "sluice/shared.h"

namespace sluice::lb {

struct CommitRepairCounts {
  uint64_t repaired = 0;   // steps that failed and succeeded on a retry
  uint64_t pending = 0;    // steps still waiting (their commit applied)
};

// The steps of applied commits that have not succeeded yet (in order), and
// the counts. Owned by the committer; outlives its transactions.
class CommitRepairs {
 public:
  using Step = std::function<absl::Status()>;

  // Runs `step`, retrying it a few times. Counts a success after a failure.
  absl::Status RunWithRetries(const Step& step);
  // Runs what waits, in order; stops at the first step that still fails.
  absl::Status RunPending();
  // Keeps `steps` for RunPending (after what already waits).
  void Defer(std::vector<Step> steps);

  bool empty() const { return pending_.empty(); }
  CommitRepairCounts counts() const { return {repaired_, pending_.size()}; }

 private:
  std::deque<Step> pending_;
  uint64_t repaired_ = 0;
};

class Transaction {
 public:
  Transaction(GenerationalTables* tables, CommitRepairs* repairs)
      : tables_(tables), repairs_(repairs) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // Writes of the generational tables: the inactive copy before the flip,
  // the old one after it.
  template <GenTable T>
  void Put(const typename GenTableTypes<T>::Key& key,
           const typename GenTableTypes<T>::Value& value) {
    ops_.push_back({T, false, Bytes(key), Bytes(value)});
  }
  template <GenTable T>
  void Erase(const typename GenTableTypes<T>::Key& key) {
    ops_.push_back({T, true, Bytes(key), ""});
  }

  // A backend record written before the flip: unreachable until the flip
  // (a new id), or read only by a restart (a cleared COMMITTED flag). Put
  // back to `undo` when the transaction does not apply.
  void WriteBackendBeforeFlip(uint32_t id, const sluice_backend& record,
                              const sluice_backend& undo);
  // A backend record written once the flip happened (COMMITTED, a weight).
  void WriteBackendAfterFlip(uint32_t id, const sluice_backend& record);
  // After the grace period: the record of `id` is cleared (flows that still
  // name it find it dead), then `then` runs (frees the id).
  void RetireBackend(uint32_t id, std::function<void()> then);
  // After the grace period: frees what only the old state used.
  void Retire(std::function<void()> fn);
  // When the transaction does not apply: gives back what was allocated for it.
  void OnAbort(std::function<void()> fn);

  // Applies everything (see the top of this file). Call once.
  absl::Status Commit() &&;

 private:
  template <typename T>
  static std::string Bytes(const T& v) {
    return std::string(reinterpret_cast<const char*>(&v), sizeof(v));
  }
  struct BackendWrite {
    uint32_t id;
    sluice_backend record;
    sluice_backend undo;
  };
  // Puts back what the first `written` pre-flip writes and the first
  // `applied` ops changed; returns `cause`.
  absl::Status Abort(absl::Status cause, uint32_t inactive, size_t written, size_t applied);
  // The steps after the flip. Each captures what it needs by value: it may
  // wait in CommitRepairs beyond this transaction.
  std::vector<CommitRepairs::Step> AfterFlipSteps(uint32_t old_gen);

  GenerationalTables* tables_;
  CommitRepairs* repairs_;
  std::vector<TableOp> ops_;
  std::vector<BackendWrite> before_flip_;
  std::vector<std::pair<uint32_t, sluice_backend>> after_flip_;
  std::vector<std::pair<uint32_t, std::function<void()>>> retired_backends_;
  std::vector<std::function<void()>> retire_;
  std::vector<std::function<void()>> on_abort_;
};

}  // namespace sluice::lb
