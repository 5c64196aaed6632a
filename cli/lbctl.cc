#include "cli/lbctl.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/rpc.h"

namespace sluice::cli {
namespace {

int Fail(const absl::Status& status, int exit_code, std::string* err) {
  std::string line = absl::StrCat("lbctl: ", status.message());
  std::replace(line.begin(), line.end(), '\n', ' ');
  *err += line;
  err->push_back('\n');
  return exit_code;
}

}  // namespace

int RunLbctl(absl::Span<const std::string> args, std::FILE* in, std::string* out,
             std::string* err, const FlushOutput& flush) {
  absl::StatusOr<Command> cmd = ParseArgs(args);
  if (!cmd.ok()) return Fail(cmd.status(), kExitUsage, err);
  if (cmd->action == Action::kHelp) {
    *out += UsageText();
    return kExitOk;
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> made = MakeChannel(*cmd);
  if (!made.ok()) return Fail(made.status(), kExitError, err);
  std::shared_ptr<grpc::Channel> channel = *std::move(made);
  sluice::v1::LoadBalancer::Stub lb(channel);
  sluice::v1::Blacklist::Stub blacklist(channel);
  sluice::v1::Stats::Stub stats(channel);
  sluice::v1::Node::Stub node(channel);
  Clients clients;
  clients.lb = &lb;
  clients.blacklist = &blacklist;
  clients.stats = &stats;
  clients.node = &node;
  clients.target = cmd->server;
  absl::Status status = RunCommand(*cmd, clients, in, out, flush);
  if (!status.ok()) return Fail(status, kExitError, err);
  return kExitOk;
}

}  // namespace sluice::cli
