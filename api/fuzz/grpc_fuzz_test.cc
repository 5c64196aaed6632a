// A seeded fuzz of every RPC of every service (sluice.v1) against a real lbd
// over its Unix socket (api/fuzz/lbd_under_test.h). Each request is a valid
// one with a few generic field edits (api/fuzz/message_mutator.h). Checked
// for each: the status is a standard code the design allows (a crash shows
// as UNAVAILABLE, a bug as UNKNOWN or INTERNAL); a request that was not
// accepted, and any read, leaves the whole configuration as it was
// (api/fuzz/state_dump.h); lbd is alive at the end. docs/testing-fuzz.md.
//
// SLUICE_GRPC_FUZZ_SEED (default 1; printed) and
// SLUICE_GRPC_FUZZ_REQUESTS (default 3000) choose the run; SLUICE_LBD the
// daemon (default: the build's lbd/lbd).
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/text_format.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "api/fuzz/lbd_under_test.h"
#include "api/fuzz/message_mutator.h"
#include "api/fuzz/state_dump.h"
#include "gtest/gtest.h"
#include "sluice/v1/blacklist.grpc.pb.h"
#include "sluice/v1/load_balancer.grpc.pb.h"
#include "sluice/v1/node.grpc.pb.h"
#include "sluice/v1/stats.grpc.pb.h"

