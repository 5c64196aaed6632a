#include "cli/policy_file.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/quote_value.h"
#include "base/status_macros.h"
#include "cli/address.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace sluice::cli {
namespace {

using google::protobuf::Map;
using google::protobuf::Value;

constexpr uint32_t kMaxPort = 65535;
constexpr const char* kDirections[] = {"ingress", "egress"};
constexpr const char* kRuleKeys[] = {"action", "peer", "protocol", "ports"};

constexpr std::pair<absl::string_view, sluice::v1::RuleAction> kActions[] = {
    {"allow", sluice::v1::RULE_ACTION_ALLOW},
    {"deny", sluice::v1::RULE_ACTION_DENY},
};
constexpr std::pair<absl::string_view, sluice::v1::RuleProtocol> kProtocols[] = {
    {"tcp", sluice::v1::RULE_PROTOCOL_TCP},
    {"udp", sluice::v1::RULE_PROTOCOL_UDP},
    {"icmp", sluice::v1::RULE_PROTOCOL_ICMP},
    {"any", sluice::v1::RULE_PROTOCOL_ANY},
};

// A JSON value as written, for messages and output: "\"90-80\"", "5".
std::string JsonText(const Value& value) {
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(value, &text).ok()) return "?";
  return text;
}

std::string Quoted(absl::string_view s) {
  Value v;
  v.set_string_value(std::string(s));
  return JsonText(v);
}

// JsonText and Quoted for messages: a value someone wrote may be huge.
std::string Shown(const Value& value) { return Shorten(JsonText(value)); }
std::string ShownKey(absl::string_view key) { return Shorten(Quoted(key)); }

absl::Status Invalid(absl::string_view what) { return absl::InvalidArgumentError(what); }

// The first key of `fields` not in `known`, in sorted order so that the
// message does not depend on the map's order; empty if none.
template <typename Known>
std::string UnknownKey(const Map<std::string, Value>& fields, const Known& known) {
  std::set<std::string> unknown;
  for (const auto& [key, value] : fields) {
    if (std::find(std::begin(known), std::end(known), key) == std::end(known)) unknown.insert(key);
  }
  return unknown.empty() ? "" : *unknown.begin();
}

// A string value that is one of `words` (a key -> enum table).
template <typename Enum, size_t N>
absl::StatusOr<Enum> Word(absl::string_view key, const Value& value,
                          const std::pair<absl::string_view, Enum> (&words)[N]) {
  if (value.kind_case() == Value::kStringValue) {
    for (const auto& [word, e] : words) {
      if (value.string_value() == word) return e;
    }
  }
  std::vector<absl::string_view> names;
  for (const auto& word : words) names.push_back(word.first);
  return Invalid(absl::StrCat("\"", key, "\": ", Shown(value), " is not one of ",
                              absl::StrJoin(names, ", ")));
}

bool ParsePort(absl::string_view text, uint32_t* port) {
  return ParseDecimal(text, port) && *port <= kMaxPort;
}

// "ports": 8080, "8080" or "8000-8099". A single port is 1..65535; a range
// may start at 0 but not be 0-0, which the API reads as "every port".
absl::Status SetPorts(const Value& value, sluice::v1::PolicyRule* rule) {
  uint32_t min = 0, max = 0;
  bool ok = false;
  if (value.kind_case() == Value::kNumberValue) {
    double n = value.number_value();
    ok = n >= 1 && n <= kMaxPort && std::floor(n) == n;
    min = max = ok ? static_cast<uint32_t>(n) : 0;
  } else if (value.kind_case() == Value::kStringValue) {
    absl::string_view text = value.string_value();
    size_t dash = text.find('-');
    if (dash == absl::string_view::npos) {
      ok = ParsePort(text, &min) && min >= 1;
      max = min;
    } else {
      ok = ParsePort(text.substr(0, dash), &min) && ParsePort(text.substr(dash + 1), &max) &&
           min <= max && max >= 1;
    }
  }
  if (!ok) {
    return Invalid(absl::StrCat("\"ports\": ", Shown(value),
                                " is not a port range (want N or \"N-M\", N <= M <= 65535)"));
  }
  rule->set_port_min(min);
  rule->set_port_max(max);
  return absl::OkStatus();
}

