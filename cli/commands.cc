// Dispatch of a parsed Command to the function of its noun.
#include "cli/commands.h"

#include "cli/rpc.h"

namespace sluice::cli {

absl::Status Finish(const grpc::Status& status, const Clients& clients,
                    const std::function<std::string()>& format, std::string* out) {
  if (!status.ok()) return FromGrpc(status, clients.target);
  *out += format();
  return absl::OkStatus();
}

absl::Status RunCommand(const Command& cmd, const Clients& clients, std::FILE* in,
                        std::string* out, const FlushOutput& flush) {
  switch (cmd.action) {
    case Action::kVipAdd:
    case Action::kVipDel:
    case Action::kVipList:
      return RunVipCommand(cmd, clients, out);
    case Action::kBackendAdd:
    case Action::kBackendDel:
    case Action::kBackendSet:
    case Action::kBackendList:
      return RunBackendCommand(cmd, clients, out);
    case Action::kBlacklistAdd:
    case Action::kBlacklistDel:
    case Action::kBlacklistPush:
    case Action::kBlacklistList:
      return RunBlacklistCommand(cmd, clients, in, out);
    case Action::kEndpointAdd:
    case Action::kEndpointDel:
    case Action::kEndpointList:
      return RunEndpointCommand(cmd, clients, out);
    case Action::kServiceAdd:
    case Action::kServiceDel:
    case Action::kServiceList:
      return RunServiceCommand(cmd, clients, out);
    case Action::kPolicySet:
    case Action::kPolicyShow:
    case Action::kPolicyClear:
      return RunPolicyCommand(cmd, clients, in, out);
    case Action::kStats:
      return RunStatsCommand(cmd, clients, out);
    case Action::kMonitor:
      return RunMonitorCommand(cmd, clients, out, flush);
    case Action::kHelp:
      break;
  }
  return absl::InternalError("no RPC for this command");
}

}  // namespace sluice::cli
