// gRPC sluice.v1.LoadBalancer: validates, translates, calls lb::LoadBalancer.
#pragma once

#include "api/service/grpc_status.h"
#include "lb/load_balancer.h"
#include "sluice/v1/load_balancer.grpc.pb.h"

namespace sluice::api {

class LoadBalancerService final : public v1::LoadBalancer::CallbackService {
 public:
  // `lb` may be null (an lbd in the real-server role only): every call then
  // fails with FAILED_PRECONDITION. Without `has_xdp_interface` (no --iface)
  // the lists answer and every change fails with FAILED_PRECONDITION.
  LoadBalancerService(lb::LoadBalancer* lb, bool has_xdp_interface)
      : lb_(lb), has_xdp_interface_(has_xdp_interface) {}

  grpc::ServerUnaryReactor* AddVip(grpc::CallbackServerContext* ctx, const v1::AddVipRequest* req,
                                   v1::AddVipResponse* resp) override;
  grpc::ServerUnaryReactor* DeleteVip(grpc::CallbackServerContext* ctx,
                                      const v1::DeleteVipRequest* req,
                                      v1::DeleteVipResponse* resp) override;
  grpc::ServerUnaryReactor* ListVips(grpc::CallbackServerContext* ctx,
                                     const v1::ListVipsRequest* req,
                                     v1::ListVipsResponse* resp) override;
  grpc::ServerUnaryReactor* AddBackend(grpc::CallbackServerContext* ctx,
                                       const v1::AddBackendRequest* req,
                                       v1::AddBackendResponse* resp) override;
  grpc::ServerUnaryReactor* DeleteBackend(grpc::CallbackServerContext* ctx,
                                          const v1::DeleteBackendRequest* req,
                                          v1::DeleteBackendResponse* resp) override;
  grpc::ServerUnaryReactor* SetBackendWeight(grpc::CallbackServerContext* ctx,
                                             const v1::SetBackendWeightRequest* req,
                                             v1::SetBackendWeightResponse* resp) override;
  grpc::ServerUnaryReactor* ListBackends(grpc::CallbackServerContext* ctx,
                                         const v1::ListBackendsRequest* req,
                                         v1::ListBackendsResponse* resp) override;

 private:
  absl::Status ChangesAllowed() const {
    return LoadBalancerChangesAllowed(lb_ != nullptr, has_xdp_interface_);
  }

  lb::LoadBalancer* lb_;
  bool has_xdp_interface_;
};

}  // namespace sluice::api
