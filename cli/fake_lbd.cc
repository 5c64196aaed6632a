#include "cli/fake_lbd.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>

#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace sluice::cli {

using grpc::ServerContext;
using grpc::Status;

class FakeLbd::LbService final : public sluice::v1::LoadBalancer::Service {
 public:
  explicit LbService(FakeLbd* fake) : fake_(fake) {}

  Status AddVip(ServerContext*, const sluice::v1::AddVipRequest* r,
                sluice::v1::AddVipResponse*) override {
    fake_->Record("AddVip", *r);
    return fake_->Error();
  }
  Status DeleteVip(ServerContext*, const sluice::v1::DeleteVipRequest* r,
                   sluice::v1::DeleteVipResponse*) override {
    fake_->Record("DeleteVip", *r);
    return fake_->Error();
  }
  Status ListVips(ServerContext*, const sluice::v1::ListVipsRequest* r,
                  sluice::v1::ListVipsResponse* out) override {
    fake_->Record("ListVips", *r);
    *out = fake_->vips;
    return fake_->Error();
  }
  Status AddBackend(ServerContext*, const sluice::v1::AddBackendRequest* r,
                    sluice::v1::AddBackendResponse*) override {
    fake_->Record("AddBackend", *r);
    return fake_->Error();
  }
  Status DeleteBackend(ServerContext*, const sluice::v1::DeleteBackendRequest* r,
                       sluice::v1::DeleteBackendResponse*) override {
    fake_->Record("DeleteBackend", *r);
    return fake_->Error();
  }
  Status SetBackendWeight(ServerContext*, const sluice::v1::SetBackendWeightRequest* r,
                          sluice::v1::SetBackendWeightResponse*) override {
    fake_->Record("SetBackendWeight", *r);
    return fake_->Error();
  }
  Status ListBackends(ServerContext*, const sluice::v1::ListBackendsRequest* r,
                      sluice::v1::ListBackendsResponse* out) override {
    fake_->Record("ListBackends", *r);
    *out = fake_->backends;
    return fake_->Error();
  }

 private:
  FakeLbd* fake_;
};

class FakeLbd::BlacklistService final : public sluice::v1::Blacklist::Service {
 public:
  explicit BlacklistService(FakeLbd* fake) : fake_(fake) {}

  Status AddEntries(ServerContext*, const sluice::v1::BlacklistEntries* r,
                    sluice::v1::BlacklistResponse* out) override {
    fake_->Record("AddEntries", *r);
    Status error = fake_->Error();
    if (!error.ok()) return error;
    std::lock_guard<std::mutex> lock(fake_->mu_);
    fake_->blacklist_.MergeFrom(*r);
    Sizes(fake_->blacklist_, out);
    return Status::OK;
  }
  Status DeleteEntries(ServerContext*, const sluice::v1::BlacklistEntries* r,
                       sluice::v1::BlacklistResponse* out) override {
    fake_->Record("DeleteEntries", *r);
    Status error = fake_->Error();
    if (!error.ok()) return error;
    std::lock_guard<std::mutex> lock(fake_->mu_);
    auto erase = [](google::protobuf::RepeatedPtrField<std::string>* list,
                    const google::protobuf::RepeatedPtrField<std::string>& gone) {
      list->erase(std::remove_if(list->begin(), list->end(),
                                 [&](const std::string& e) {
                                   return std::find(gone.begin(), gone.end(), e) != gone.end();
                                 }),
                  list->end());
    };
    erase(fake_->blacklist_.mutable_prefixes(), r->prefixes());
    erase(fake_->blacklist_.mutable_arp_ips(), r->arp_ips());
    Sizes(fake_->blacklist_, out);
    return Status::OK;
  }
  Status ListEntries(ServerContext*, const sluice::v1::ListBlacklistRequest* r,
                     sluice::v1::BlacklistEntries* out) override {
    fake_->Record("ListEntries", *r);
    std::lock_guard<std::mutex> lock(fake_->mu_);
    *out = fake_->blacklist_;
    return fake_->error_;
  }
  Status Push(ServerContext*, grpc::ServerReader<sluice::v1::BlacklistEntries>* reader,
              sluice::v1::BlacklistResponse* out) override {
    sluice::v1::BlacklistEntries all, chunk;
    size_t messages = 0;
    while (reader->Read(&chunk)) {
      ++messages;
      Status error = fake_->Error();
      if (!error.ok()) return error;
      all.MergeFrom(chunk);
    }
    fake_->Record("Push", all);
    std::lock_guard<std::mutex> lock(fake_->mu_);
    fake_->push_messages_ = messages;
    fake_->blacklist_ = std::move(all);
    Sizes(fake_->blacklist_, out);
    return Status::OK;
  }

 private:
  static void Sizes(const sluice::v1::BlacklistEntries& list, sluice::v1::BlacklistResponse* out) {
    out->set_prefixes(list.prefixes_size());
    out->set_arp_ips(list.arp_ips_size());
  }
  FakeLbd* fake_;
};

class FakeLbd::StatsService final : public sluice::v1::Stats::Service {
 public:
  explicit StatsService(FakeLbd* fake) : fake_(fake) {}
  Status GetStats(ServerContext*, const sluice::v1::GetStatsRequest* r,
                  sluice::v1::GetStatsResponse* out) override {
    fake_->Record("GetStats", *r);
    *out = fake_->stats;
    return fake_->Error();
  }

