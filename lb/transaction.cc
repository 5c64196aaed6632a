#include "lb/transaction.h"

#include <bpf/bpf.h>
#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "base/bpf_errors.h"
#include "base/status_macros.h"

namespace sluice::lb {
namespace {

// A failed map write is retried at once a few times (a transient ENOMEM,
// an injected fault); what still fails waits for the next commit.
constexpr int kAttempts = 3;

absl::Status WriteBackendRecord(const GenerationalTables* tables, uint32_t id,
                                const sluice_backend& record) {
  return BpfStatus(bpf_map_update_elem(tables->backends_fd(), &id, &record, BPF_ANY),
                   absl::StrCat("writing backend record ", id));
}

}  // namespace

absl::Status CommitRepairs::RunWithRetries(const Step& step) {
  absl::Status status;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    if (attempt > 0) usleep(1000 * attempt);
    status = step();
    if (status.ok()) {
      if (attempt > 0) ++repaired_;
      return status;
    }
  }
  return status;
}

absl::Status CommitRepairs::RunPending() {
  while (!pending_.empty()) {
    const uint64_t repaired = repaired_;
    RETURN_IF_ERROR(RunWithRetries(pending_.front()));
    if (repaired_ == repaired) ++repaired_;   // it failed before it waited
    pending_.pop_front();
  }
  return absl::OkStatus();
}

void CommitRepairs::Defer(std::vector<Step> steps) {
  for (Step& s : steps) pending_.push_back(std::move(s));
}

void Transaction::WriteBackendBeforeFlip(uint32_t id, const sluice_backend& record,
                                         const sluice_backend& undo) {
  before_flip_.push_back({id, record, undo});
}

void Transaction::WriteBackendAfterFlip(uint32_t id, const sluice_backend& record) {
  after_flip_.emplace_back(id, record);
}

void Transaction::RetireBackend(uint32_t id, std::function<void()> then) {
  retired_backends_.emplace_back(id, std::move(then));
}

void Transaction::Retire(std::function<void()> fn) { retire_.push_back(std::move(fn)); }

void Transaction::OnAbort(std::function<void()> fn) { on_abort_.push_back(std::move(fn)); }

absl::Status Transaction::Commit() && {
  absl::Status status = repairs_->RunPending();
  if (!status.ok()) {
    status = absl::UnavailableError(absl::StrCat(
        "an earlier commit is not finished and its repair still fails (", status.message(),
        "); nothing changed"));
  }
  uint32_t active = 0;
  if (status.ok()) {
    absl::StatusOr<uint32_t> gen = tables_->Active();
    status = gen.status();
    if (gen.ok()) active = *gen;
  }
  if (status.ok()) status = tables_->MarkCommitInFlight(1);
  size_t written = 0, applied = 0;
  for (; status.ok() && written < before_flip_.size(); ++written) {
    status = WriteBackendRecord(tables_, before_flip_[written].id, before_flip_[written].record);
    if (!status.ok()) break;
  }
  if (status.ok()) status = tables_->Apply(ops_, active ^ 1, &applied);
  if (status.ok()) status = tables_->Flip(active ^ 1);
  if (!status.ok()) return Abort(std::move(status), active ^ 1, written, applied);

  // Applied: packets use the new state from here on.
  std::vector<CommitRepairs::Step> steps = AfterFlipSteps(active);
  for (size_t i = 0; i < steps.size(); ++i) {
    status = repairs_->RunWithRetries(steps[i]);
    if (status.ok()) continue;
    fprintf(stderr, "lbd: a commit applied, but %s; retried before the next commit\n",
            std::string(status.message()).c_str());
    repairs_->Defer({steps.begin() + i, steps.end()});
    return absl::OkStatus();
  }
  // Both copies are equal again. If this write fails, a restart merely
  // compares them in full.
  tables_->MarkCommitInFlight(0).IgnoreError();
  return absl::OkStatus();
}

absl::Status Transaction::Abort(absl::Status cause, uint32_t inactive, size_t written,
                                size_t applied) {
  std::vector<CommitRepairs::Step> undo;
  const std::vector<TableOp> changed(ops_.begin(), ops_.begin() + applied);
  if (!changed.empty()) {
    undo.push_back([tables = tables_, changed, inactive] {
      return tables->CopyKeys(changed, inactive ^ 1, inactive);
    });
  }
  for (size_t i = written; i-- > 0;) {
    undo.push_back([tables = tables_, w = before_flip_[i]] {
      return WriteBackendRecord(tables, w.id, w.undo);
    });
  }
  for (size_t i = 0; i < undo.size(); ++i) {
    absl::Status status = repairs_->RunWithRetries(undo[i]);
    if (status.ok()) continue;
    fprintf(stderr,
            "lbd: undoing a commit that did not apply: %s; retried before the next commit\n",
            std::string(status.message()).c_str());
    repairs_->Defer({undo.begin() + i, undo.end()});
    break;
  }
  if (repairs_->empty()) tables_->MarkCommitInFlight(0).IgnoreError();
  for (const auto& fn : on_abort_) fn();
  return cause;
}

std::vector<CommitRepairs::Step> Transaction::AfterFlipSteps(uint32_t old_gen) {
  std::vector<CommitRepairs::Step> steps;
  GenerationalTables* tables = tables_;
  for (const auto& [id, record] : after_flip_) {
    steps.push_back([tables, id = id, record = record] {
      return WriteBackendRecord(tables, id, record);
    });
  }
  // After it, no packet still uses the old copy or what only it referenced.
  steps.push_back([tables] { return tables->WaitGracePeriod(); });
  for (auto& [id, then] : retired_backends_) {
    steps.push_back([tables, id = id, then = std::move(then)] {
      RETURN_IF_ERROR(WriteBackendRecord(tables, id, sluice_backend{}));
      if (then) then();
      return absl::OkStatus();
    });
  }
  for (auto& fn : retire_) {
    steps.push_back([fn = std::move(fn)] {
      fn();
      return absl::OkStatus();
    });
  }
  // The same ops on the old copy (now inactive) make both equal again.
  steps.push_back([tables, ops = std::move(ops_), old_gen] {
    size_t applied = 0;
    return tables->Apply(ops, old_gen, &applied);
  });
  return steps;
}

}  // namespace sluice::lb
