// Dispatch of a parsed Command to the function of its noun.
#include "cli/commands.h"

namespace sluice::cli {

absl::Status RunCommand(const Command& cmd, const Clients& clients, std::FILE* in,
                        std::string* out) {
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
    case Action::kStats:
      return RunStatsCommand(cmd, clients, out);
    case Action::kHelp:
      break;
  }
  return absl::InternalError("no RPC for this command");
}

}  // namespace sluice::cli
