#include "lb/generational_tables.h"

#include <bpf/bpf.h>
#include <unistd.h>

#include <optional>

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

size_t ValueSize(GenTable table) {
  switch (table) {
    case GenTable::kVips: return sizeof(GenTableTypes<GenTable::kVips>::Value);
    case GenTable::kArpBlacklist: return sizeof(GenTableTypes<GenTable::kArpBlacklist>::Value);
    case GenTable::kSrcV4Top: return sizeof(GenTableTypes<GenTable::kSrcV4Top>::Value);
    case GenTable::kSrcV4Leaves: return sizeof(GenTableTypes<GenTable::kSrcV4Leaves>::Value);
    case GenTable::kSrcBlacklistV6: return sizeof(GenTableTypes<GenTable::kSrcBlacklistV6>::Value);
  }
  return 0;
}

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

absl::Status GenerationalTables::CopyKeys(absl::Span<const TableOp> ops, uint32_t from,
                                          uint32_t gen) const {
  // A lookup in an LPM trie answers for the longest prefix that matches,
  // not for the exact key (an absent /64 finds its /48): the trie's copy in
  // `from` is read whole instead (an error path; values are all "listed").
  std::optional<absl::flat_hash_map<std::string, std::string>> v6_from;
  std::string value;
  for (const TableOp& op : ops) {
    const std::string what = absl::StrCat("restoring an entry of the ", TableName(op.table));
    bool present;
    if (op.table == GenTable::kSrcBlacklistV6) {
      if (!v6_from) {
        ASSIGN_OR_RETURN(MapEntries all, ReadAllEntries(Fd(op.table, from)));
        v6_from.emplace();
        for (size_t i = 0; i < all.size(); ++i) v6_from->emplace(all.key(i), all.value(i));
      }
      auto it = v6_from->find(op.key);
      present = it != v6_from->end();
      if (present) value = it->second;
    } else {
      value.resize(ValueSize(op.table));
      present = bpf_map_lookup_elem(Fd(op.table, from), op.key.data(), value.data()) == 0;
    }
    const int to = Fd(op.table, gen);
    if (present) {
      RETURN_IF_ERROR(
          BpfStatus(bpf_map_update_elem(to, op.key.data(), value.data(), BPF_ANY), what));
    } else if (bpf_map_delete_elem(to, op.key.data()) && errno != ENOENT) {
      return BpfStatus(-errno, what);
    }
  }
  return absl::OkStatus();
}

absl::Status GenerationalTables::Flip(uint32_t gen) const {
  uint32_t key = 0;
  return BpfStatus(bpf_map_update_elem(datapath_->generation_fd(), &key, &gen, BPF_ANY),
                   "flipping the generation");
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
