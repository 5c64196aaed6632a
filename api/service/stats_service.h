// gRPC sluice.v1.Stats: datapath counters.
#pragma once

#include "lb/load_balancer.h"
#include "lb/node/node_datapath.h"
#include "lb/xdp_datapath.h"
#include "sluice/v1/stats.grpc.pb.h"

namespace sluice::api {

class StatsService final : public v1::Stats::CallbackService {
 public:
  StatsService(const lb::XdpDatapath* datapath, const lb::LoadBalancer* lb,
               const lb::NodeDatapath* node)
      : datapath_(datapath), lb_(lb), node_(node) {}

  grpc::ServerUnaryReactor* GetStats(grpc::CallbackServerContext* ctx,
                                     const v1::GetStatsRequest* req,
                                     v1::GetStatsResponse* resp) override;

 private:
  const lb::XdpDatapath* datapath_;
  const lb::LoadBalancer* lb_;
  const lb::NodeDatapath* node_;
};

}  // namespace sluice::api
