#include "cli/output.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/address.h"
#include "cli/policy_file.h"
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

std::string PrintJson(const google::protobuf::Message& message, bool multiline) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = multiline;
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

std::string TableText(const Table& table) {
  std::string out;
  table.AppendTo(&out);
  return out;
}

// One end of an event's flow: "10.0.1.2:8080", or the bare address for a
// protocol without ports (ICMP).
std::string FlowEnd(const std::string& address, uint32_t port, bool has_ports) {
  return has_ports ? FormatHostPort(address, port) : address;
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
  return PrintJson(message, /*multiline=*/true);
}

std::string ToJsonLine(const google::protobuf::Message& message) {
  return PrintJson(message, /*multiline=*/false);
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
  return TableText(table);
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
  return TableText(table);
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
      shown.clear_node_drops();
      shown.clear_node_verdicts();
      shown.clear_node_counters();
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
    // The node datapath's, from an lbd that runs it (it fills every name).
    if (!response.node_verdicts().empty()) {
      out.push_back('\n');
      AppendCounterMap("NODE_DROP_REASON", response.node_drops(), &out);
      out.push_back('\n');
      AppendCounterMap("NODE_VERDICT", response.node_verdicts(), &out);
      out.push_back('\n');
      AppendCounterMap("NODE_COUNTER", response.node_counters(), &out);
    }
  }
  return out;
}

std::string FormatEndpoints(const sluice::v1::ListEndpointsResponse& response,
                            OutputFormat format) {
  if (format == OutputFormat::kJson) return ToJson(response);
  auto policy = [](bool set) { return set ? "policy" : "open"; };
  Table table({"NAME", "IFACE", "IPV4", "IPV6", "INGRESS", "EGRESS"});
  for (const auto& e : response.endpoints()) {
    const auto& ep = e.endpoint();
    table.AddRow({ep.name(), ep.iface(), ep.ipv4().empty() ? "-" : ep.ipv4(),
                  ep.ipv6().empty() ? "-" : ep.ipv6(), policy(e.ingress_policy()),
                  policy(e.egress_policy())});
  }
  return TableText(table);
}

std::string FormatServices(const sluice::v1::ListServicesResponse& response, OutputFormat format) {
  if (format == OutputFormat::kJson) return ToJson(response);
  Table table({"SERVICE", "BACKEND", "WEIGHT"}, {"WEIGHT"});
  for (const auto& s : response.services()) {
    std::string vip = FormatVip(s.vip());
    if (s.backends().empty()) table.AddRow({vip, "-", "-"});
    for (const auto& b : s.backends()) {
      table.AddRow({vip, FormatHostPort(b.address(), b.port()),
                    b.has_weight() ? absl::StrCat(b.weight()) : "-"});
    }
  }
  return TableText(table);
}

std::string FormatPolicyStats(const sluice::v1::GetPolicyStatsResponse& response,
                              OutputFormat format) {
  if (format == OutputFormat::kJson) return ToJson(response);
  auto any = [](const std::string& s) { return s.empty() ? std::string("any") : s; };
  Table table({"ENDPOINT", "DIRECTION", "RULE", "ACTION", "PEER", "PROTOCOL", "PORTS", "PACKETS",
               "BYTES"},
              {"RULE", "PACKETS", "BYTES"});
  for (const auto& r : response.rules()) {
    table.AddRow({r.endpoint(), r.direction(), absl::StrCat(r.index() + 1),
                  std::string(ActionWord(r.rule().action())), any(r.rule().peer()),
                  std::string(ProtocolWord(r.rule().protocol())), any(PortsText(r.rule())),
                  absl::StrCat(r.hits().packets()), absl::StrCat(r.hits().bytes())});
  }
  return TableText(table);
}

std::string FormatEvent(const sluice::v1::Event& event, OutputFormat format) {
  if (format == OutputFormat::kJson) return ToJsonLine(event);
  absl::string_view type = "event";
  if (event.type() == sluice::v1::Event::TYPE_DROP) type = "drop";
  if (event.type() == sluice::v1::Event::TYPE_POLICY_ALLOW) type = "allow";
  bool ports = event.protocol() == "tcp" || event.protocol() == "udp";
  std::string line = absl::StrFormat(
      "[%6d.%06d] %s %s %s %s %s -> %s", event.time_ns() / 1000000000,
      event.time_ns() % 1000000000 / 1000, type,
      event.endpoint().empty() ? "-" : event.endpoint(), event.direction(), event.protocol(),
      FlowEnd(event.source(), event.source_port(), ports),
      FlowEnd(event.destination(), event.destination_port(), ports));
  if (!event.reason().empty()) absl::StrAppend(&line, " reason=", event.reason());
  if (event.rule_index() >= 0) absl::StrAppend(&line, " rule=", event.rule_index() + 1);
  if (event.suppressed() > 0) absl::StrAppend(&line, " suppressed=", event.suppressed());
  line.push_back('\n');
  return line;
}

}  // namespace sluice::cli