namespace sluice::api::testing {
namespace {

using google::protobuf::Message;

constexpr uint64_t kDefaultRequests = 3000;
constexpr int kVeths = 4;
constexpr size_t kShownBytes = 600;
constexpr int kMaxReportedFailures = 10;
constexpr auto kDeadline = std::chrono::seconds(10);
constexpr auto kMonitorTime = std::chrono::milliseconds(50);

uint64_t EnvNumber(const char* name, uint64_t fallback) {
  const char* text = std::getenv(name);
  uint64_t v;
  return text && absl::SimpleAtoi(text, &v) ? v : fallback;
}

std::string LbdPath() {
  if (const char* path = std::getenv("SLUICE_LBD")) return path;
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  std::string dir = n > 0 ? std::string(self, n) : "";
  dir = dir.substr(0, dir.rfind('/'));          // build/api
  return dir.substr(0, dir.rfind('/')) + "/lbd/lbd";
}

std::string Shown(const Message& m) {
  std::string text = m.ShortDebugString();
  if (text.size() > kShownBytes) text = text.substr(0, kShownBytes) + "...(cut)";
  return text;
}

template <typename T>
T Parse(const char* text) {
  T m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

// Strings the API knows: existing (or once existing) objects, so that edits
// reach deletes, duplicates and lookups, not only parse errors.
std::vector<std::string> KnownWords() {
  return {"10.0.0.1",      "10.0.0.2",        "2001:db8::1",      "10.1.0.1",
          "10.1.0.2",      "2001:db8:1::1",   "192.0.2.0/24",     "198.51.100.0/24",
          "2001:db8:bad::/48", "192.0.2.9",   "ep0",              "ep1",
          "ep2",           "fz0",             "fz1",              "fz2",
          "fz3",           "10.2.0.1",        "10.2.0.2",         "2001:db8:2::1",
          "10.3.0.1",      "2001:db8:3::1",   "10.0.0.0/8",       "2001:db8::/32"};
}

// One RPC: how to make, edit and send one request. `Send` returns the status
// and puts what was sent, as text, in `shown`.
struct Rpc {
  std::string name;
  bool mutating = false;
  int weight = 10;                      // how often it is picked
  std::set<grpc::StatusCode> also_allowed;
  std::function<grpc::Status(MessageMutator&, std::string* shown)> send;
};

void SetDeadline(grpc::ClientContext* ctx) {
  ctx->set_deadline(std::chrono::system_clock::now() + kDeadline);
}

template <typename Stub, typename Req, typename Resp>
Rpc Unary(const std::string& service, const std::string& method, bool mutating, Stub* stub,
          grpc::Status (Stub::*call)(grpc::ClientContext*, const Req&, Resp*),
          const char* valid) {
  Req seed = Parse<Req>(valid);
  Rpc rpc{absl::StrCat(service, "/", method), mutating, mutating ? 10 : 4, {}, nullptr};
  rpc.send = [stub, call, seed](MessageMutator& mutator, std::string* shown) {
    Req req = seed;
    mutator.Mutate(&req);
    *shown = Shown(req);
    grpc::ClientContext ctx;
    SetDeadline(&ctx);
    Resp resp;
    return (stub->*call)(&ctx, req, &resp);
  };
  return rpc;
}

// Push: 0 to 3 chunks, each a valid one edited, then the end of the stream.
Rpc Push(v1::Blacklist::Stub* stub) {
  auto seed = Parse<v1::BlacklistEntries>(
      R"pb(prefixes: "192.0.2.0/24" prefixes: "2001:db8:bad::/48" arp_ips: "192.0.2.9")pb");
  Rpc rpc{"Blacklist/Push", true, 10, {grpc::StatusCode::CANCELLED, grpc::StatusCode::ABORTED},
          nullptr};
  rpc.send = [stub, seed](MessageMutator& mutator, std::string* shown) {
    grpc::ClientContext ctx;
    SetDeadline(&ctx);
    v1::BlacklistResponse resp;
    auto writer = stub->Push(&ctx, &resp);
    int chunks = mutator.rng()() % 4;
    for (int i = 0; i < chunks; ++i) {
      v1::BlacklistEntries chunk = seed;
      mutator.Mutate(&chunk);
      absl::StrAppend(shown, "chunk { ", Shown(chunk), " } ");
      if (!writer->Write(chunk)) break;   // the server has finished the call
    }
    if (chunks == 0) *shown = "(no chunk)";
    writer->WritesDone();
    return writer->Finish();
  };
  return rpc;
}

// Monitor streams until the client goes: open it, read what comes for a
// moment, leave (DEADLINE_EXCEEDED is how such a call ends).
Rpc Monitor(v1::Node::Stub* stub) {
  Rpc rpc{"Node/Monitor", false, 1, {grpc::StatusCode::DEADLINE_EXCEEDED}, nullptr};
  rpc.send = [stub](MessageMutator& mutator, std::string* shown) {
    v1::MonitorRequest req;
    mutator.Mutate(&req);
    *shown = Shown(req);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + kMonitorTime);
    auto reader = stub->Monitor(&ctx, req);
    v1::Event event;
    while (reader->Read(&event)) {
    }
    return reader->Finish();
  };
  return rpc;
}

template <typename Stub, typename Req, typename Resp>
grpc::Status Call(Stub* stub, grpc::Status (Stub::*call)(grpc::ClientContext*, const Req&, Resp*),
                  const char* text) {
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  Resp resp;
  return (stub->*call)(&ctx, Parse<Req>(text), &resp);
}

bool StandardCode(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::FAILED_PRECONDITION: return true;
    default: return false;
  }
}

struct Stubs {
  explicit Stubs(const std::shared_ptr<grpc::Channel>& channel)
      : lb(v1::LoadBalancer::NewStub(channel)),
        blacklist(v1::Blacklist::NewStub(channel)),
        node(v1::Node::NewStub(channel)),
        stats(v1::Stats::NewStub(channel)) {}
  std::unique_ptr<v1::LoadBalancer::Stub> lb;
  std::unique_ptr<v1::Blacklist::Stub> blacklist;
  std::unique_ptr<v1::Node::Stub> node;
  std::unique_ptr<v1::Stats::Stub> stats;
};

std::vector<Rpc> AllRpcs(const Stubs& stubs) {
  const char* vip = R"pb(vip { address: "10.0.0.1" port: 80 protocol: PROTOCOL_TCP })pb";
  const char* svc = R"pb(vip { address: "10.3.0.1" port: 80 protocol: PROTOCOL_TCP })pb";
  using LB = v1::LoadBalancer::Stub;
  using BL = v1::Blacklist::Stub;
  using N = v1::Node::Stub;
  auto* lb = stubs.lb.get();
  auto* bl = stubs.blacklist.get();
  auto* n = stubs.node.get();
  return {
      Unary("LoadBalancer", "AddVip", true, lb, &LB::AddVip,
            R"pb(config { vip { address: "10.0.0.1" port: 80 protocol: PROTOCOL_TCP }
                          hash: HASH_MODE_SOURCE ring_size: 13 })pb"),
      Unary("LoadBalancer", "DeleteVip", true, lb, &LB::DeleteVip, vip),
      Unary("LoadBalancer", "ListVips", false, lb, &LB::ListVips, ""),
      Unary("LoadBalancer", "AddBackend", true, lb, &LB::AddBackend,
            R"pb(vip { address: "10.0.0.1" port: 80 protocol: PROTOCOL_TCP }
                 backend { address: "10.1.0.1" weight: 100 })pb"),
      Unary("LoadBalancer", "DeleteBackend", true, lb, &LB::DeleteBackend,
            R"pb(vip { address: "10.0.0.1" port: 80 protocol: PROTOCOL_TCP }
                 address: "10.1.0.1")pb"),
      Unary("LoadBalancer", "SetBackendWeight", true, lb, &LB::SetBackendWeight,
            R"pb(vip { address: "10.0.0.1" port: 80 protocol: PROTOCOL_TCP }
                 address: "10.1.0.1" weight: 0)pb"),
      Unary("LoadBalancer", "ListBackends", false, lb, &LB::ListBackends, vip),
      Unary("Blacklist", "AddEntries", true, bl, &BL::AddEntries,
            R"pb(prefixes: "198.51.100.0/24" arp_ips: "192.0.2.9")pb"),
      Unary("Blacklist", "DeleteEntries", true, bl, &BL::DeleteEntries,
            R"pb(prefixes: "198.51.100.0/24" arp_ips: "192.0.2.9")pb"),
      Unary("Blacklist", "ListEntries", false, bl, &BL::ListEntries, ""),
      Push(bl),
      Unary("Node", "AddEndpoint", true, n, &N::AddEndpoint,
            R"pb(endpoint { name: "ep2" iface: "fz2" ipv4: "10.2.0.3" ipv6: "2001:db8:2::3" })pb"),
      Unary("Node", "DeleteEndpoint", true, n, &N::DeleteEndpoint, R"pb(name: "ep2")pb"),
      Unary("Node", "ListEndpoints", false, n, &N::ListEndpoints, R"pb(name: "ep0")pb"),
      Unary("Node", "AddService", true, n, &N::AddService,
            R"pb(service { vip { address: "10.3.0.1" port: 80 protocol: PROTOCOL_TCP }
                           backends { address: "10.2.0.1" port: 8080 }
                           backends { address: "10.2.0.2" port: 8080 weight: 0 } })pb"),
      Unary("Node", "DeleteService", true, n, &N::DeleteService, svc),
      Unary("Node", "ListServices", false, n, &N::ListServices, ""),
      Unary("Node", "SetPolicy", true, n, &N::SetPolicy,
            R"pb(endpoint: "ep0"
                 policy { ingress { rules { action: RULE_ACTION_ALLOW peer: "10.0.0.0/8"
                                            protocol: RULE_PROTOCOL_TCP
                                            port_min: 80 port_max: 443 }
                                    rules { action: RULE_ACTION_DENY } }
                          egress {} })pb"),
      Unary("Node", "GetPolicy", false, n, &N::GetPolicy, R"pb(endpoint: "ep0")pb"),
      Unary("Node", "ClearPolicy", true, n, &N::ClearPolicy, R"pb(endpoint: "ep0")pb"),
      Unary("Node", "GetPolicyStats", false, n, &N::GetPolicyStats, ""),
      Monitor(n),
      Unary("Stats", "GetStats", false, stubs.stats.get(), &v1::Stats::Stub::GetStats, ""),
  };
}

class GrpcFuzzTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: lbd loads BPF programs";
    auto lbd = LbdUnderTest::Start(LbdPath(), kVeths);
    ASSERT_TRUE(lbd.ok()) << lbd.status();
    lbd_ = std::move(*lbd);
    channel_ = grpc::CreateChannel(lbd_->target(), grpc::InsecureChannelCredentials());
    stubs_ = std::make_unique<Stubs>(channel_);
    rpcs_ = AllRpcs(*stubs_);
  }

  void TearDown() override {
    if (lbd_ && HasFailure()) fprintf(stderr, "%s\n", lbd_->LogTail().c_str());
    lbd_.reset();
  }

  // A starting configuration with something of every kind in it.
  void Configure() {
    using LB = v1::LoadBalancer::Stub;
    using N = v1::Node::Stub;
    auto* lb = stubs_->lb.get();
    auto* n = stubs_->node.get();
    for (grpc::Status s : {
             Call(lb, &LB::AddVip, R"pb(config { vip { address: "10.0.0.1" port: 80
                                                      protocol: PROTOCOL_TCP } })pb"),
             Call(lb, &LB::AddVip, R"pb(config { vip { address: "2001:db8::1"
                                                      protocol: PROTOCOL_UDP }
                                                hash: HASH_MODE_SOURCE ring_size: 251 })pb"),
             Call(lb, &LB::AddBackend, R"pb(vip { address: "10.0.0.1" port: 80
                                                  protocol: PROTOCOL_TCP }
                                            backend { address: "10.1.0.1" })pb"),
             Call(lb, &LB::AddBackend, R"pb(vip { address: "2001:db8::1" protocol: PROTOCOL_UDP }
                                            backend { address: "2001:db8:1::1" weight: 7 })pb"),
             Call(stubs_->blacklist.get(), &v1::Blacklist::Stub::AddEntries,
                  R"pb(prefixes: "192.0.2.0/24" prefixes: "2001:db8:bad::/48"
                       arp_ips: "192.0.2.9")pb"),
             Call(n, &N::AddEndpoint,
                  R"pb(endpoint { name: "ep0" iface: "fz0" ipv4: "10.2.0.1" })pb"),
             Call(n, &N::AddEndpoint, R"pb(endpoint { name: "ep1" iface: "fz1" ipv4: "10.2.0.2"
                                                      ipv6: "2001:db8:2::1" })pb"),
             Call(n, &N::AddService, R"pb(service { vip { address: "10.3.0.1" port: 80
                                                          protocol: PROTOCOL_TCP }
                                                    backends { address: "10.2.0.1"
                                                               port: 8080 } })pb"),
             Call(n, &N::SetPolicy,
                  R"pb(endpoint: "ep1"
                       policy { egress { rules { action: RULE_ACTION_ALLOW
                                                 protocol: RULE_PROTOCOL_UDP
                                                 port_min: 53 port_max: 53 } } })pb"),
         }) {
      ASSERT_TRUE(s.ok()) << s.error_message();
    }
  }

  std::unique_ptr<LbdUnderTest> lbd_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Stubs> stubs_;
  std::vector<Rpc> rpcs_;
};

