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

}  // namespace sluice::api
