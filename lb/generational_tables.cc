#include "lb/generational_tables.h"

#include <bpf/bpf.h>
#include <unistd.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "base/bpf_errors.h"
#include "base/map_entries.h"
#include "base/status_macros.h"

namespace sluice::lb {
namespace {

const char* TableName(GenTable t) {
  switch (t) {
    case GenTable::kVips: return "VIP table";
    case GenTable::kArpBlacklist: return "ARP blacklist";
    case GenTable::kSrcV4Top: return "IPv4 source blacklist (/16s)";
    case GenTable::kSrcV4Leaves: return "IPv4 source blacklist (/24s)";
    case GenTable::kSrcBlacklistV6: return "IPv6 source blacklist";
  }
  return "table";
}

constexpr GenTable kAllTables[] = {GenTable::kVips, GenTable::kArpBlacklist,
                                   GenTable::kSrcV4Top, GenTable::kSrcV4Leaves,
                                   GenTable::kSrcBlacklistV6};

}  // namespace

int GenerationalTables::Fd(GenTable table, uint32_t gen) const {
  GenerationMaps m = datapath_->generation_maps(gen);
  switch (table) {
    case GenTable::kVips: return m.vips;
    case GenTable::kArpBlacklist: return m.arp_blacklist;
    case GenTable::kSrcV4Top: return m.src_v4_top;
    case GenTable::kSrcV4Leaves: return m.src_v4_leaves;
    case GenTable::kSrcBlacklistV6: return m.src_blacklist_v6;
  }
  return -1;
}

absl::StatusOr<uint32_t> GenerationalTables::Active() const {
  uint32_t key = 0, gen = 0;
  RETURN_IF_ERROR(BpfStatus(bpf_map_lookup_elem(datapath_->generation_fd(), &key, &gen),
                            "reading the generation"));
  return gen & 1;
}

// Ops of one table that are all updates or all erases go to the kernel in
// one batch call (a million-entry commit is otherwise a million syscalls).
absl::Status GenerationalTables::ApplyRun(absl::Span<const TableOp> run, uint32_t gen) const {
  const TableOp& first = run.front();
  int fd = Fd(first.table, gen);
  std::string keys, values;
  for (const TableOp& op : run) {
    keys += op.key;
    values += op.value;
  }
  const size_t key_size = first.key.size();
  size_t done = 0;
  while (done < run.size()) {
    uint32_t count = run.size() - done;
    const char* key = keys.data() + done * key_size;
    int err = first.erase ? bpf_map_delete_batch(fd, key, &count, nullptr)
                          : bpf_map_update_batch(fd, key, values.data() + done * first.value.size(),
                                                 &count, nullptr);
    done += count;
    if (!err) continue;
    if (first.erase && errno == ENOENT) {
      ++done;   // already gone: that is what an erase wants
      continue;
    }
    return BpfStatus(err, absl::StrCat(first.erase ? "deleting from the " : "writing the ",
                                       TableName(first.table)));
  }
  return absl::OkStatus();
}

absl::Status GenerationalTables::Apply(absl::Span<const TableOp> ops, uint32_t gen,
                                       size_t* applied) const {
  size_t begin = 0;
  while (begin < ops.size()) {
    size_t end = begin + 1;
    while (end < ops.size() && ops[end].table == ops[begin].table &&
           ops[end].erase == ops[begin].erase) {
      ++end;
    }
    // A failed run may have written part of itself: count it as applied.
    *applied = end;
    RETURN_IF_ERROR(ApplyRun(ops.subspan(begin, end - begin), gen));
    begin = end;
  }
  return absl::OkStatus();
}

absl::Status GenerationalTables::CopyKey(const TableOp& op, uint32_t from, uint32_t gen) const {
  std::string value(op.value.size() ? op.value.size() : 64, '\0');
  if (bpf_map_lookup_elem(Fd(op.table, from), op.key.data(), value.data()) == 0) {
    return BpfStatus(bpf_map_update_elem(Fd(op.table, gen), op.key.data(), value.data(), BPF_ANY),
                     "undoing a failed commit");
  }
  int err = bpf_map_delete_elem(Fd(op.table, gen), op.key.data());
  if (err && errno != ENOENT) return BpfStatus(err, "undoing a failed commit");
  return absl::OkStatus();
}

GenerationalTables::~GenerationalTables() {
  if (commit_marker_fd_ >= 0) close(commit_marker_fd_);
}

absl::Status GenerationalTables::OpenCommitMarker() {
  const std::string path = datapath_->options().pin_dir + "/commit_in_flight";
  commit_marker_fd_ = bpf_obj_get(path.c_str());
  if (commit_marker_fd_ >= 0) return absl::OkStatus();
  commit_marker_fd_ = bpf_map_create(BPF_MAP_TYPE_ARRAY, "commit_marker", sizeof(uint32_t),
                                     sizeof(uint32_t), 1, nullptr);
  if (commit_marker_fd_ < 0) return BpfStatus(commit_marker_fd_, "creating the commit marker");
  // Unknown (pins of an lbd without the marker): the next sync runs in full.
  RETURN_IF_ERROR(MarkCommitInFlight(1));
  return BpfStatus(bpf_obj_pin(commit_marker_fd_, path.c_str()),
                   absl::StrCat("pinning the commit marker at ", path));
}

absl::Status GenerationalTables::MarkCommitInFlight(uint32_t in_flight) const {
  uint32_t key = 0;
  return BpfStatus(bpf_map_update_elem(commit_marker_fd_, &key, &in_flight, BPF_ANY),
                   "writing the commit marker");
}

absl::Status GenerationalTables::Commit(absl::Span<const TableOp> ops,
                                        const std::function<void()>& after_flip) {
  ASSIGN_OR_RETURN(uint32_t active, Active());
  uint32_t next = active ^ 1;
  RETURN_IF_ERROR(MarkCommitInFlight(1));

  size_t applied = 0;
  absl::Status status = Apply(ops, next, &applied);
  if (!status.ok()) {
    // Packets never read `next` yet: put back what we changed there.
    for (size_t j = 0; j < applied; ++j) {
      absl::Status undo = CopyKey(ops[j], active, next);
      if (!undo.ok()) return absl::InternalError(absl::StrCat(status.message(), "; ", undo.message()));
    }
    return status;
  }

  uint32_t key = 0;
  RETURN_IF_ERROR(BpfStatus(bpf_map_update_elem(datapath_->generation_fd(), &key, &next, BPF_ANY),
                            "flipping the generation"));
  RETURN_IF_ERROR(grace_.Wait());
  if (after_flip) after_flip();

  // Same ops, same capacity as on `next`: this cannot fail short of the
  // kernel running out of memory. Say so; SyncInactive() repairs it.
  status = Apply(ops, active, &applied);
  if (!status.ok()) return absl::InternalError(absl::StrCat("committed, but ", status.message()));
  return MarkCommitInFlight(0);
}

// Reads both copies in batches and writes only the difference, in batches:
// a restart costs a few syscalls per table however large the tables are
// (it was one syscall per array slot and entry: ~5 s when empty).
absl::Status GenerationalTables::SyncInactive() {
  RETURN_IF_ERROR(OpenCommitMarker());
  uint32_t key = 0, in_flight = 1;
  RETURN_IF_ERROR(BpfStatus(bpf_map_lookup_elem(commit_marker_fd_, &key, &in_flight),
                            "reading the commit marker"));
  if (in_flight == 0) return absl::OkStatus();
  ASSIGN_OR_RETURN(uint32_t active, Active());
  const uint32_t inactive = active ^ 1;
  std::vector<TableOp> ops;
  for (GenTable table : kAllTables) {
    ASSIGN_OR_RETURN(MapEntries want, ReadAllEntries(Fd(table, active)));
    ASSIGN_OR_RETURN(MapEntries have, ReadAllEntries(Fd(table, inactive)));
    absl::flat_hash_map<std::string_view, std::string_view> wanted;
    for (size_t i = 0; i < want.size(); ++i) wanted.emplace(want.key(i), want.value(i));
    for (size_t i = 0; i < have.size(); ++i) {
      auto w = wanted.find(have.key(i));
      if (w == wanted.end()) {
        ops.push_back({table, true, std::string(have.key(i)), ""});
      } else if (w->second == have.value(i)) {
        wanted.erase(w);   // already equal
      }
    }
    for (const auto& [key, value] : wanted) {
      ops.push_back({table, false, std::string(key), std::string(value)});
    }
  }
  size_t applied = 0;
  RETURN_IF_ERROR(Apply(ops, inactive, &applied));
  return MarkCommitInFlight(0);
}

}  // namespace sluice::lb