// A new RPC in the protos must get a line in AllRpcs().
TEST(GrpcFuzz, EveryRpcIsFuzzed) {
  Stubs unconnected(grpc::CreateChannel("unix:/nonexistent", grpc::InsecureChannelCredentials()));
  std::set<std::string> fuzzed;
  for (const Rpc& rpc : AllRpcs(unconnected)) fuzzed.insert(rpc.name);
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const char* name : {"sluice.v1.LoadBalancer", "sluice.v1.Blacklist", "sluice.v1.Node",
                           "sluice.v1.Stats"}) {
    const auto* service = pool->FindServiceByName(name);
    ASSERT_NE(service, nullptr) << name;
    for (int i = 0; i < service->method_count(); ++i) {
      std::string rpc = absl::StrCat(service->name(), "/", service->method(i)->name());
      EXPECT_TRUE(fuzzed.count(rpc)) << rpc << " is not fuzzed";
    }
  }
}

TEST_F(GrpcFuzzTest, RejectedRequestsChangeNothingAndCodesAreStandard) {
  // A fixed default: the suite's verdict must not depend on the day.
  uint64_t seed = EnvNumber("SLUICE_GRPC_FUZZ_SEED", 1);
  uint64_t requests = EnvNumber("SLUICE_GRPC_FUZZ_REQUESTS", kDefaultRequests);
  printf("grpc fuzz: SLUICE_GRPC_FUZZ_SEED=%lu SLUICE_GRPC_FUZZ_REQUESTS=%lu\n", seed, requests);
  ASSERT_NO_FATAL_FAILURE(Configure());
  auto state = DumpState(channel_);
  ASSERT_TRUE(state.ok()) << state.status();
  std::string baseline = *state;

  MessageMutator mutator(seed, KnownWords());
  std::discrete_distribution<size_t> pick([&] {
    std::vector<int> weights;
    for (const Rpc& rpc : rpcs_) weights.push_back(rpc.weight);
    return std::discrete_distribution<size_t>(weights.begin(), weights.end());
  }());
  std::map<std::string, std::map<grpc::StatusCode, uint64_t>> codes;
  int failures = 0;
  auto fail = [&](uint64_t i, const Rpc& rpc, const std::string& shown, const grpc::Status& s,
                  const std::string& what) {
    ADD_FAILURE() << what << "\n  seed " << seed << ", request " << i << ": " << rpc.name << " "
                  << shown << "\n  status " << s.error_code() << ": "
                  << s.error_message().substr(0, kShownBytes);
    return ++failures >= kMaxReportedFailures;
  };
  auto start = std::chrono::steady_clock::now();
  uint64_t sent = 0;
  for (uint64_t i = 0; i < requests; ++i, ++sent) {
    const Rpc& rpc = rpcs_[pick(mutator.rng())];
    std::string shown;
    grpc::Status s = rpc.send(mutator, &shown);
    ++codes[rpc.name][s.error_code()];
    if (!StandardCode(s.error_code()) && !rpc.also_allowed.count(s.error_code())) {
      if (!lbd_->Alive()) {
        fail(i, rpc, shown, s, "lbd died");
        break;
      }
      if (fail(i, rpc, shown, s, "not a standard code")) break;
    }
    auto after = DumpState(channel_);
    if (!after.ok()) {
      fail(i, rpc, shown, s, absl::StrCat("reading the state back failed: ",
                                          after.status().ToString()));
      break;
    }
    bool changed = *after != baseline;
    if (changed && !(rpc.mutating && s.ok())) {
      bool stop = fail(i, rpc, shown, s,
                       absl::StrCat(s.ok() ? "a read" : "a rejected request",
                                    " changed the state:\n", StateDiff(baseline, *after)));
      if (stop) break;
    }
    if (changed && after->find(kUnprintableMark) != std::string::npos &&
        baseline.find(kUnprintableMark) == std::string::npos) {
      bool stop = fail(i, rpc, shown, s,
                       absl::StrCat("an accepted request stored a control character:\n",
                                    StateDiff(baseline, *after)));
      if (stop) break;
    }
    baseline = *after;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(lbd_->Alive()) << "lbd is not running at the end";

  printf("grpc fuzz: %lu requests in %.1f s; codes per RPC:\n", sent, seconds);
  for (const auto& [name, by_code] : codes) {
    std::string line;
    for (const auto& [code, n] : by_code) absl::StrAppend(&line, " ", code, ":", n);
    printf("  %-30s%s\n", name.c_str(), line.c_str());
  }
  printf("grpc fuzz: final state has %zu lines\n",
         std::count(baseline.begin(), baseline.end(), '\n') + size_t{!baseline.empty()});
}

// A Push the client cancels after valid chunks commits nothing ("Nothing
// changes if any chunk is invalid", and a stream that never ended is not a
// list). Kept apart from the fuzz so its verdict is plain.
TEST_F(GrpcFuzzTest, CancelledPushCommitsNothing) {
  ASSERT_NO_FATAL_FAILURE(Configure());
  auto before = DumpState(channel_);
  ASSERT_TRUE(before.ok()) << before.status();
  for (int chunks : {0, 1, 3}) {
    grpc::ClientContext ctx;
    SetDeadline(&ctx);
    v1::BlacklistResponse resp;
    auto writer = stubs_->blacklist->Push(&ctx, &resp);
    for (int i = 0; i < chunks; ++i) {
      auto chunk = Parse<v1::BlacklistEntries>(R"pb(prefixes: "203.0.113.0/24")pb");
      ASSERT_TRUE(writer->Write(chunk));
    }
    // Let the server read every chunk before the client goes away.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ctx.TryCancel();
    EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::CANCELLED);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto after = DumpState(channel_);
    ASSERT_TRUE(after.ok()) << after.status();
    EXPECT_TRUE(*before == *after) << "a Push cancelled after " << chunks << " chunks changed:\n"
                               << StateDiff(*before, *after);
  }
  EXPECT_TRUE(lbd_->Alive());
}

}  // namespace
}  // namespace sluice::api::testing
