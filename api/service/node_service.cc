#include "api/service/node_service.h"

#include "api/service/grpc_status.h"
#include "api/service/node_convert.h"
#include "base/status_macros.h"

namespace sluice::api {
namespace {

// How often a waiting Monitor stream looks whether its client has gone.
constexpr absl::Duration kCancelCheckInterval = absl::Milliseconds(200);

}  // namespace

grpc::Status NodeService::AddEndpoint(grpc::ServerContext*, const v1::AddEndpointRequest* req,
                                      v1::AddEndpointResponse*) {
  auto run = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(node::EndpointSpec spec, ToEndpointSpec(req->endpoint(), "endpoint"));
    return node_->AddEndpoint(spec);
  };
  return ToGrpc(run());
}

grpc::Status NodeService::DeleteEndpoint(grpc::ServerContext*,
                                         const v1::DeleteEndpointRequest* req,
                                         v1::DeleteEndpointResponse*) {
  auto run = [&]() -> absl::Status {
    RETURN_IF_ERROR(CheckEndpointName(req->name(), "name"));
    return node_->DeleteEndpoint(req->name());
  };
  return ToGrpc(run());
}

grpc::Status NodeService::ListEndpoints(grpc::ServerContext*, const v1::ListEndpointsRequest* req,
                                        v1::ListEndpointsResponse* resp) {
  auto run = [&]() -> absl::Status {
    if (!req->name().empty()) RETURN_IF_ERROR(CheckEndpointName(req->name(), "name"));
    ASSIGN_OR_RETURN(std::vector<node::EndpointView> endpoints, node_->ListEndpoints(req->name()));
    for (const node::EndpointView& view : endpoints) {
      auto* e = resp->add_endpoints();
      *e->mutable_endpoint() = ToProto(view.spec);
      e->set_ingress_policy(view.ingress_policy);
      e->set_egress_policy(view.egress_policy);
    }
    return absl::OkStatus();
  };
  return ToGrpc(run());
}

grpc::Status NodeService::AddService(grpc::ServerContext*, const v1::AddServiceRequest* req,
                                     v1::AddServiceResponse*) {
  auto run = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(node::ServiceSpec spec, ToServiceSpec(req->service(), "service"));
    return node_->AddService(spec);
  };
  return ToGrpc(run());
}

grpc::Status NodeService::DeleteService(grpc::ServerContext*, const v1::DeleteServiceRequest* req,
                                        v1::DeleteServiceResponse*) {
  auto run = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(VipKey key, ToServiceKey(req->vip(), "vip"));
    return node_->DeleteService(key);
  };
  return ToGrpc(run());
}

grpc::Status NodeService::ListServices(grpc::ServerContext*, const v1::ListServicesRequest*,
                                       v1::ListServicesResponse* resp) {
  for (const node::ServiceSpec& spec : node_->ListServices()) *resp->add_services() = ToProto(spec);
  return grpc::Status::OK;
}

grpc::Status NodeService::SetPolicy(grpc::ServerContext*, const v1::SetPolicyRequest* req,
                                    v1::SetPolicyResponse*) {
  auto run = [&]() -> absl::Status {
    RETURN_IF_ERROR(CheckEndpointName(req->endpoint(), "endpoint"));
    ASSIGN_OR_RETURN(node::PolicySpec policy, ToPolicySpec(req->policy(), "policy"));
    return node_->SetPolicy(req->endpoint(), policy);
  };
  return ToGrpc(run());
}

grpc::Status NodeService::GetPolicy(grpc::ServerContext*, const v1::GetPolicyRequest* req,
                                    v1::GetPolicyResponse* resp) {
  auto run = [&]() -> absl::Status {
    RETURN_IF_ERROR(CheckEndpointName(req->endpoint(), "endpoint"));
    ASSIGN_OR_RETURN(node::PolicySpec policy, node_->GetPolicy(req->endpoint()));
    *resp->mutable_policy() = ToProto(policy);
    return absl::OkStatus();
  };
  return ToGrpc(run());
}

grpc::Status NodeService::ClearPolicy(grpc::ServerContext*, const v1::ClearPolicyRequest* req,
                                      v1::ClearPolicyResponse*) {
  auto run = [&]() -> absl::Status {
    RETURN_IF_ERROR(CheckEndpointName(req->endpoint(), "endpoint"));
    return node_->ClearPolicy(req->endpoint());
  };
  return ToGrpc(run());
}

grpc::Status NodeService::GetPolicyStats(grpc::ServerContext*, const v1::GetPolicyStatsRequest*,
                                         v1::GetPolicyStatsResponse* resp) {
  for (const node::RuleHits& hits : node_->PolicyStats()) *resp->add_rules() = ToProto(hits);
  return grpc::Status::OK;
}

grpc::Status NodeService::Monitor(grpc::ServerContext* ctx, const v1::MonitorRequest*,
                                  grpc::ServerWriter<v1::Event>* writer) {
  std::shared_ptr<node::EventSubscription> sub = events_->Subscribe();
  node::NodeEvent event;
  while (!ctx->IsCancelled()) {
    if (!sub->Next(&event, kCancelCheckInterval)) continue;
    node::Node::EventNames names = node_->NameEvent(event.raw.endpoint_id, event.raw.rule_id);
    if (!writer->Write(ToProto(event, names))) break;  // the client has gone
  }
  events_->Unsubscribe(sub);
  return grpc::Status::OK;
}

}  // namespace sluice::api
