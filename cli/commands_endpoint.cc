// lbctl endpoint add|del|list
#include "absl/status/status.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/rpc.h"

namespace sluice::cli {

absl::Status RunEndpointCommand(const Command& cmd, const Clients& clients, std::string* out) {
  grpc::ClientContext context;
  SetTimeout(&context, clients.timeout);
  switch (cmd.action) {
    case Action::kEndpointAdd: {
      sluice::v1::AddEndpointRequest request;
      *request.mutable_endpoint() = cmd.endpoint;
      sluice::v1::AddEndpointResponse response;
      return Finish(clients.node->AddEndpoint(&context, request, &response), clients,
                    [&] { return FormatChange(response, cmd.format); }, out);
    }
    case Action::kEndpointDel: {
      sluice::v1::DeleteEndpointRequest request;
      request.set_name(cmd.endpoint.name());
      sluice::v1::DeleteEndpointResponse response;
      return Finish(clients.node->DeleteEndpoint(&context, request, &response), clients,
                    [&] { return FormatChange(response, cmd.format); }, out);
    }
    case Action::kEndpointList: {
      sluice::v1::ListEndpointsRequest request;
      request.set_name(cmd.endpoint.name());
      sluice::v1::ListEndpointsResponse response;
      return Finish(clients.node->ListEndpoints(&context, request, &response), clients,
                    [&] { return FormatEndpoints(response, cmd.format); }, out);
    }
    default:
      return absl::InternalError("not an endpoint command");
  }
}

}  // namespace sluice::cli
