// gRPC sluice.v1.Node: validates, translates, calls node::Node; Monitor
// relays node::EventHub's events.
//
// The synchronous API, unlike the other services: a Monitor stream waits on
// its subscription for as long as the client listens, so it wants a thread
// of its own, which the sync server gives every call.
#pragma once

#include "node/event_hub.h"
#include "node/node.h"
#include "sluice/v1/node.grpc.pb.h"

namespace sluice::api {

class NodeService final : public v1::Node::Service {
 public:
  NodeService(node::Node* node, node::EventHub* events) : node_(node), events_(events) {}

  grpc::Status AddEndpoint(grpc::ServerContext* ctx, const v1::AddEndpointRequest* req,
                           v1::AddEndpointResponse* resp) override;
  grpc::Status DeleteEndpoint(grpc::ServerContext* ctx, const v1::DeleteEndpointRequest* req,
                              v1::DeleteEndpointResponse* resp) override;
  grpc::Status ListEndpoints(grpc::ServerContext* ctx, const v1::ListEndpointsRequest* req,
                             v1::ListEndpointsResponse* resp) override;

  grpc::Status AddService(grpc::ServerContext* ctx, const v1::AddServiceRequest* req,
                          v1::AddServiceResponse* resp) override;
  grpc::Status DeleteService(grpc::ServerContext* ctx, const v1::DeleteServiceRequest* req,
                             v1::DeleteServiceResponse* resp) override;
  grpc::Status ListServices(grpc::ServerContext* ctx, const v1::ListServicesRequest* req,
                            v1::ListServicesResponse* resp) override;

  grpc::Status SetPolicy(grpc::ServerContext* ctx, const v1::SetPolicyRequest* req,
                         v1::SetPolicyResponse* resp) override;
  grpc::Status GetPolicy(grpc::ServerContext* ctx, const v1::GetPolicyRequest* req,
                         v1::GetPolicyResponse* resp) override;
  grpc::Status ClearPolicy(grpc::ServerContext* ctx, const v1::ClearPolicyRequest* req,
                           v1::ClearPolicyResponse* resp) override;
  grpc::Status GetPolicyStats(grpc::ServerContext* ctx, const v1::GetPolicyStatsRequest* req,
                              v1::GetPolicyStatsResponse* resp) override;

  // Streams until the client cancels (lbctl monitor: Ctrl-C).
  grpc::Status Monitor(grpc::ServerContext* ctx, const v1::MonitorRequest* req,
                       grpc::ServerWriter<v1::Event>* writer) override;

 private:
  node::Node* node_;
  node::EventHub* events_;
};

}  // namespace sluice::api
