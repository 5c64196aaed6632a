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
#include "lb/decap.h"
#include "lb/lbd_flags.h"
#include "lb/metrics.h"
#include "lb/netlink/netlink_watcher.h"
#include "lb/netlink/next_hop.h"
#include "lb/node/event_hub.h"
#include "lb/node/node.h"
#include "lb/pin_dir_lock.h"
#include "lb/status_macros.h"
#include "lb/unix_socket_path.h"

namespace sluice::lb {
namespace {

constexpr auto kNextHopRefreshPeriod = std::chrono::seconds(5);
constexpr auto kHousekeepingTick = std::chrono::seconds(1);

void SweepConnections(Node& node) {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  auto swept = node.SweepConnections(uint64_t(now.tv_sec) * 1'000'000'000 + now.tv_nsec);
  if (!swept.ok()) {
    fprintf(stderr, "lbd: sweeping the connection table: %s\n",
            std::string(swept.status().message()).c_str());
  }
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string DecapPinDir(const LbdFlags& f) { return f.datapath.pin_dir + "-decap"; }

// The largest frame the XDP interfaces can send: encapsulated packets above
// it are dropped (counted as vip_oversize) instead of silently lost.
uint32_t MaxFrameLen(const std::vector<std::string>& ifaces) {
  uint32_t mtu = 1500;
  for (size_t i = 0; i < ifaces.size(); ++i) {
    auto index = InterfaceIndex(ifaces[i]);
    auto m = index.ok() ? InterfaceMtu(*index) : absl::StatusOr<uint32_t>(1500);
    if (m.ok() && (i == 0 || *m < mtu)) mtu = *m;
  }
  return mtu + 14;
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
                                                                     bool lb_role) {
  std::vector<std::string> dirs;
  if (lb_role) dirs.push_back(f.datapath.pin_dir);
  if (!f.decap_ifaces.empty()) dirs.push_back(DecapPinDir(f));
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

  bool lb_role = !flags->datapath.ifaces.empty() || flags->decap_ifaces.empty();
  // A second lbd on the same pins or socket stops here, before it touches
  // the first one's maps, interfaces or socket.
  auto pin_locks = LockPinDirs(*flags, lb_role);
  if (!pin_locks.ok()) return fail(pin_locks.status());
  if (flags->listen.rfind("unix:", 0) == 0) {
    if (absl::Status s = ClaimUnixSocketPath(flags->listen.substr(5)); !s.ok()) return fail(s);
  }
  std::unique_ptr<XdpDatapath> datapath;
  std::unique_ptr<LoadBalancer> lb;
  if (lb_role) {
    auto dp = XdpDatapath::Open(flags->datapath);
    if (!dp.ok()) return fail(dp.status());
    datapath = std::move(*dp);
    auto grace = GracePeriod::Create();
    if (!grace.ok()) return fail(grace.status());
    flags->lb.max_frame_len = MaxFrameLen(flags->datapath.ifaces);
    NextHopResolver resolver = [](const IpAddress& a) -> absl::StatusOr<NextHopMac> {
      ASSIGN_OR_RETURN(NextHop hop, ResolveNextHop(a));
      return NextHopMac{hop.resolved, hop.mac};
    };
    auto created = LoadBalancer::Create(datapath.get(), std::move(*grace), flags->lb, resolver);
    if (!created.ok()) return fail(created.status());
    lb = std::move(*created);
  }

  // The node datapath (endpoints, services, policy) comes with the load
  // balancer role; a real server (--decap-iface only) runs without it.
  std::unique_ptr<NodeDatapath> node_datapath;
  std::unique_ptr<Node> node;
  std::unique_ptr<EventHub> events;
  if (lb_role) {
    // Not held up by the verifier: endpoints wait for the programs, the rest
    // of the API does not need them.
    flags->node.load_programs_in_background = true;
    auto dp = NodeDatapath::Open(flags->node);
    if (!dp.ok()) return fail(dp.status());
    node_datapath = std::move(*dp);
    auto grace = GracePeriod::Create();
    if (!grace.ok()) return fail(grace.status());
    auto created = Node::Create(node_datapath.get(), std::move(*grace),
                                static_cast<uint32_t>(flags->lb.hash_seed), flags->ct_timeouts,
                                flags->host_routing);
    if (!created.ok()) return fail(created.status());
    node = std::move(*created);
    auto hub = EventHub::Start(node_datapath->events_fd());
    if (!hub.ok()) return fail(hub.status());
    events = std::move(*hub);
  }

  std::unique_ptr<Decap> decap;
  if (!flags->decap_ifaces.empty()) {
    auto d = Decap::Attach(flags->decap_ifaces, DecapPinDir(*flags));
    if (!d.ok()) return fail(d.status());
    decap = std::move(*d);
  }

  NetlinkWatcher watcher([&] {
    if (lb) lb->RefreshNextHops();
    if (decap) decap->RefreshLocalAddresses().IgnoreError();
  });
  if (absl::Status s = watcher.Start(); !s.ok()) return fail(s);

  bool has_xdp_interface = !flags->datapath.ifaces.empty();
  api::LoadBalancerService lb_service(lb.get(), has_xdp_interface);
  api::BlacklistService blacklist_service(lb.get(), has_xdp_interface);
  api::StatsService stats_service(datapath.get(), lb.get(), node_datapath.get());
  api::NodeService node_service(node.get(), events.get());
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  auto creds = Credentials(*flags);
  if (!creds.ok()) return fail(creds.status());
  grpc::ServerBuilder builder;
  builder.AddListeningPort(flags->listen, *creds);
  builder.RegisterService(&lb_service);
  builder.RegisterService(&blacklist_service);
  builder.RegisterService(&stats_service);
  if (node) builder.RegisterService(&node_service);
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
    auto m = MetricsServer::Start(flags->metrics, {datapath.get(), lb.get(), node_datapath.get(),
                                                   decap.get()});
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
      if (node && now >= next_sweep) {
        SweepConnections(*node);
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
}  // namespace sluice::lb

int main(int argc, char** argv) { return sluice::lb::Run(argc, argv); }
