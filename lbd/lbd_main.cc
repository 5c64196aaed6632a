// lbd: the Sluice control daemon. Owns the BPF objects, serves the gRPC API
// (sluice.v1) and Prometheus metrics, follows next-hop changes.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <net/if.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "api/service/blacklist_service.h"
#include "api/service/load_balancer_service.h"
#include "api/service/node_service.h"
#include "api/service/stats_service.h"
#include "base/netlink/netlink_watcher.h"
#include "base/status_macros.h"
#include "lbd/lbd_flags.h"
#include "lbd/metrics.h"
#include "lbd/pin_dir_lock.h"
#include "lbd/roles.h"
#include "lbd/unix_socket_path.h"

namespace sluice::lbd {
namespace {

constexpr auto kNextHopRefreshPeriod = std::chrono::seconds(5);
constexpr auto kHousekeepingTick = std::chrono::seconds(1);

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// TLS for a HOST:PORT --listen; with --tls-client-ca, mutual: a client
// without a certificate signed by that CA fails the handshake.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(const LbdFlags& f) {
  if (f.listen.rfind("unix:", 0) == 0) return grpc::InsecureServerCredentials();
  ASSIGN_OR_RETURN(std::string cert, ReadFile(f.tls_cert));
  ASSIGN_OR_RETURN(std::string key, ReadFile(f.tls_key));
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({key, cert});
  if (!f.tls_client_ca.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadFile(f.tls_client_ca));
    ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

// The pin dirs this lbd will use, locked (see PinDirLock) before anything
// in them is touched.
absl::StatusOr<std::vector<std::unique_ptr<PinDirLock>>> LockPinDirs(const LbdFlags& f,
                                                                     const Roles& roles) {
  std::vector<std::string> dirs;
  if (roles.load_balancer || roles.node) dirs.push_back(f.datapath.pin_dir);
  if (roles.decap) dirs.push_back(DecapPinDir(f));
  std::vector<std::unique_ptr<PinDirLock>> locks;
  for (const std::string& dir : dirs) {
    ASSIGN_OR_RETURN(std::unique_ptr<PinDirLock> lock, PinDirLock::Acquire(dir));
    locks.push_back(std::move(lock));
  }
  return locks;
}

int Run(int argc, char** argv) {
  auto flags = ParseLbdFlags(argc, argv);
  if (!flags.ok()) {
    if (absl::IsCancelled(flags.status())) {
      printf("%s", std::string(flags.status().message()).c_str());
      return 0;
    }
    fprintf(stderr, "lbd: %s\n", std::string(flags.status().message()).c_str());
    return 2;
  }
  auto fail = [](const absl::Status& s) {
    fprintf(stderr, "lbd: %s\n", std::string(s.message()).c_str());
    return 1;
  };

  // Block the stop signals in every thread; main waits for them below.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  Roles roles = ChooseRoles(*flags);
  // A second lbd on the same pins or socket stops here, before it touches
  // the first one's maps, interfaces or socket.
  auto pin_locks = LockPinDirs(*flags, roles);
  if (!pin_locks.ok()) return fail(pin_locks.status());
  if (flags->listen.rfind("unix:", 0) == 0) {
    if (absl::Status s = ClaimUnixSocketPath(flags->listen.substr(5)); !s.ok()) return fail(s);
  }
  LoadBalancerRole balancer;
  if (roles.load_balancer) {
    auto opened = LoadBalancerRole::Open(*flags);
    if (!opened.ok()) return fail(opened.status());
    balancer = std::move(*opened);
  }
  NodeRole node;
  if (roles.node) {
    auto opened = NodeRole::Open(*flags);
    if (!opened.ok()) return fail(opened.status());
    node = std::move(*opened);
  }
  DecapRole decap;
  if (roles.decap) {
    auto opened = DecapRole::Open(*flags);
    if (!opened.ok()) return fail(opened.status());
    decap = std::move(*opened);
  }
  lb::LoadBalancer* lb = balancer.lb.get();

  NetlinkWatcher watcher([&] {
    if (lb) lb->RefreshNextHops();
    if (decap.decap) decap.decap->RefreshLocalAddresses().IgnoreError();
  });
  if (absl::Status s = watcher.Start(); !s.ok()) return fail(s);

  api::LoadBalancerService lb_service(lb, balancer.has_xdp_interface);
  api::BlacklistService blacklist_service(lb, balancer.has_xdp_interface);
  api::StatsService stats_service(balancer.datapath.get(), lb, node.datapath.get());
  api::NodeService node_service(node.node.get(), node.events.get());
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  auto creds = Credentials(*flags);
  if (!creds.ok()) return fail(creds.status());
  grpc::ServerBuilder builder;
  builder.AddListeningPort(flags->listen, *creds);
  builder.RegisterService(&lb_service);
  builder.RegisterService(&blacklist_service);
  builder.RegisterService(&stats_service);
  if (roles.node) builder.RegisterService(&node_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) return fail(absl::UnavailableError(absl::StrCat("cannot listen on ", flags->listen)));
  if (flags->listen.rfind("unix:", 0) == 0) chmod(flags->listen.substr(5).c_str(), 0600);
  if (flags->insecure_no_client_auth) {
    fprintf(stderr,
            "lbd: WARNING: --insecure-no-client-auth: any client that reaches %s can change "
            "the configuration\n",
            flags->listen.c_str());
  }

  std::unique_ptr<MetricsServer> metrics;
  if (!flags->metrics.empty()) {
    auto m = MetricsServer::Start(flags->metrics, {balancer.datapath.get(), lb,
                                                   node.datapath.get(), decap.decap.get()});
    if (!m.ok()) return fail(m.status());
    metrics = std::move(*m);
  }

  // Neighbour entries age without netlink events we can rely on: refresh
  // next hops periodically too; and sweep the node's connection table.
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread refresher([&] {
    std::unique_lock<std::mutex> lock(mu);
    auto next_refresh = std::chrono::steady_clock::now() + kNextHopRefreshPeriod;
    auto next_sweep = std::chrono::steady_clock::now();
    while (!cv.wait_for(lock, kHousekeepingTick, [&] { return stopping; })) {
      auto now = std::chrono::steady_clock::now();
      if (lb && now >= next_refresh) {
        lb->RefreshNextHops();
        next_refresh = now + kNextHopRefreshPeriod;
      }
      if (roles.node && now >= next_sweep) {
        node.SweepConnections();
        next_sweep = now + std::chrono::seconds(flags->ct_gc_interval_s);
      }
    }
  });
  if (lb) lb->RefreshNextHops();

  fprintf(stderr, "lbd: serving on %s%s%s\n", flags->listen.c_str(),
          flags->metrics.empty() ? "" : ", metrics on ", flags->metrics.c_str());
  int sig = 0;
  sigwait(&stop, &sig);
  fprintf(stderr, "lbd: signal %d, stopping (the datapath keeps running)\n", sig);
  {
    std::lock_guard<std::mutex> lock(mu);
    stopping = true;
  }
  cv.notify_all();
  refresher.join();
  // Monitor streams end only when their client cancels: give open calls a
  // second, then cancel them.
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  watcher.Stop();
  return 0;
}

}  // namespace
}  // namespace sluice::lbd

int main(int argc, char** argv) { return sluice::lbd::Run(argc, argv); }
