// lbctl endpoint|service|policy: the node's commands.
#include <net/if.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/quote_value.h"
#include "base/status_macros.h"
#include "cli/address.h"
#include "cli/args_command_parser.h"
#include "cli/args_commands.h"

namespace sluice::cli {
namespace {

// lbd's rule: the datapath keeps the name in 48 bytes with its NUL.
bool IsEndpointName(absl::string_view name) {
  constexpr size_t kMaxLength = 47;
  if (name.empty() || name.size() > kMaxLength) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
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

}  // namespace

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

}  // namespace sluice::cli
