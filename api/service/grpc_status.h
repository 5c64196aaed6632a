// absl::Status -> grpc::Status at the RPC edge (the codes are the same
// numbers), and finishing a unary call with it.
#pragma once

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"

namespace sluice::api {

inline grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

inline grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* ctx, const absl::Status& s) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(ToGrpc(s));
  return reactor;
}

inline absl::Status NoLoadBalancer() {
  return absl::FailedPreconditionError(
      "this lbd runs no XDP load balancer (start it with --iface)");
}

// VIP, backend and blacklist changes need the load balancer and an XDP
// interface: without --iface its maps reach no packet, and a change that
// was accepted would do nothing.
inline absl::Status LoadBalancerChangesAllowed(bool has_load_balancer, bool has_xdp_interface) {
  if (!has_load_balancer) return NoLoadBalancer();
  if (!has_xdp_interface) {
    return absl::FailedPreconditionError(
        "this lbd has no XDP interface, so the change would reach no packet "
        "(start it with --iface IF)");
  }
  return absl::OkStatus();
}

}  // namespace sluice::api
