// gRPC sluice.v1.Stats: datapath counters.
#pragma once

#include "datapath/tc/node_datapath.h"
#include "datapath/xdp/xdp_datapath.h"
#include "lb/load_balancer.h"
#include "sluice/v1/stats.grpc.pb.h"

namespace sluice::api {

class StatsService final : public v1::Stats::CallbackService {
 public:
  StatsService(const XdpDatapath* datapath, const lb::LoadBalancer* lb,
               const NodeDatapath* node)
      : datapath_(datapath), lb_(lb), node_(node) {}

  grpc::ServerUnaryReactor* GetStats(grpc::CallbackServerContext* ctx,
                                     const v1::GetStatsRequest* req,
                                     v1::GetStatsResponse* resp) override;

 private:
  const XdpDatapath* datapath_;
  const lb::LoadBalancer* lb_;
  const NodeDatapath* node_;
};

}  // namespace sluice::api
