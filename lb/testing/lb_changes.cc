#include "lb/testing/lb_changes.h"

#include <netinet/in.h>

namespace sluice::lb::testing {

IpAddress Ip(const char* text) { return *ParseIpAddress(text); }
IpPrefix Prefix(const char* text) { return *ParseIpPrefix(text); }
VipKey TcpVip(const char* address, uint16_t port) { return {Ip(address), port, IPPROTO_TCP}; }

const VipKey kWebVip = TcpVip("10.0.0.10", 80);
const VipKey kApiVip = TcpVip("10.0.0.11", 443);

absl::Status TwoVips(LoadBalancer& lb) {
  if (auto s = lb.AddVip(kWebVip, HashMode::kFiveTuple, 0); !s.ok()) return s;
  if (auto s = lb.AddVip(kApiVip, HashMode::kSource, 0); !s.ok()) return s;
  if (auto s = lb.AddBackend(kWebVip, Ip("10.1.0.1"), 100); !s.ok()) return s;
  if (auto s = lb.AddBackend(kWebVip, Ip("10.1.0.2"), 100); !s.ok()) return s;
  if (auto s = lb.AddBackend(kWebVip, Ip("10.1.0.3"), 0); !s.ok()) return s;
  if (auto s = lb.AddBackend(kApiVip, Ip("10.1.0.1"), 100); !s.ok()) return s;
  return lb.AddToBlacklist({{Prefix("192.0.2.0/24"), Prefix("2001:db8:bad::/48")},
                            {Ip("198.51.100.1")}})
      .status();
}

absl::Status AddVip(LoadBalancer& lb) {
  return lb.AddVip(TcpVip("10.0.0.12", 0), HashMode::kFiveTuple, 0);
}
absl::Status DeleteVip(LoadBalancer& lb) { return lb.DeleteVip(kWebVip); }
absl::Status AddBackend(LoadBalancer& lb) { return lb.AddBackend(kWebVip, Ip("10.1.0.4"), 50); }
absl::Status AddDrainedBackend(LoadBalancer& lb) {
  return lb.AddBackend(kApiVip, Ip("10.1.0.4"), 0);
}
absl::Status DeleteBackend(LoadBalancer& lb) { return lb.DeleteBackend(kWebVip, Ip("10.1.0.2")); }
absl::Status DeleteDrainedBackend(LoadBalancer& lb) {
  return lb.DeleteBackend(kWebVip, Ip("10.1.0.3"));
}
absl::Status DrainBackend(LoadBalancer& lb) {
  return lb.SetBackendWeight(kWebVip, Ip("10.1.0.1"), 0);
}
absl::Status UndrainBackend(LoadBalancer& lb) {
  return lb.SetBackendWeight(kWebVip, Ip("10.1.0.3"), 100);
}
absl::Status ReweighBackend(LoadBalancer& lb) {
  return lb.SetBackendWeight(kWebVip, Ip("10.1.0.2"), 30);
}

absl::Status BlacklistAdd(LoadBalancer& lb) {
  return lb.AddToBlacklist({{Prefix("203.0.113.0/25"), Prefix("10.200.0.0/16"),
                             Prefix("2001:db8:bad:1::/64")},
                            {Ip("198.51.100.2")}})
      .status();
}

absl::Status BlacklistDelete(LoadBalancer& lb) {
  return lb.DeleteFromBlacklist({{Prefix("192.0.2.0/24"), Prefix("2001:db8:bad::/48")},
                                 {Ip("198.51.100.1")}})
      .status();
}

absl::Status BlacklistReplace(LoadBalancer& lb) {
  return lb.ReplaceBlacklist({{Prefix("203.0.113.0/24"), Prefix("10.0.0.0/8"),
                               Prefix("2001:db8:1::/48")},
                              {Ip("198.51.100.9")}})
      .status();
}

absl::Status ArpAdd(LoadBalancer& lb) {
  return lb.AddToBlacklist({{}, {Ip("198.51.100.2"), Ip("198.51.100.3")}}).status();
}

absl::Status ArpDelete(LoadBalancer& lb) {
  return lb.DeleteFromBlacklist({{}, {Ip("198.51.100.1")}}).status();
}

}  // namespace sluice::lb::testing
