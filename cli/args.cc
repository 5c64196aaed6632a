#include "cli/args.h"

#include <net/if.h>

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/quote_value.h"
#include "base/status_macros.h"
#include "cli/address.h"

namespace sluice::cli {
namespace {


constexpr char kUsage[] =
    R"(usage: lbctl [--server ADDR] [-o table|json] COMMAND ...

Global options (anywhere before "--"):
  --server ADDR     lbd's API: unix:PATH, /PATH or HOST:PORT
                    (default unix:/run/sluice/lbd.sock); HOST:PORT is TLS
  --tls-ca FILE     HOST:PORT: trust lbd's certificate if this CA signed it
                    (default: the system's trusted CAs)
  --tls-cert FILE --tls-key FILE
                    HOST:PORT: this client's certificate and key, for an lbd
                    that requires one (--tls-client-ca)
  -o, --output F    table (default) or json
  -h, --help        this text

Addresses: VIP = 10.0.0.10:80/tcp or [2001:db8::10]:443/udp (port 0 = all ports)
           backend = 10.0.1.2:8080 or [2001:db8::5]:8080@50 (@WEIGHT, default 100)

Commands:
  lbctl vip add|del VIP [--hash 5tuple|src] [--ring-size PRIME]
  lbctl vip list
  lbctl backend add|del VIP REAL_IP [--weight N]   (default weight 100)
  lbctl backend set VIP REAL_IP --weight N         (0 = drain)
  lbctl backend list VIP
  lbctl blacklist add|del CIDR... | --arp IP...
  lbctl blacklist push FILE|-                      (replace the whole list atomically;
                                                    one entry a line, '#' comments,
                                                    'arp IP' lines for the ARP list)
  lbctl blacklist list
  lbctl endpoint add NAME --iface HOST_VETH --ip IP[,IP6]
  lbctl endpoint del NAME
  lbctl endpoint list [NAME]
  lbctl service add VIP --backend IP:PORT[@WEIGHT]...
                                                   (one --backend per backend; replaces
                                                    the service's backend set)
  lbctl service del VIP
  lbctl service list
  lbctl policy set ENDPOINT FILE|-                 (JSON rules, docs/policy.md; replaces
                                                    the endpoint's policy atomically)
  lbctl policy show|clear ENDPOINT
  lbctl stats [vips|backends|drops|policy]
  lbctl monitor                                    (drop and policy events until Ctrl-C)

Exit status: 0 success, 1 error from lbd or a file, 2 usage error.
)";

struct FlagDef {
  absl::string_view name;   // canonical, "--x"
  absl::string_view alias;  // "-x" or empty
  bool takes_value;
  bool repeatable = false;
};

constexpr FlagDef kFlags[] = {
    {"--server", "", true},     {"--output", "-o", true},
    {"--tls-ca", "", true},     {"--tls-cert", "", true},
    {"--tls-key", "", true},
    {"--hash", "", true},       {"--ring-size", "", true},
    {"--weight", "", true},     {"--arp", "", false},
    {"--iface", "", true},      {"--ip", "", true},
    {"--backend", "", true, true},
    {"--help", "-h", false},
};

const FlagDef* FindFlag(absl::string_view name) {
  for (const FlagDef& f : kFlags) {
    if (name == f.name || (!f.alias.empty() && name == f.alias)) return &f;
  }
  return nullptr;
}

// Flags every command takes.
bool IsGlobalFlag(absl::string_view name) {
  return name == "--server" || name == "--output" || name == "--help" || name == "--tls-ca" ||
         name == "--tls-cert" || name == "--tls-key";
}

// The command line split into flags and positional arguments.
struct RawArgs {
  std::vector<std::string> positional;
  // canonical name -> values in order ("" for booleans); one unless repeatable
  std::map<std::string, std::vector<std::string>, std::less<>> flags;

  bool Has(absl::string_view name) const { return flags.find(name) != flags.end(); }
  const std::string& Get(absl::string_view name) const { return flags.find(name)->second.front(); }
  const std::vector<std::string>& GetAll(absl::string_view name) const {
    return flags.find(name)->second;
  }
};

absl::Status Usage(absl::string_view message) {
  return absl::InvalidArgumentError(message);
}

absl::StatusOr<RawArgs> Tokenize(absl::Span<const std::string> args) {
  RawArgs raw;
  bool only_positional = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (only_positional || a == "-" || a.empty() || a[0] != '-') {
      raw.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positional = true;
      continue;
    }
    absl::string_view name = a;
    std::optional<std::string> inline_value;
    if (absl::StartsWith(a, "--")) {
      size_t eq = a.find('=');
      if (eq != std::string::npos) {
        name = absl::string_view(a).substr(0, eq);
        inline_value = a.substr(eq + 1);
      }
    } else if (a.size() > 2) {  // "-ojson"
      name = absl::string_view(a).substr(0, 2);
      inline_value = a.substr(a[2] == '=' ? 3 : 2);
    }
    const FlagDef* def = FindFlag(name);
    if (def == nullptr) return Usage(absl::StrCat("unknown flag ", QuoteValue(name), " (try 'lbctl --help')"));
    std::string value;
    if (!def->takes_value) {
      if (inline_value) return Usage(absl::StrCat("flag '", def->name, "' takes no value"));
    } else if (inline_value) {
      value = *std::move(inline_value);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Usage(absl::StrCat("flag '", def->name, "' needs a value"));
    }
    std::vector<std::string>& values = raw.flags[std::string(def->name)];
    if (!values.empty() && !def->repeatable) {
      return Usage(absl::StrCat("flag '", def->name, "' given more than once"));
    }
    values.push_back(std::move(value));
  }
  return raw;
}

// lbd's rule: the datapath keeps the name in 48 bytes with its NUL.
bool IsEndpointName(absl::string_view name) {
  constexpr size_t kMaxLength = 47;
  if (name.empty() || name.size() > kMaxLength) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

bool IsPrime(uint32_t n) {
  if (n < 2) return false;
  for (uint64_t d = 2; d * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}

// Parsing of one command: its name for messages ("vip add"), its usage line,
// the flags it accepts besides the global ones.
class CommandParser {
 public:
  CommandParser(const RawArgs& raw, std::string name, absl::string_view usage)
      : raw_(raw), name_(std::move(name)), usage_(usage) {}

  absl::Status Error(absl::string_view what) const {
    return Usage(absl::StrCat(name_, ": ", what, " (usage: ", usage_, ")"));
  }

  // Positional arguments after noun and verb: between `min` and `max`.
  absl::StatusOr<absl::Span<const std::string>> Args(
      size_t skip, size_t min, size_t max,
      std::initializer_list<absl::string_view> names) const {
    absl::Span<const std::string> args = absl::MakeConstSpan(raw_.positional).subspan(skip);
    if (args.size() < min) {
      auto it = names.begin() + std::min(args.size(), names.size() - 1);
      return Error(absl::StrCat("missing ", *it));
    }
    if (args.size() > max) return Error(absl::StrCat("unexpected argument ", QuoteValue(args[max])));
    return args;
  }

  absl::Status AllowFlags(std::initializer_list<absl::string_view> allowed) const {
    for (const auto& [flag, value] : raw_.flags) {
      if (IsGlobalFlag(flag)) continue;
      if (std::find(allowed.begin(), allowed.end(), flag) == allowed.end()) {
        return Usage(absl::StrCat("flag '", flag, "' does not apply to '", name_, "'"));
      }
    }
    return absl::OkStatus();
  }

 private:
  const RawArgs& raw_;
  std::string name_;
  absl::string_view usage_;
};

absl::Status UnknownVerb(absl::string_view noun, absl::string_view verb,
                         absl::string_view want) {
  if (verb.empty()) return Usage(absl::StrCat("'", noun, "' needs a subcommand: ", want));
  return Usage(absl::StrCat("unknown '", noun, "' subcommand ", QuoteValue(verb), " (want ", want, ")"));
}

absl::Status ParseVipCommand(const RawArgs& raw, absl::string_view verb, Command* cmd) {
  if (verb == "list") {
    CommandParser p(raw, "vip list", "lbctl vip list");
    if (auto args = p.Args(2, 0, 0, {""}); !args.ok()) return args.status();
    cmd->action = Action::kVipList;
    return p.AllowFlags({});
  }
  if (verb != "add" && verb != "del") return UnknownVerb("vip", verb, "add, del or list");
  CommandParser p(raw, absl::StrCat("vip ", verb),
                  "lbctl vip add|del VIP [--hash 5tuple|src] [--ring-size PRIME]");
  cmd->action = verb == "add" ? Action::kVipAdd : Action::kVipDel;
  auto args = p.Args(2, 1, 1, {"VIP"});
  if (!args.ok()) return args.status();
  // The grammar allows --hash and --ring-size on del too; they are checked
  // and then not sent (DeleteVipRequest names the VIP only).
  if (absl::Status s = p.AllowFlags({"--hash", "--ring-size"}); !s.ok()) return s;
  auto vip = ParseVip((*args)[0]);
  if (!vip.ok()) return p.Error(vip.status().message());
  if (absl::Status s = CheckUnicastAddress(vip->address());
      cmd->action == Action::kVipAdd && !s.ok()) {
    return p.Error(absl::StrCat("bad VIP ", QuoteValue((*args)[0]), ": ", s.message()));
  }
  *cmd->vip.mutable_vip() = *std::move(vip);
  if (raw.Has("--hash")) {
    const std::string& h = raw.Get("--hash");
    if (h == "5tuple") {
      cmd->vip.set_hash(sluice::v1::HASH_MODE_FIVE_TUPLE);
    } else if (h == "src") {
      cmd->vip.set_hash(sluice::v1::HASH_MODE_SOURCE);
    } else {
      return p.Error(absl::StrCat("--hash ", QuoteValue(h), " is not 5tuple or src"));
    }
  }
  if (raw.Has("--ring-size")) {
    const std::string& r = raw.Get("--ring-size");
    uint32_t size;
    if (!ParseDecimal(r, &size) || !IsPrime(size)) {
      return p.Error(absl::StrCat("--ring-size ", QuoteValue(r), " is not a prime number"));
    }
    cmd->vip.set_ring_size(size);
  }
  if (cmd->action == Action::kVipDel) {
    cmd->vip.clear_hash();
    cmd->vip.clear_ring_size();
  }
  return absl::OkStatus();
}

absl::Status ParseBackendCommand(const RawArgs& raw, absl::string_view verb, Command* cmd) {
  if (verb == "list") {
    CommandParser p(raw, "backend list", "lbctl backend list VIP");
    auto args = p.Args(2, 1, 1, {"VIP"});
    if (!args.ok()) return args.status();
    if (absl::Status s = p.AllowFlags({}); !s.ok()) return s;
    auto vip = ParseVip((*args)[0]);
    if (!vip.ok()) return p.Error(vip.status().message());
    *cmd->vip.mutable_vip() = *std::move(vip);
    cmd->action = Action::kBackendList;
    return absl::OkStatus();
  }
  absl::string_view usage;
  if (verb == "add" || verb == "del") {
    usage = "lbctl backend add|del VIP REAL_IP [--weight N]";
    cmd->action = verb == "add" ? Action::kBackendAdd : Action::kBackendDel;
  } else if (verb == "set") {
    usage = "lbctl backend set VIP REAL_IP --weight N";
    cmd->action = Action::kBackendSet;
  } else {
    return UnknownVerb("backend", verb, "add, del, set or list");
  }
  CommandParser p(raw, absl::StrCat("backend ", verb), usage);
  auto args = p.Args(2, 2, 2, {"VIP", "REAL_IP"});
  if (!args.ok()) return args.status();
  if (absl::Status s = p.AllowFlags({"--weight"}); !s.ok()) return s;
  auto vip = ParseVip((*args)[0]);
  if (!vip.ok()) return p.Error(vip.status().message());
  *cmd->vip.mutable_vip() = *std::move(vip);
  const std::string& real = (*args)[1];
  if (!IsIp(real)) return p.Error(absl::StrCat("REAL_IP ", QuoteValue(real), " is not an IP address"));
  if (cmd->action == Action::kBackendAdd) {
    if (absl::Status s = CheckNewReal(real, cmd->vip.vip().address()); !s.ok()) {
      return p.Error(absl::StrCat("REAL_IP: ", s.message()));
    }
  }
  cmd->real = real;
  if (raw.Has("--weight")) {
    const std::string& w = raw.Get("--weight");
    uint32_t weight;
    if (!ParseDecimal(w, &weight)) {
      return p.Error(absl::StrCat("--weight ", QuoteValue(w), " is not a number in 0..4294967295"));
    }
    // Accepted on del by the grammar; not sent.
    if (cmd->action != Action::kBackendDel) cmd->weight = weight;
  } else if (cmd->action == Action::kBackendSet) {
    return p.Error("missing --weight");
  }
  return absl::OkStatus();
}

absl::Status ParseBlacklistCommand(const RawArgs& raw, absl::string_view verb, Command* cmd) {
  if (verb == "list") {
    CommandParser p(raw, "blacklist list", "lbctl blacklist list");
    if (auto args = p.Args(2, 0, 0, {""}); !args.ok()) return args.status();
    cmd->action = Action::kBlacklistList;
    return p.AllowFlags({});
  }
  if (verb == "push") {
    CommandParser p(raw, "blacklist push", "lbctl blacklist push FILE|-");
    auto args = p.Args(2, 1, 1, {"FILE (or - for standard input)"});
    if (!args.ok()) return args.status();
    if (absl::Status s = p.AllowFlags({}); !s.ok()) return s;
    cmd->push_file = (*args)[0];
    cmd->action = Action::kBlacklistPush;
    return absl::OkStatus();
  }
  if (verb != "add" && verb != "del") return UnknownVerb("blacklist", verb, "add, del, push or list");
  CommandParser p(raw, absl::StrCat("blacklist ", verb), "lbctl blacklist add|del CIDR... | --arp IP...");
  cmd->action = verb == "add" ? Action::kBlacklistAdd : Action::kBlacklistDel;
  bool arp = raw.Has("--arp");
  auto args = p.Args(2, 1, SIZE_MAX, {arp ? "IP" : "CIDR"});
  if (!args.ok()) return args.status();
  if (absl::Status s = p.AllowFlags({"--arp"}); !s.ok()) return s;
  for (const std::string& a : *args) {
    if (arp) {
      if (!IsIpv4(a)) return p.Error(absl::StrCat(QuoteValue(a), " is not an IPv4 address (the ARP list holds IPv4 senders)"));
      cmd->entries.add_arp_ips(a);
    } else {
      // del takes any prefix lbd may hold, so one an older lbd accepted too.
      absl::Status s = cmd->action == Action::kBlacklistAdd ? CheckNewPrefix(a) : CheckPrefix(a);
      if (!s.ok()) return p.Error(s.message());
      cmd->entries.add_prefixes(a);
    }
  }
  return absl::OkStatus();
}

absl::Status ParseStatsCommand(const RawArgs& raw, Command* cmd) {
  CommandParser p(raw, "stats", "lbctl stats [vips|backends|drops|policy]");
  auto args = p.Args(1, 0, 1, {""});
  if (!args.ok()) return args.status();
  if (absl::Status s = p.AllowFlags({}); !s.ok()) return s;
  cmd->action = Action::kStats;
  if (args->empty()) return absl::OkStatus();
  const std::string& s = (*args)[0];
  if (s == "vips") {
    cmd->section = StatsSection::kVips;
  } else if (s == "backends") {
    cmd->section = StatsSection::kBackends;
  } else if (s == "drops") {
    cmd->section = StatsSection::kDrops;
  } else if (s == "policy") {
    cmd->section = StatsSection::kPolicy;
  } else {
    return p.Error(
        absl::StrCat("unknown section ", QuoteValue(s), " (want vips, backends, drops or policy)"));
  }
  return absl::OkStatus();
}

// NAME of the endpoint commands, ENDPOINT of the policy commands.
absl::Status SetEndpointName(const CommandParser& p, absl::string_view what,
                             const std::string& name, Command* cmd) {
  if (!IsEndpointName(name)) {
    return p.Error(absl::StrCat("bad ", what, " ", QuoteValue(name), " (want 1 to 47 of A-Z a-z 0-9 . _ -)"));
  }
  cmd->endpoint.set_name(name);
  return absl::OkStatus();
}

// --ip: "IPV4", "IPV6", or both comma-separated in either order.
absl::Status SetEndpointIps(const CommandParser& p, absl::string_view text, Command* cmd) {
  auto bad = [&](absl::string_view why) {
    return p.Error(absl::StrCat("--ip ", QuoteValue(text), ": ", why, " (want IP, or IPV4,IPV6)"));
  };
  std::vector<absl::string_view> ips = absl::StrSplit(text, ',');
  if (ips.size() > 2) return bad("more than two addresses");
  for (absl::string_view ip : ips) {
    std::string* slot;
    if (IsIpv4(ip)) {
      slot = cmd->endpoint.mutable_ipv4();
    } else if (IsIpv6(ip)) {
      slot = cmd->endpoint.mutable_ipv6();
    } else {
      return bad(absl::StrCat(QuoteValue(ip), " is not an IP address"));
    }
    if (absl::Status s = CheckUnicastAddress(ip); !s.ok()) return bad(s.message());
    if (!slot->empty()) return bad("two addresses of one family");
    *slot = std::string(ip);
  }
  return absl::OkStatus();
}

absl::Status ParseEndpointCommand(const RawArgs& raw, absl::string_view verb, Command* cmd) {
  if (verb == "list" || verb == "del") {
    bool list = verb == "list";  // NAME optional: every endpoint
    CommandParser p(raw, absl::StrCat("endpoint ", verb),
                    list ? "lbctl endpoint list [NAME]" : "lbctl endpoint del NAME");
    auto args = p.Args(2, list ? 0 : 1, 1, {"NAME"});
    if (!args.ok()) return args.status();
    RETURN_IF_ERROR(p.AllowFlags({}));
    cmd->action = list ? Action::kEndpointList : Action::kEndpointDel;
    return args->empty() ? absl::OkStatus() : SetEndpointName(p, "NAME", (*args)[0], cmd);
  }
  if (verb != "add") return UnknownVerb("endpoint", verb, "add, del or list");
  CommandParser p(raw, "endpoint add", "lbctl endpoint add NAME --iface HOST_VETH --ip IP[,IP6]");
  auto args = p.Args(2, 1, 1, {"NAME"});
  if (!args.ok()) return args.status();
  RETURN_IF_ERROR(p.AllowFlags({"--iface", "--ip"}));
  cmd->action = Action::kEndpointAdd;
  RETURN_IF_ERROR(SetEndpointName(p, "NAME", (*args)[0], cmd));
  if (!raw.Has("--iface")) return p.Error("missing --iface");
  const std::string& iface = raw.Get("--iface");
  if (iface.empty() || iface.size() >= IF_NAMESIZE) {
    return p.Error(absl::StrCat("--iface ", QuoteValue(iface), " is not an interface name (1 to ",
                                IF_NAMESIZE - 1, " characters)"));
  }
  cmd->endpoint.set_iface(iface);
  if (!raw.Has("--ip")) return p.Error("missing --ip");
  return SetEndpointIps(p, raw.Get("--ip"), cmd);
}

absl::Status ParseServiceCommand(const RawArgs& raw, absl::string_view verb, Command* cmd) {
  if (verb == "list") {
    CommandParser p(raw, "service list", "lbctl service list");
    if (auto args = p.Args(2, 0, 0, {""}); !args.ok()) return args.status();
    cmd->action = Action::kServiceList;
    return p.AllowFlags({});
  }
  absl::string_view usage;
  if (verb == "add") {
    usage = "lbctl service add VIP --backend IP:PORT[@WEIGHT] [--backend ...]";
    cmd->action = Action::kServiceAdd;
  } else if (verb == "del") {
    usage = "lbctl service del VIP";
    cmd->action = Action::kServiceDel;
  } else {
    return UnknownVerb("service", verb, "add, del or list");
  }
  CommandParser p(raw, absl::StrCat("service ", verb), usage);
  auto args = p.Args(2, 1, 1, {"VIP"});
  if (!args.ok()) return args.status();
  bool add = cmd->action == Action::kServiceAdd;
  RETURN_IF_ERROR(add ? p.AllowFlags({"--backend"}) : p.AllowFlags({}));
  auto vip = ParseVip((*args)[0]);
  if (!vip.ok()) return p.Error(vip.status().message());
  if (vip->port() == 0) {
    return p.Error(absl::StrCat("bad VIP ", QuoteValue((*args)[0]), ": a service needs a port (1..65535)"));
  }
  if (absl::Status s = CheckUnicastAddress(vip->address()); add && !s.ok()) {
    return p.Error(absl::StrCat("bad VIP ", QuoteValue((*args)[0]), ": ", s.message()));
  }
  *cmd->service.mutable_vip() = *std::move(vip);
  if (!add) return absl::OkStatus();
  if (!raw.Has("--backend")) return p.Error("missing --backend");
  for (const std::string& text : raw.GetAll("--backend")) {
    auto backend = ParseServiceBackend(text);
    if (!backend.ok()) return p.Error(backend.status().message());
    if (absl::Status s = CheckNewReal(backend->address(), cmd->service.vip().address()); !s.ok()) {
      return p.Error(absl::StrCat("bad backend ", QuoteValue(text), ": ", s.message()));
    }
    *cmd->service.add_backends() = *std::move(backend);
  }
  return absl::OkStatus();
}

absl::Status ParsePolicyCommand(const RawArgs& raw, absl::string_view verb, Command* cmd) {
  if (verb == "set") {
    CommandParser p(raw, "policy set", "lbctl policy set ENDPOINT FILE|-");
    auto args = p.Args(2, 2, 2, {"ENDPOINT", "FILE (or - for standard input)"});
    if (!args.ok()) return args.status();
    RETURN_IF_ERROR(p.AllowFlags({}));
    cmd->action = Action::kPolicySet;
    cmd->policy_file = (*args)[1];
    return SetEndpointName(p, "ENDPOINT", (*args)[0], cmd);
  }
  if (verb != "show" && verb != "clear") return UnknownVerb("policy", verb, "set, show or clear");
  CommandParser p(raw, absl::StrCat("policy ", verb), "lbctl policy show|clear ENDPOINT");
  auto args = p.Args(2, 1, 1, {"ENDPOINT"});
  if (!args.ok()) return args.status();
  RETURN_IF_ERROR(p.AllowFlags({}));
  cmd->action = verb == "show" ? Action::kPolicyShow : Action::kPolicyClear;
  return SetEndpointName(p, "ENDPOINT", (*args)[0], cmd);
}

absl::Status ParseMonitorCommand(const RawArgs& raw, Command* cmd) {
  CommandParser p(raw, "monitor", "lbctl monitor");
  if (auto args = p.Args(1, 0, 0, {""}); !args.ok()) return args.status();
  cmd->action = Action::kMonitor;
  return p.AllowFlags({});
}

absl::Status ParseTlsFlags(const RawArgs& raw, Command* cmd) {
  for (auto [flag, field] : {std::pair{"--tls-ca", &cmd->tls_ca},
                             std::pair{"--tls-cert", &cmd->tls_cert},
                             std::pair{"--tls-key", &cmd->tls_key}}) {
    if (!raw.Has(flag)) continue;
    if (raw.Get(flag).empty()) return Usage(absl::StrCat(flag, ": empty file name"));
    if (absl::StartsWith(cmd->server, "unix:")) {
      return Usage(absl::StrCat(flag, " applies to a HOST:PORT --server only (",
                                cmd->server, " is a Unix socket)"));
    }
    *field = raw.Get(flag);
  }
  if (cmd->tls_cert.empty() != cmd->tls_key.empty()) {
    return Usage("--tls-cert and --tls-key go together: give both or neither");
  }
  return absl::OkStatus();
}

}  // namespace

const char* UsageText() { return kUsage; }

absl::StatusOr<std::string> ParseServer(absl::string_view text) {
  auto bad = [&](absl::string_view why) {
    return Usage(absl::StrCat("--server ", QuoteValue(text), ": ", why,
                              " (want unix:PATH, /PATH or HOST:PORT)"));
  };
  if (absl::StartsWith(text, "unix:")) {
    if (text.size() == 5) return bad("empty socket path");
    return std::string(text);
  }
  if (absl::StartsWith(text, "/")) return absl::StrCat("unix:", text);
  size_t colon = text.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return bad("not an address");
  absl::string_view host = text.substr(0, colon);
  uint32_t port;
  if (!ParseDecimal(text.substr(colon + 1), &port) || port == 0 || port > 65535) {
    return bad("port is not a number in 1..65535");
  }
  if (host.front() == '[') {
    if (host.back() != ']' || !IsIpv6(host.substr(1, host.size() - 2))) {
      return bad("not an IPv6 address in brackets");
    }
  } else if (host.find(':') != absl::string_view::npos) {
    return bad("an IPv6 address needs brackets: [ADDRESS]:PORT");
  }
  return std::string(text);
}

absl::StatusOr<Command> ParseArgs(absl::Span<const std::string> args) {
  auto raw = Tokenize(args);
  if (!raw.ok()) return raw.status();
  Command cmd;
  if (raw->Has("--help") || (!raw->positional.empty() && raw->positional[0] == "help")) {
    cmd.action = Action::kHelp;
    return cmd;
  }
  if (raw->Has("--server")) {
    auto server = ParseServer(raw->Get("--server"));
    if (!server.ok()) return server.status();
    cmd.server = *std::move(server);
  }
  if (absl::Status s = ParseTlsFlags(*raw, &cmd); !s.ok()) return s;
  if (raw->Has("--output")) {
    const std::string& o = raw->Get("--output");
    if (o == "table") {
      cmd.format = OutputFormat::kTable;
    } else if (o == "json") {
      cmd.format = OutputFormat::kJson;
    } else {
      return Usage(absl::StrCat("-o ", QuoteValue(o), " is not table or json"));
    }
  }
  if (raw->positional.empty()) return Usage("missing command (try 'lbctl --help')");
  const std::string& noun = raw->positional[0];
  std::string verb = raw->positional.size() > 1 ? raw->positional[1] : "";
  absl::Status status;
  if (noun == "vip") {
    status = ParseVipCommand(*raw, verb, &cmd);
  } else if (noun == "backend") {
    status = ParseBackendCommand(*raw, verb, &cmd);
  } else if (noun == "blacklist") {
    status = ParseBlacklistCommand(*raw, verb, &cmd);
  } else if (noun == "stats") {
    status = ParseStatsCommand(*raw, &cmd);
  } else if (noun == "endpoint") {
    status = ParseEndpointCommand(*raw, verb, &cmd);
  } else if (noun == "service") {
    status = ParseServiceCommand(*raw, verb, &cmd);
  } else if (noun == "policy") {
    status = ParsePolicyCommand(*raw, verb, &cmd);
  } else if (noun == "monitor") {
    status = ParseMonitorCommand(*raw, &cmd);
  } else if (noun == "apply") {
    status = absl::UnimplementedError("'apply' is not supported by this lbd yet");
  } else {
    status = Usage(absl::StrCat("unknown command ", QuoteValue(noun), " (try 'lbctl --help')"));
  }
  if (!status.ok()) return status;
  return cmd;
}

}  // namespace sluice::cli
