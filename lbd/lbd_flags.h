// lbd's command line (DESIGN.md section 3 fixes the public flags).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datapath/tc/node_datapath.h"
#include "datapath/xdp/xdp_datapath.h"
#include "lb/load_balancer.h"
#include "node/node.h"

namespace sluice::lbd {

struct LbdFlags {
  XdpDatapathOptions datapath;               // --iface, --pin-dir, --xdp-mode, sizes
  lb::LoadBalancerOptions lb;                  // --hash-seed, --encap-src-v4/v6
  NodeDatapathOptions node;                  // the node (tc) datapath: <pin-dir>/node
  node::ConntrackTimeouts ct_timeouts;           // --ct-timeout-*
  node::HostRouting host_routing = node::HostRouting::kBpf;  // --host-routing
  uint32_t ct_gc_interval_s = 10;            // --ct-gc-interval
  std::vector<std::string> decap_ifaces;     // --decap-iface
  std::string listen = "unix:/run/sluice/lbd.sock";
  std::string metrics;                       // --metrics HOST:PORT; empty = off
  std::string tls_cert, tls_key;             // required with a TCP --listen
  // With a TCP --listen, one of the two is required: clients must show a
  // certificate signed by this CA, or (explicitly) any client may connect.
  std::string tls_client_ca;                 // --tls-client-ca FILE
  bool insecure_no_client_auth = false;      // --insecure-no-client-auth
};

// Parses argv. Errors name the bad flag; "--help" returns a status whose
// message is the usage text and code is kCancelled.
absl::StatusOr<LbdFlags> ParseLbdFlags(int argc, char** argv);

}  // namespace sluice::lbd
