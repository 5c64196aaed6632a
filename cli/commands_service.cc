// lbctl service add|del|list
#include "absl/status/status.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/rpc.h"

namespace sluice::cli {

absl::Status RunServiceCommand(const Command& cmd, const Clients& clients, std::string* out) {
  grpc::ClientContext context;
  SetTimeout(&context, clients.timeout);
  switch (cmd.action) {
    case Action::kServiceAdd: {
      sluice::v1::AddServiceRequest request;
      *request.mutable_service() = cmd.service;
      sluice::v1::AddServiceResponse response;
      return Finish(clients.node->AddService(&context, request, &response), clients,
                    [&] { return FormatChange(response, cmd.format); }, out);
    }
    case Action::kServiceDel: {
      sluice::v1::DeleteServiceRequest request;
      *request.mutable_vip() = cmd.service.vip();
      sluice::v1::DeleteServiceResponse response;
      return Finish(clients.node->DeleteService(&context, request, &response), clients,
                    [&] { return FormatChange(response, cmd.format); }, out);
    }
    case Action::kServiceList: {
      sluice::v1::ListServicesResponse response;
      return Finish(
          clients.node->ListServices(&context, sluice::v1::ListServicesRequest(), &response),
          clients, [&] { return FormatServices(response, cmd.format); }, out);
    }
    default:
      return absl::InternalError("not a service command");
  }
}

}  // namespace sluice::cli