absl::Status ParseRule(const Value& value, sluice::v1::PolicyRule* rule) {
  if (value.kind_case() != Value::kStructValue) {
    return Invalid(absl::StrCat(Shown(value), " is not an object ({\"action\": ...})"));
  }
  const Map<std::string, Value>& fields = value.struct_value().fields();
  if (std::string key = UnknownKey(fields, kRuleKeys); !key.empty()) {
    return Invalid(absl::StrCat("unknown key ", ShownKey(key),
                                " (want action, peer, protocol, ports)"));
  }
  auto action = fields.find("action");
  if (action == fields.end()) return Invalid("\"action\" is required (allow or deny)");
  ASSIGN_OR_RETURN(sluice::v1::RuleAction a, Word("action", action->second, kActions));
  rule->set_action(a);
  if (auto peer = fields.find("peer"); peer != fields.end()) {
    const Value& v = peer->second;
    if (v.kind_case() != Value::kStringValue) {
      return Invalid(absl::StrCat("\"peer\": ", Shown(v), " is not a CIDR prefix or IP address"));
    }
    if (absl::Status s = CheckNewPrefix(v.string_value()); !s.ok()) {
      return Invalid(absl::StrCat("\"peer\": ", s.message()));
    }
    rule->set_peer(v.string_value());
  }
  if (auto protocol = fields.find("protocol"); protocol != fields.end()) {
    ASSIGN_OR_RETURN(sluice::v1::RuleProtocol p, Word("protocol", protocol->second, kProtocols));
    rule->set_protocol(p);
  }
  if (auto ports = fields.find("ports"); ports != fields.end()) {
    if (rule->protocol() == sluice::v1::RULE_PROTOCOL_ICMP) {
      return Invalid("\"ports\" applies to tcp, udp or any, not to icmp");
    }
    RETURN_IF_ERROR(SetPorts(ports->second, rule));
  }
  return absl::OkStatus();
}

absl::Status ParseDirection(const Value& value, absl::string_view direction,
                            sluice::v1::DirectionPolicy* out) {
  if (value.kind_case() != Value::kListValue) {
    return Invalid(absl::StrCat(Quoted(direction), ": ", Shown(value),
                                " is not a list of rules"));
  }
  const auto& rules = value.list_value().values();
  for (int i = 0; i < rules.size(); ++i) {
    absl::Status s = ParseRule(rules[i], out->add_rules());
    if (!s.ok()) return Invalid(absl::StrCat(direction, " rule ", i + 1, ": ", s.message()));
  }
  return absl::OkStatus();
}

std::string FormatRule(const sluice::v1::PolicyRule& rule) {
  std::string line = absl::StrCat("{\"action\": ", Quoted(ActionWord(rule.action())));
  if (!rule.peer().empty()) absl::StrAppend(&line, ", \"peer\": ", Quoted(rule.peer()));
  absl::StrAppend(&line, ", \"protocol\": ", Quoted(ProtocolWord(rule.protocol())));
  if (std::string ports = PortsText(rule); !ports.empty()) {
    absl::StrAppend(&line, ", \"ports\": ", Quoted(ports));
  }
  line += "}";
  return line;
}

std::string FormatDirection(absl::string_view direction, const sluice::v1::DirectionPolicy& d) {
  if (d.rules().empty()) return absl::StrCat("  ", Quoted(direction), ": []");
  std::vector<std::string> rules;
  for (const auto& rule : d.rules()) rules.push_back(absl::StrCat("    ", FormatRule(rule)));
  return absl::StrCat("  ", Quoted(direction), ": [\n", absl::StrJoin(rules, ",\n"), "\n  ]");
}

}  // namespace

absl::StatusOr<sluice::v1::Policy> ParsePolicyFile(absl::string_view text, absl::string_view name) {
  auto fail = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": ", what));
  };
  google::protobuf::Struct root;
  auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(text.data(), text.size()), &root);
  if (!parsed.ok()) {
    return fail(absl::StrCat("not a JSON object (", parsed.message().as_string(), ")"));
  }
  if (std::string key = UnknownKey(root.fields(), kDirections); !key.empty()) {
    return fail(absl::StrCat("unknown key ", ShownKey(key), " (want ingress and/or egress)"));
  }
  sluice::v1::Policy policy;
  for (absl::string_view direction : kDirections) {
    auto it = root.fields().find(std::string(direction));
    if (it == root.fields().end()) continue;  // that direction stays open
    sluice::v1::DirectionPolicy* out =
        direction == "ingress" ? policy.mutable_ingress() : policy.mutable_egress();
    if (absl::Status s = ParseDirection(it->second, direction, out); !s.ok()) {
      return fail(s.message());
    }
  }
  return policy;
}

std::string FormatPolicyFile(const sluice::v1::Policy& policy) {
  std::vector<std::string> directions;
  if (policy.has_ingress()) directions.push_back(FormatDirection("ingress", policy.ingress()));
  if (policy.has_egress()) directions.push_back(FormatDirection("egress", policy.egress()));
  if (directions.empty()) return "{}\n";
  return absl::StrCat("{\n", absl::StrJoin(directions, ",\n"), "\n}\n");
}

absl::string_view ActionWord(sluice::v1::RuleAction action) {
  for (const auto& [word, a] : kActions) {
    if (a == action) return word;
  }
  return "?";
}

absl::string_view ProtocolWord(sluice::v1::RuleProtocol protocol) {
  for (const auto& [word, p] : kProtocols) {
    if (p == protocol) return word;
  }
  return "?";
}

std::string PortsText(const sluice::v1::PolicyRule& rule) {
  if (rule.port_min() == 0 && rule.port_max() == 0) return "";
  if (rule.port_min() == rule.port_max()) return absl::StrCat(rule.port_min());
  return absl::StrCat(rule.port_min(), "-", rule.port_max());
}

}  // namespace sluice::cli
