#include "cli/output.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "cli/address.h"
#include "google/protobuf/util/json_util.h"

namespace sluice::cli {
namespace {

using sluice::v1::Counter;

absl::string_view HashName(sluice::v1::HashMode hash) {
  switch (hash) {
    case sluice::v1::HASH_MODE_UNSPECIFIED:
    case sluice::v1::HASH_MODE_FIVE_TUPLE: return "5tuple";
    case sluice::v1::HASH_MODE_SOURCE: return "src";
    default: return "?";
  }
}

// A map<string, Counter> as a table sorted by name.
void AppendCounterMap(absl::string_view title,
                      const google::protobuf::Map<std::string, Counter>& counters,
                      std::string* out) {
  std::map<absl::string_view, const Counter*> sorted;
  for (const auto& [name, counter] : counters) sorted.emplace(name, &counter);
  Table table({std::string(title), "PACKETS", "BYTES"}, {"PACKETS", "BYTES"});
  for (const auto& [name, counter] : sorted) {
    table.AddRow({std::string(name), absl::StrCat(counter->packets()), absl::StrCat(counter->bytes())});
  }
  table.AppendTo(out);
}

}  // namespace

Table::Table(std::vector<std::string> header, std::vector<std::string> right_aligned)
    : header_(std::move(header)), right_(header_.size(), false) {
  for (size_t i = 0; i < header_.size(); ++i) {
    right_[i] = std::find(right_aligned.begin(), right_aligned.end(), header_[i]) !=
                right_aligned.end();
  }
}

void Table::AddRow(std::vector<std::string> row) {
  row.resize(header_.size());
  rows_.push_back(std::move(row));
}

void Table::AppendTo(std::string* out) const {
  std::vector<size_t> width(header_.size());
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  };
  measure(header_);
  for (const auto& row : rows_) measure(row);
  auto append = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) line.append(2, ' ');
      size_t pad = width[i] - row[i].size();
      if (right_[i]) line.append(pad, ' ');
      line += row[i];
      if (!right_[i]) line.append(pad, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out->append(line);
    out->push_back('\n');
  };
  append(header_);
  for (const auto& row : rows_) append(row);
}

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) {
    // Only fails for Any/unknown types, which the API does not use.
    return "null\n";
  }
  while (!json.empty() && json.back() == '\n') json.pop_back();
  json.push_back('\n');
  return json;
}

std::string FormatChange(const google::protobuf::Message& response, OutputFormat format) {
  return format == OutputFormat::kJson ? ToJson(response) : std::string();
}

std::string FormatVips(const sluice::v1::ListVipsResponse& response, OutputFormat format) {
  if (format == OutputFormat::kJson) return ToJson(response);
  Table table({"VIP", "HASH", "RING_SIZE", "BACKENDS"}, {"RING_SIZE", "BACKENDS"});
  for (const auto& e : response.vips()) {
    const auto& c = e.config();
    table.AddRow({FormatVip(c.vip()), std::string(HashName(c.hash())),
                  c.ring_size() == 0 ? "default" : absl::StrCat(c.ring_size()),
                  absl::StrCat(e.backend_count())});
  }
  std::string out;
  table.AppendTo(&out);
  return out;
}

std::string FormatBackends(const sluice::v1::ListBackendsResponse& response, OutputFormat format) {
  if (format == OutputFormat::kJson) return ToJson(response);
  Table table({"BACKEND", "WEIGHT", "STATE", "NEXT_HOP_MAC", "RING_ENTRIES"},
              {"WEIGHT", "RING_ENTRIES"});
  for (const auto& e : response.backends()) {
    const auto& b = e.backend();
    std::string weight = b.has_weight() ? absl::StrCat(b.weight()) : "-";
    std::string state = b.has_weight() && b.weight() == 0 ? "draining" : "active";
    table.AddRow({b.address(), weight, state,
                  e.next_hop_mac().empty() ? "unresolved" : e.next_hop_mac(),
                  absl::StrCat(e.ring_entries())});
  }
  std::string out;
  table.AppendTo(&out);
  return out;
}

std::string FormatBlacklist(const sluice::v1::BlacklistEntries& entries, OutputFormat format) {
  if (format == OutputFormat::kJson) return ToJson(entries);
  std::string out = absl::StrCat("# ", entries.prefixes_size(), " prefixes, ",
                                 entries.arp_ips_size(), " ARP addresses\n");
  size_t size = out.size();
  for (const auto& p : entries.prefixes()) size += p.size() + 1;
  for (const auto& a : entries.arp_ips()) size += a.size() + 5;
  out.reserve(size);
  for (const auto& p : entries.prefixes()) {
    out += p;
    out.push_back('\n');
  }
  for (const auto& a : entries.arp_ips()) {
    out += "arp ";
    out += a;
    out.push_back('\n');
  }
  return out;
}

std::string FormatStats(const sluice::v1::GetStatsResponse& response, StatsSection section,
                        OutputFormat format) {
  bool vips = section == StatsSection::kAll || section == StatsSection::kVips;
  bool backends = section == StatsSection::kAll || section == StatsSection::kBackends;
  bool drops = section == StatsSection::kAll || section == StatsSection::kDrops;
  if (format == OutputFormat::kJson) {
    sluice::v1::GetStatsResponse shown = response;
    if (!vips) shown.clear_vips();
    if (!backends) shown.clear_backends();
    if (!drops) {
      shown.clear_drops();
      shown.clear_verdicts();
      shown.clear_counters();
    }
    return ToJson(shown);
  }
  std::string out;
  auto separate = [&] {
    if (!out.empty()) out.push_back('\n');
  };
  if (vips) {
    Table table({"VIP", "PACKETS", "BYTES"}, {"PACKETS", "BYTES"});
    for (const auto& v : response.vips()) {
      table.AddRow({FormatVip(v.vip()), absl::StrCat(v.counter().packets()),
                    absl::StrCat(v.counter().bytes())});
    }
    table.AppendTo(&out);
  }
  if (backends) {
    separate();
    Table table({"VIP", "BACKEND", "PACKETS", "BYTES"}, {"PACKETS", "BYTES"});
    for (const auto& b : response.backends()) {
      table.AddRow({FormatVip(b.vip()), b.address(), absl::StrCat(b.counter().packets()),
                    absl::StrCat(b.counter().bytes())});
    }
    table.AppendTo(&out);
  }
  if (drops) {
    separate();
    AppendCounterMap("DROP_REASON", response.drops(), &out);
    out.push_back('\n');
    AppendCounterMap("VERDICT", response.verdicts(), &out);
    out.push_back('\n');
    AppendCounterMap("COUNTER", response.counters(), &out);
  }
  return out;
}

}  // namespace sluice::cli
