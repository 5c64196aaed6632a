// Test double of lbd: the four sluice.v1 services in-process on a unix
// socket in a fresh temp directory, with canned answers, a blacklist kept in
// memory, and every request recorded.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "google/protobuf/message.h"
#include "grpcpp/server.h"
#include "sluice/v1/blacklist.grpc.pb.h"
#include "sluice/v1/load_balancer.grpc.pb.h"
#include "sluice/v1/node.grpc.pb.h"
#include "sluice/v1/stats.grpc.pb.h"

namespace sluice::cli {

class FakeLbd {
 public:
  struct Call {
    std::string method;  // "AddVip", ...; Push records the stream's messages merged
    std::shared_ptr<google::protobuf::Message> request;
  };

  // nullptr if the server does not start.
  static std::unique_ptr<FakeLbd> Start();
  ~FakeLbd();

  const std::string& target() const { return target_; }
  const std::string& dir() const { return dir_; }

  // Canned answers and behaviour; set before running a command.
  sluice::v1::ListVipsResponse vips;
  sluice::v1::ListBackendsResponse backends;
  sluice::v1::GetStatsResponse stats;
  sluice::v1::ListEndpointsResponse endpoints;
  sluice::v1::ListServicesResponse services;
  sluice::v1::GetPolicyResponse policy;
  sluice::v1::GetPolicyStatsResponse policy_stats;
  // What Monitor streams before it ends the stream.
  std::vector<sluice::v1::Event> events;
  // Every later RPC fails with `status` (a Push after reading its first
  // message, as a server rejecting a bad chunk would); OK to clear.
  void SetError(grpc::Status status);

  // The blacklist as the fake holds it (Add/Delete/Push change it).
  sluice::v1::BlacklistEntries Blacklist();
  std::vector<Call> Calls();
  // Messages received by the last Push.
  size_t push_messages();

  // The last request of `method` (a default T if none).
  template <typename T>
  T LastRequest(const std::string& method) {
    std::vector<Call> calls = Calls();
    for (auto it = calls.rbegin(); it != calls.rend(); ++it) {
      if (it->method == method) return static_cast<const T&>(*it->request);
    }
    return T();
  }

 private:
  class LbService;
  class BlacklistService;
  class StatsService;
  class NodeService;
  friend class LbService;
  friend class BlacklistService;
  friend class StatsService;
  friend class NodeService;

  FakeLbd();
  void Record(const std::string& method, const google::protobuf::Message& request);
  grpc::Status Error();

  std::string dir_;
  std::string target_;
  std::mutex mu_;
  std::vector<Call> calls_;
  sluice::v1::BlacklistEntries blacklist_;
  size_t push_messages_ = 0;
  grpc::Status error_;
  std::unique_ptr<LbService> lb_service_;
  std::unique_ptr<BlacklistService> blacklist_service_;
  std::unique_ptr<StatsService> stats_service_;
  std::unique_ptr<NodeService> node_service_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace sluice::cli
