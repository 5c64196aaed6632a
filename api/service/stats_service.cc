#include "api/service/stats_service.h"

#include "api/service/convert.h"
#include "api/service/grpc_status.h"
#include "base/status_macros.h"
#include "lb/stats.h"
#include "node/node_stats.h"

namespace sluice::api {
namespace {

v1::Counter ToProto(const sluice_counter& c) {
  v1::Counter out;
  out.set_packets(c.packets);
  out.set_bytes(c.bytes);
  return out;
}

}  // namespace

grpc::ServerUnaryReactor* StatsService::GetStats(grpc::CallbackServerContext* ctx,
                                                 const v1::GetStatsRequest*,
                                                 v1::GetStatsResponse* resp) {
  auto run = [&]() -> absl::Status {
    if (!lb_) return NoLoadBalancer();
    ASSIGN_OR_RETURN(lb::StatsSnapshot s, lb::ReadStats(*datapath_, *lb_->Counters()));
    for (const auto& v : s.vips) {
      auto* e = resp->add_vips();
      *e->mutable_vip() = api::ToProto(v.key);
      *e->mutable_counter() = ToProto(v.counter);
    }
    for (const auto& b : s.backends) {
      auto* e = resp->add_backends();
      *e->mutable_vip() = api::ToProto(b.vip);
      e->set_address(b.address.ToString());
      *e->mutable_counter() = ToProto(b.counter);
    }
    for (const auto& [name, c] : s.drops) (*resp->mutable_drops())[name] = ToProto(c);
    for (const auto& [name, c] : s.verdicts) (*resp->mutable_verdicts())[name] = ToProto(c);
    for (const auto& [name, c] : s.counters) (*resp->mutable_counters())[name] = ToProto(c);
    if (!node_) return absl::OkStatus();
    ASSIGN_OR_RETURN(node::NodeStatsSnapshot n, node::ReadNodeStats(*node_));
    for (const auto& [name, c] : n.drops) (*resp->mutable_node_drops())[name] = ToProto(c);
    for (const auto& [name, c] : n.verdicts) (*resp->mutable_node_verdicts())[name] = ToProto(c);
    for (const auto& [name, c] : n.counters) (*resp->mutable_node_counters())[name] = ToProto(c);
    return absl::OkStatus();
  };
  return Finish(ctx, run());
}

}  // namespace sluice::api
