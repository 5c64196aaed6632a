// gRPC sluice.v1.Blacklist: validates, translates, calls lb::LoadBalancer.
#pragma once

#include "api/service/commit_worker.h"
#include "api/service/grpc_status.h"
#include "lb/load_balancer.h"
#include "sluice/v1/blacklist.grpc.pb.h"

namespace sluice::api {

class BlacklistService final : public v1::Blacklist::CallbackService {
 public:
  // As LoadBalancerService: `lb` may be null; without `has_xdp_interface`
  // only ListEntries answers.
  BlacklistService(lb::LoadBalancer* lb, bool has_xdp_interface)
      : lb_(lb), has_xdp_interface_(has_xdp_interface) {}

  grpc::ServerUnaryReactor* AddEntries(grpc::CallbackServerContext* ctx,
                                       const v1::BlacklistEntries* req,
                                       v1::BlacklistResponse* resp) override;
  grpc::ServerUnaryReactor* DeleteEntries(grpc::CallbackServerContext* ctx,
                                          const v1::BlacklistEntries* req,
                                          v1::BlacklistResponse* resp) override;
  grpc::ServerUnaryReactor* ListEntries(grpc::CallbackServerContext* ctx,
                                        const v1::ListBlacklistRequest* req,
                                        v1::BlacklistEntries* resp) override;
  grpc::ServerReadReactor<v1::BlacklistEntries>* Push(grpc::CallbackServerContext* ctx,
                                                     v1::BlacklistResponse* resp) override;

 private:
  absl::Status ChangesAllowed() const {
    return LoadBalancerChangesAllowed(lb_ != nullptr, has_xdp_interface_);
  }

  lb::LoadBalancer* lb_;
  CommitWorker push_commits_;   // Push commits off the gRPC callback threads
  bool has_xdp_interface_;
};

// Parses the entries of one message, appending to `out`. `offset` is the
// number of entries of the same kind seen before (for error positions).
// kAdd also refuses what can never match (IPv4-mapped prefixes); kDelete
// takes any prefix, so what an older lbd accepted can still be deleted.
enum class BlacklistEdit { kAdd, kDelete };
absl::Status ParseBlacklistEntries(const v1::BlacklistEntries& entries, BlacklistEdit edit,
                                   size_t prefix_offset, size_t arp_offset,
                                   lb::BlacklistChange* out);

}  // namespace sluice::api