 private:
  FakeLbd* fake_;
};

class FakeLbd::NodeService final : public sluice::v1::Node::Service {
 public:
  explicit NodeService(FakeLbd* fake) : fake_(fake) {}

  Status AddEndpoint(ServerContext*, const sluice::v1::AddEndpointRequest* r,
                     sluice::v1::AddEndpointResponse*) override {
    return Answer("AddEndpoint", *r);
  }
  Status DeleteEndpoint(ServerContext*, const sluice::v1::DeleteEndpointRequest* r,
                        sluice::v1::DeleteEndpointResponse*) override {
    return Answer("DeleteEndpoint", *r);
  }
  Status ListEndpoints(ServerContext*, const sluice::v1::ListEndpointsRequest* r,
                       sluice::v1::ListEndpointsResponse* out) override {
    *out = fake_->endpoints;
    return Answer("ListEndpoints", *r);
  }
  Status AddService(ServerContext*, const sluice::v1::AddServiceRequest* r,
                    sluice::v1::AddServiceResponse*) override {
    return Answer("AddService", *r);
  }
  Status DeleteService(ServerContext*, const sluice::v1::DeleteServiceRequest* r,
                       sluice::v1::DeleteServiceResponse*) override {
    return Answer("DeleteService", *r);
  }
  Status ListServices(ServerContext*, const sluice::v1::ListServicesRequest* r,
                      sluice::v1::ListServicesResponse* out) override {
    *out = fake_->services;
    return Answer("ListServices", *r);
  }
  Status SetPolicy(ServerContext*, const sluice::v1::SetPolicyRequest* r,
                   sluice::v1::SetPolicyResponse*) override {
    return Answer("SetPolicy", *r);
  }
  Status GetPolicy(ServerContext*, const sluice::v1::GetPolicyRequest* r,
                   sluice::v1::GetPolicyResponse* out) override {
    *out = fake_->policy;
    return Answer("GetPolicy", *r);
  }
  Status ClearPolicy(ServerContext*, const sluice::v1::ClearPolicyRequest* r,
                     sluice::v1::ClearPolicyResponse*) override {
    return Answer("ClearPolicy", *r);
  }
  Status GetPolicyStats(ServerContext*, const sluice::v1::GetPolicyStatsRequest* r,
                        sluice::v1::GetPolicyStatsResponse* out) override {
    *out = fake_->policy_stats;
    return Answer("GetPolicyStats", *r);
  }
  Status Monitor(ServerContext*, const sluice::v1::MonitorRequest* r,
                 grpc::ServerWriter<sluice::v1::Event>* writer) override {
    Status error = Answer("Monitor", *r);
    if (!error.ok()) return error;
    for (const auto& event : fake_->events) writer->Write(event);
    return Status::OK;
  }

 private:
  Status Answer(const std::string& method, const google::protobuf::Message& request) {
    fake_->Record(method, request);
    return fake_->Error();
  }
  FakeLbd* fake_;
};

FakeLbd::FakeLbd()
    : lb_service_(std::make_unique<LbService>(this)),
      blacklist_service_(std::make_unique<BlacklistService>(this)),
      stats_service_(std::make_unique<StatsService>(this)),
      node_service_(std::make_unique<NodeService>(this)) {}

std::unique_ptr<FakeLbd> FakeLbd::Start() {
  std::unique_ptr<FakeLbd> fake(new FakeLbd());
  char dir[] = "/tmp/lbctl_test.XXXXXX";
  if (mkdtemp(dir) == nullptr) return nullptr;
  fake->dir_ = dir;
  fake->target_ = std::string("unix:") + dir + "/lbd.sock";
  grpc::ServerBuilder builder;
  builder.AddListeningPort(fake->target_, grpc::InsecureServerCredentials());
  builder.RegisterService(fake->lb_service_.get());
  builder.RegisterService(fake->blacklist_service_.get());
  builder.RegisterService(fake->stats_service_.get());
  builder.RegisterService(fake->node_service_.get());
  fake->server_ = builder.BuildAndStart();
  if (fake->server_ == nullptr) return nullptr;
  return fake;
}

FakeLbd::~FakeLbd() {
  if (server_) server_->Shutdown();
  if (!dir_.empty()) {
    unlink((dir_ + "/lbd.sock").c_str());
    rmdir(dir_.c_str());
  }
}

void FakeLbd::SetError(grpc::Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  error_ = std::move(status);
}

grpc::Status FakeLbd::Error() {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

void FakeLbd::Record(const std::string& method, const google::protobuf::Message& request) {
  std::shared_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  std::lock_guard<std::mutex> lock(mu_);
  calls_.push_back({method, std::move(copy)});
}

sluice::v1::BlacklistEntries FakeLbd::Blacklist() {
  std::lock_guard<std::mutex> lock(mu_);
  return blacklist_;
}

std::vector<FakeLbd::Call> FakeLbd::Calls() {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_;
}

size_t FakeLbd::push_messages() {
  std::lock_guard<std::mutex> lock(mu_);
  return push_messages_;
}

}  // namespace sluice::cli
