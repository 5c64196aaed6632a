// Prometheus exposition of the datapath counters (lbd --metrics). Counters
// are read from the BPF maps at scrape time; nothing is cached.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "lb/load_balancer.h"
#include "lb/node/node_datapath.h"
#include "lb/xdp_datapath.h"

namespace prometheus {
class Exposer;
}

namespace sluice::lb {

class MetricsServer {
 public:
  // Serves http://ADDRESS/metrics. The datapaths and `lb` outlive the
  // server; `node` may be null (no node datapath).
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const std::string& address,
                                                              const XdpDatapath* datapath,
                                                              const LoadBalancer* lb,
                                                              const NodeDatapath* node);
  ~MetricsServer();

 private:
  MetricsServer() = default;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<void> collectable_;
};

}  // namespace sluice::lb
