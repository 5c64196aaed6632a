// lbctl's command line: the grammar of DESIGN.md section 3, parsed into one
// Command. No I/O and no RPCs here; every error is INVALID_ARGUMENT (a usage
// error, exit status 2) with a one-line message naming the bad argument, or
// UNIMPLEMENTED for a command this lbd does not serve yet (also exit status 2).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "sluice/v1/blacklist.pb.h"
#include "sluice/v1/common.pb.h"
#include "sluice/v1/load_balancer.pb.h"
#include "sluice/v1/node.pb.h"

namespace sluice::cli {

inline constexpr char kDefaultServer[] = "unix:/run/sluice/lbd.sock";
inline constexpr uint32_t kDefaultWeight = 100;

enum class OutputFormat { kTable, kJson };

enum class Action {
  kHelp,
  kVipAdd,
  kVipDel,
  kVipList,
  kBackendAdd,
  kBackendDel,
  kBackendSet,
  kBackendList,
  kBlacklistAdd,
  kBlacklistDel,
  kBlacklistPush,
  kBlacklistList,
  kEndpointAdd,
  kEndpointDel,
  kEndpointList,
  kServiceAdd,
  kServiceDel,
  kServiceList,
  kPolicySet,
  kPolicyShow,
  kPolicyClear,
  kStats,
  kMonitor,
};

// kAll is the load balancer's sections (vips, backends, drops); kPolicy is
// the node's per-rule hits, from another service.
enum class StatsSection { kAll, kVips, kBackends, kDrops, kPolicy };

struct Command {
  Action action = Action::kHelp;
  // --server, normalised to a gRPC target: "unix:/path" or "host:port".
  std::string server = kDefaultServer;
  // TLS to a HOST:PORT server (always TLS): --tls-ca (empty: the system's
  // trusted CAs) and the client certificate lbd may require (--tls-cert and
  // --tls-key, both or neither). Paths; read when the channel is made.
  std::string tls_ca, tls_cert, tls_key;
  OutputFormat format = OutputFormat::kTable;

  // vip add (hash and ring_size set), vip del (vip only); `vip.vip()` is also
  // the VIP of every backend command.
  sluice::v1::VipConfig vip;
  // backend add|del|set: the real's address; `weight` as given (add: absent
  // means the server default of 100; set: always present).
  std::string real;
  std::optional<uint32_t> weight;
  // blacklist add|del.
  sluice::v1::BlacklistEntries entries;
  // blacklist push: a path, or "-" for standard input.
  std::string push_file;
  // endpoint add: every field; endpoint del|list and the policy commands:
  // the name only (list: empty = every endpoint).
  sluice::v1::Endpoint endpoint;
  // service add: the VIP and the backends; service del: the VIP only.
  sluice::v1::Service service;
  // policy set: a path, or "-" for standard input.
  std::string policy_file;
  StatsSection section = StatsSection::kAll;
};

// `args` excludes argv[0]. Global options (--server, -o) may come anywhere
// before a "--"; "-" is a positional argument (standard input).
absl::StatusOr<Command> ParseArgs(absl::Span<const std::string> args);

// --server syntax: "unix:PATH", "/PATH" (same as unix:/PATH) or "HOST:PORT"
// ("[::1]:50051" for IPv6). Returns the gRPC target.
absl::StatusOr<std::string> ParseServer(absl::string_view text);

// The text `lbctl --help` prints.
const char* UsageText();

}  // namespace sluice::cli
