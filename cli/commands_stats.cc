// lbctl stats [vips|backends|drops]
#include "absl/status/status.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/rpc.h"

namespace sluice::cli {

absl::Status RunStatsCommand(const Command& cmd, const Clients& clients, std::string* out) {
  grpc::ClientContext context;
  SetTimeout(&context, clients.timeout);
  sluice::v1::GetStatsResponse response;
  grpc::Status s = clients.stats->GetStats(&context, sluice::v1::GetStatsRequest(), &response);
  if (!s.ok()) return FromGrpc(s, clients.target);
  *out += FormatStats(response, cmd.section, cmd.format);
  return absl::OkStatus();
}

}  // namespace sluice::cli
