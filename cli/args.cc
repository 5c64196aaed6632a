// ParseArgs: the global options, then the command by its noun (the nouns
// of one role in args_*_commands.cc; stats and monitor, which read every
// role, here). The usage text and --server's syntax.
#include "cli/args.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/quote_value.h"
#include "cli/address.h"
#include "cli/args_command_parser.h"
#include "cli/args_commands.h"
#include "cli/args_tokenizer.h"

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
