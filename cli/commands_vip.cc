// lbctl vip add|del|list
#include "absl/status/status.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/rpc.h"

namespace sluice::cli {

absl::Status RunVipCommand(const Command& cmd, const Clients& clients, std::string* out) {
  grpc::ClientContext context;
  SetTimeout(&context, clients.timeout);
  switch (cmd.action) {
    case Action::kVipAdd: {
      sluice::v1::AddVipRequest request;
      *request.mutable_config() = cmd.vip;
      sluice::v1::AddVipResponse response;
      grpc::Status s = clients.lb->AddVip(&context, request, &response);
      if (!s.ok()) return FromGrpc(s, clients.target);
      *out += FormatChange(response, cmd.format);
      return absl::OkStatus();
    }
    case Action::kVipDel: {
      sluice::v1::DeleteVipRequest request;
      *request.mutable_vip() = cmd.vip.vip();
      sluice::v1::DeleteVipResponse response;
      grpc::Status s = clients.lb->DeleteVip(&context, request, &response);
      if (!s.ok()) return FromGrpc(s, clients.target);
      *out += FormatChange(response, cmd.format);
      return absl::OkStatus();
    }
    case Action::kVipList: {
      sluice::v1::ListVipsResponse response;
      grpc::Status s = clients.lb->ListVips(&context, sluice::v1::ListVipsRequest(), &response);
      if (!s.ok()) return FromGrpc(s, clients.target);
      *out += FormatVips(response, cmd.format);
      return absl::OkStatus();
    }
    default:
      return absl::InternalError("not a vip command");
  }
}

}  // namespace sluice::cli
