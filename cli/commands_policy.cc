// lbctl policy set|show|clear
#include "absl/status/status.h"
#include "base/status_macros.h"
#include "cli/blacklist_file.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/policy_file.h"
#include "cli/rpc.h"

namespace sluice::cli {

absl::Status RunPolicyCommand(const Command& cmd, const Clients& clients, std::FILE* in,
                              std::string* out) {
  grpc::ClientContext context;
  SetTimeout(&context, clients.timeout);
  switch (cmd.action) {
    case Action::kPolicySet: {
      sluice::v1::SetPolicyRequest request;
      request.set_endpoint(cmd.endpoint.name());
      {
        // The whole file is checked before anything is sent.
        ASSIGN_OR_RETURN(std::string text, ReadInput(cmd.policy_file, in));
        ASSIGN_OR_RETURN(*request.mutable_policy(),
                         ParsePolicyFile(text, cmd.policy_file == "-" ? "stdin" : cmd.policy_file));
      }
      sluice::v1::SetPolicyResponse response;
      return Finish(clients.node->SetPolicy(&context, request, &response), clients,
                    [&] { return FormatChange(response, cmd.format); }, out);
    }
    case Action::kPolicyShow: {
      sluice::v1::GetPolicyRequest request;
      request.set_endpoint(cmd.endpoint.name());
      sluice::v1::GetPolicyResponse response;
      // The file format in both modes, so show -> edit -> set round-trips.
      return Finish(clients.node->GetPolicy(&context, request, &response), clients,
                    [&] { return FormatPolicyFile(response.policy()); }, out);
    }
    case Action::kPolicyClear: {
      sluice::v1::ClearPolicyRequest request;
      request.set_endpoint(cmd.endpoint.name());
      sluice::v1::ClearPolicyResponse response;
      return Finish(clients.node->ClearPolicy(&context, request, &response), clients,
                    [&] { return FormatChange(response, cmd.format); }, out);
    }
    default:
      return absl::InternalError("not a policy command");
  }
}

}  // namespace sluice::cli
