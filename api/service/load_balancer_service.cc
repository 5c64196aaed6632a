#include "api/service/load_balancer_service.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "api/service/convert.h"
#include "api/service/grpc_status.h"
#include "base/status_macros.h"

namespace sluice::api {
namespace {

std::string MacText(const std::array<uint8_t, 6>& m) {
  return absl::StrFormat("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

}  // namespace

grpc::ServerUnaryReactor* LoadBalancerService::AddVip(grpc::CallbackServerContext* ctx,
                                                      const v1::AddVipRequest* req,
                                                      v1::AddVipResponse*) {
  auto run = [&]() -> absl::Status {
    RETURN_IF_ERROR(ChangesAllowed());
    if (!req->has_config()) return absl::InvalidArgumentError("config: required");
    ASSIGN_OR_RETURN(VipKey key, ToVipKey(req->config().vip(), "config.vip"));
    RETURN_IF_ERROR(CheckNewVip(key, "config.vip"));
    lb::HashMode hash = lb::HashMode::kFiveTuple;
    switch (req->config().hash()) {
      case v1::HASH_MODE_UNSPECIFIED:
      case v1::HASH_MODE_FIVE_TUPLE: break;
      case v1::HASH_MODE_SOURCE: hash = lb::HashMode::kSource; break;
      default: return absl::InvalidArgumentError("config.hash: unknown hash mode");
    }
    return lb_->AddVip(key, hash, req->config().ring_size());
  };
  return Finish(ctx, run());
}

grpc::ServerUnaryReactor* LoadBalancerService::DeleteVip(grpc::CallbackServerContext* ctx,
                                                         const v1::DeleteVipRequest* req,
                                                         v1::DeleteVipResponse*) {
  auto run = [&]() -> absl::Status {
    RETURN_IF_ERROR(ChangesAllowed());
    ASSIGN_OR_RETURN(VipKey key, ToVipKey(req->vip(), "vip"));
    return lb_->DeleteVip(key);
  };
  return Finish(ctx, run());
}

grpc::ServerUnaryReactor* LoadBalancerService::ListVips(grpc::CallbackServerContext* ctx,
                                                        const v1::ListVipsRequest*,
                                                        v1::ListVipsResponse* resp) {
  if (!lb_) return Finish(ctx, NoLoadBalancer());
  for (const lb::VipEntry& vip : lb_->ListVips()) {
    auto* e = resp->add_vips();
    *e->mutable_config()->mutable_vip() = ToProto(vip.key);
    e->mutable_config()->set_hash(vip.hash == lb::HashMode::kSource ? v1::HASH_MODE_SOURCE
                                                                    : v1::HASH_MODE_FIVE_TUPLE);
    e->mutable_config()->set_ring_size(vip.ring_size);
    e->set_backend_count(vip.backends.size());
  }
  return Finish(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* LoadBalancerService::AddBackend(grpc::CallbackServerContext* ctx,
                                                          const v1::AddBackendRequest* req,
                                                          v1::AddBackendResponse*) {
  auto run = [&]() -> absl::Status {
    RETURN_IF_ERROR(ChangesAllowed());
    ASSIGN_OR_RETURN(VipKey key, ToVipKey(req->vip(), "vip"));
    ASSIGN_OR_RETURN(IpAddress address,
                     ToNewReal(req->backend().address(), key.address, "backend.address"));
    uint32_t weight = req->backend().has_weight() ? req->backend().weight() : 100;
    return lb_->AddBackend(key, address, weight);
  };
  return Finish(ctx, run());
}

grpc::ServerUnaryReactor* LoadBalancerService::DeleteBackend(grpc::CallbackServerContext* ctx,
                                                             const v1::DeleteBackendRequest* req,
                                                             v1::DeleteBackendResponse*) {
  auto run = [&]() -> absl::Status {
    RETURN_IF_ERROR(ChangesAllowed());
    ASSIGN_OR_RETURN(VipKey key, ToVipKey(req->vip(), "vip"));
    ASSIGN_OR_RETURN(IpAddress address, ToAddress(req->address(), "address"));
    return lb_->DeleteBackend(key, address);
  };
  return Finish(ctx, run());
}

grpc::ServerUnaryReactor* LoadBalancerService::SetBackendWeight(
    grpc::CallbackServerContext* ctx, const v1::SetBackendWeightRequest* req,
    v1::SetBackendWeightResponse*) {
  auto run = [&]() -> absl::Status {
    RETURN_IF_ERROR(ChangesAllowed());
    ASSIGN_OR_RETURN(VipKey key, ToVipKey(req->vip(), "vip"));
    ASSIGN_OR_RETURN(IpAddress address, ToAddress(req->address(), "address"));
    return lb_->SetBackendWeight(key, address, req->weight());
  };
  return Finish(ctx, run());
}

grpc::ServerUnaryReactor* LoadBalancerService::ListBackends(grpc::CallbackServerContext* ctx,
                                                            const v1::ListBackendsRequest* req,
                                                            v1::ListBackendsResponse* resp) {
  auto run = [&]() -> absl::Status {
    if (!lb_) return NoLoadBalancer();
    ASSIGN_OR_RETURN(VipKey key, ToVipKey(req->vip(), "vip"));
    ASSIGN_OR_RETURN(std::vector<lb::BackendView> backends, lb_->ListBackends(key));
    for (const lb::BackendView& b : backends) {
      auto* e = resp->add_backends();
      e->mutable_backend()->set_address(b.backend.address.ToString());
      e->mutable_backend()->set_weight(b.backend.weight);
      if (b.next_hop.resolved) e->set_next_hop_mac(MacText(b.next_hop.mac));
      e->set_ring_entries(b.ring_entries);
    }
    return absl::OkStatus();
  };
  return Finish(ctx, run());
}

}  // namespace sluice::api
