// lbctl stats [vips|backends|drops|policy]
#include "absl/status/status.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/rpc.h"

namespace sluice::cli {

absl::Status RunStatsCommand(const Command& cmd, const Clients& clients, std::string* out) {
  grpc::ClientContext context;
  SetTimeout(&context, clients.timeout);
  if (cmd.section == StatsSection::kPolicy) {
    sluice::v1::GetPolicyStatsResponse response;
    return Finish(
        clients.node->GetPolicyStats(&context, sluice::v1::GetPolicyStatsRequest(), &response),
        clients, [&] { return FormatPolicyStats(response, cmd.format); }, out);
  }
  sluice::v1::GetStatsResponse response;
  return Finish(clients.stats->GetStats(&context, sluice::v1::GetStatsRequest(), &response),
                clients, [&] { return FormatStats(response, cmd.section, cmd.format); }, out);
}

}  // namespace sluice::cli
