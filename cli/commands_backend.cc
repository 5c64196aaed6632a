// lbctl backend add|del|set|list
#include "absl/status/status.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/rpc.h"

namespace sluice::cli {

absl::Status RunBackendCommand(const Command& cmd, const Clients& clients, std::string* out) {
  grpc::ClientContext context;
  SetTimeout(&context, clients.timeout);
  switch (cmd.action) {
    case Action::kBackendAdd: {
      sluice::v1::AddBackendRequest request;
      *request.mutable_vip() = cmd.vip.vip();
      request.mutable_backend()->set_address(cmd.real);
      // Absent = the server's default (100), so one place decides it.
      if (cmd.weight) request.mutable_backend()->set_weight(*cmd.weight);
      sluice::v1::AddBackendResponse response;
      grpc::Status s = clients.lb->AddBackend(&context, request, &response);
      if (!s.ok()) return FromGrpc(s, clients.target);
      *out += FormatChange(response, cmd.format);
      return absl::OkStatus();
    }
    case Action::kBackendDel: {
      sluice::v1::DeleteBackendRequest request;
      *request.mutable_vip() = cmd.vip.vip();
      request.set_address(cmd.real);
      sluice::v1::DeleteBackendResponse response;
      grpc::Status s = clients.lb->DeleteBackend(&context, request, &response);
      if (!s.ok()) return FromGrpc(s, clients.target);
      *out += FormatChange(response, cmd.format);
      return absl::OkStatus();
    }
    case Action::kBackendSet: {
      sluice::v1::SetBackendWeightRequest request;
      *request.mutable_vip() = cmd.vip.vip();
      request.set_address(cmd.real);
      request.set_weight(cmd.weight.value_or(kDefaultWeight));
      sluice::v1::SetBackendWeightResponse response;
      grpc::Status s = clients.lb->SetBackendWeight(&context, request, &response);
      if (!s.ok()) return FromGrpc(s, clients.target);
      *out += FormatChange(response, cmd.format);
      return absl::OkStatus();
    }
    case Action::kBackendList: {
      sluice::v1::ListBackendsRequest request;
      *request.mutable_vip() = cmd.vip.vip();
      sluice::v1::ListBackendsResponse response;
      grpc::Status s = clients.lb->ListBackends(&context, request, &response);
      if (!s.ok()) return FromGrpc(s, clients.target);
      *out += FormatBackends(response, cmd.format);
      return absl::OkStatus();
    }
    default:
      return absl::InternalError("not a backend command");
  }
}

}  // namespace sluice::cli
