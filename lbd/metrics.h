// Prometheus exposition of the datapath counters (lbd --metrics). Counters
// are read from the BPF maps at scrape time; nothing is cached.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "datapath/tc/node_datapath.h"
#include "datapath/xdp/xdp_datapath.h"
#include "decap/decap.h"
#include "lb/load_balancer.h"

namespace prometheus {
class Exposer;
}

namespace sluice::lbd {

// What a scrape reads, by role; each may be null (that role does not run).
// `xdp` and `lb` go together (the load balancer).
struct MetricsSources {
  const XdpDatapath* xdp = nullptr;
  const lb::LoadBalancer* lb = nullptr;
  const NodeDatapath* node = nullptr;
  const decap::Decap* decap = nullptr;   // the real-server role (--decap-iface)
};

class MetricsServer {
 public:
  // Serves http://ADDRESS/metrics. The sources outlive the server.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const std::string& address,
                                                              const MetricsSources& sources);
  ~MetricsServer();

 private:
  MetricsServer() = default;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<void> collectable_;
};

}  // namespace sluice::lbd
