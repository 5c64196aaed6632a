// lbctl vip|backend|blacklist: the load balancer's commands.
#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/quote_value.h"
#include "cli/address.h"
#include "cli/args_command_parser.h"
#include "cli/args_commands.h"

namespace sluice::cli {
namespace {

bool IsPrime(uint32_t n) {
  if (n < 2) return false;
  for (uint64_t d = 2; d * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}

}  // namespace

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

}  // namespace sluice::cli
