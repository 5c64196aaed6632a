// Owner of the node datapath's BPF object (datapath/tc/endpoint.bpf.c):
// loads it, pins its maps under <pin-dir>/node (reusing them when they
// exist: state survives lbd), and attaches its two programs to endpoint
// veths with libbpf's tc hooks at our own handle and priority, so filters
// of others on the same hook are left alone.
#pragma once

#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "datapath/tc/endpoint_maps.h"

struct endpoint;

namespace sluice {

// The map sizes (endpoint_maps.h) and where the maps are pinned.
struct NodeDatapathOptions : NodeMapSizes {
  std::string pin_dir = "/sys/fs/bpf/sluice/node";
  // Verify the programs on a thread of their own: Open returns once the maps
  // are there, and Attach waits for the programs (their verification, which
  // a restart with no endpoint to re-attach then does not wait for).
  // A load that fails is logged, and every Attach returns its error.
  bool load_programs_in_background = false;
};

class NodeDatapath {
 public:
  static absl::StatusOr<std::unique_ptr<NodeDatapath>> Open(const NodeDatapathOptions& options);
  ~NodeDatapath();

  const NodeDatapathOptions& options() const { return options_; }
  bool reused_pins() const { return reused_pins_; }

  // Attaches from-endpoint (tc ingress) and to-endpoint (tc egress) to the
  // interface; replaces our own earlier filters there, nobody else's. Waits
  // for the programs when they load in the background.
  absl::Status Attach(int ifindex);
  // Removes our two filters (the interface may already be gone: not an error).
  absl::Status Detach(int ifindex);

  int endpoints_fd() const;
  int services_fd() const;
  int svc_rings_fd() const;
  int svc_backends_fd() const;
  int svc_members_fd() const;
  int conntrack_fd() const;
  int policy_fd() const;
  int policy_rule_specs_fd() const;
  int policy_rule_counters_fd() const;
  int counters_fd() const;
  int drop_counters_fd() const;
  int verdict_counters_fd() const;
  int events_fd() const;
  int config_fd() const;

 private:
  NodeDatapath() = default;

  NodeDatapathOptions options_;
  ::endpoint* maps_ = nullptr;       // the maps only (no programs loaded)
  ::endpoint* programs_ = nullptr;   // the programs, over the same pinned maps
  std::shared_future<absl::Status> programs_loaded_;
  std::thread loader_;
  bool reused_pins_ = false;
};

}  // namespace sluice
