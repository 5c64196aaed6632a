// One starting state and one change per kind of LoadBalancer commit, shared
// by the tests that break commits in the middle (crash_restore_test: the
// process dies; commit_failure_test: a map write fails).
#pragma once

#include "absl/status/status.h"
#include "lb/load_balancer.h"

namespace sluice::lb::testing {

IpAddress Ip(const char* text);
IpPrefix Prefix(const char* text);
VipKey TcpVip(const char* address, uint16_t port);

extern const VipKey kWebVip;   // 10.0.0.10:80/tcp
extern const VipKey kApiVip;   // 10.0.0.11:443/tcp

// Two VIPs, three reals on kWebVip (10.1.0.3 drained), one on kApiVip, a
// small blacklist (192.0.2.0/24, 2001:db8:bad::/48, ARP 198.51.100.1).
absl::Status TwoVips(LoadBalancer& lb);

// Changes of TwoVips' state, one commit each.
absl::Status AddVip(LoadBalancer& lb);               // 10.0.0.12:0/tcp
absl::Status DeleteVip(LoadBalancer& lb);            // kWebVip
absl::Status AddBackend(LoadBalancer& lb);           // 10.1.0.4 on kWebVip, weight 50
absl::Status AddDrainedBackend(LoadBalancer& lb);    // 10.1.0.4 on kApiVip, weight 0
absl::Status DeleteBackend(LoadBalancer& lb);        // 10.1.0.2 from kWebVip
absl::Status DeleteDrainedBackend(LoadBalancer& lb); // 10.1.0.3 from kWebVip
absl::Status DrainBackend(LoadBalancer& lb);         // 10.1.0.1 on kWebVip: 100 -> 0
absl::Status UndrainBackend(LoadBalancer& lb);       // 10.1.0.3 on kWebVip: 0 -> 100
absl::Status ReweighBackend(LoadBalancer& lb);       // 10.1.0.2 on kWebVip: 100 -> 30
absl::Status BlacklistAdd(LoadBalancer& lb);         // prefixes of both families and an ARP IP
absl::Status BlacklistDelete(LoadBalancer& lb);      // everything TwoVips listed
absl::Status BlacklistReplace(LoadBalancer& lb);     // a push of a new list
absl::Status ArpAdd(LoadBalancer& lb);               // two ARP IPs only
absl::Status ArpDelete(LoadBalancer& lb);            // the one ARP IP only

}  // namespace sluice::lb::testing
