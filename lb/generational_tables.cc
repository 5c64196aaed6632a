#include "lb/generational_tables.h"

#include <bpf/bpf.h>

#include "absl/strings/str_cat.h"
#include "lb/bpf_errors.h"
#include "lb/status_macros.h"

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

absl::Status GenerationalTables::Commit(absl::Span<const TableOp> ops,
                                        const std::function<void()>& after_flip) {
  ASSIGN_OR_RETURN(uint32_t active, Active());
  uint32_t next = active ^ 1;

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
  return absl::OkStatus();
}

absl::Status GenerationalTables::SyncInactive() {
  ASSIGN_OR_RETURN(uint32_t active, Active());
  uint32_t inactive = active ^ 1;
  for (GenTable table : kAllTables) {
    int src = Fd(table, active), dst = Fd(table, inactive);
    bpf_map_info info{};
    uint32_t len = sizeof(info);
    RETURN_IF_ERROR(BpfStatus(bpf_obj_get_info_by_fd(src, &info, &len), "map info"));
    std::string key(info.key_size, '\0'), next(info.key_size, '\0'), value(info.value_size, '\0');

    // Delete what the active copy lacks (collect first: deleting while
    // iterating restarts the iteration on hash maps).
    std::vector<std::string> stale;
    const void* prev = nullptr;
    while (bpf_map_get_next_key(dst, prev, next.data()) == 0) {
      if (bpf_map_lookup_elem(src, next.data(), value.data()) != 0) stale.push_back(next);
      key = next;
      prev = key.data();
    }
    for (const std::string& k : stale) bpf_map_delete_elem(dst, k.data());

    prev = nullptr;
    while (bpf_map_get_next_key(src, prev, next.data()) == 0) {
      if (bpf_map_lookup_elem(src, next.data(), value.data()) == 0) {
        RETURN_IF_ERROR(BpfStatus(bpf_map_update_elem(dst, next.data(), value.data(), BPF_ANY),
                                  absl::StrCat("syncing the ", TableName(table))));
      }
      key = next;
      prev = key.data();
    }
  }
  return absl::OkStatus();
}

}  // namespace sluice::lb
