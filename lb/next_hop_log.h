// What lbd says about backends' next hops: one line when a next hop stops
// resolving (with the reason), one when it resolves again; nothing while
// its state stays the same. Next hops are re-resolved every few seconds and
// on every netlink event, so logging each failed attempt floods the log.
// A next hop still waiting for ARP/ND (no error, no MAC yet) is no change.
// Not thread-safe: LoadBalancer calls it under its lock.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "base/ip_address.h"

namespace sluice::lb {

class NextHopLog {
 public:
  // Receives one line, without its newline.
  using Sink = std::function<void(const std::string& line)>;

  // The default sink writes "lbd: <line>\n" to stderr.
  explicit NextHopLog(Sink sink = nullptr);

  // A resolution of `address` failed with `error`.
  void Unresolved(const IpAddress& address, const absl::Status& error);
  // A resolution of `address` found its MAC.
  void Resolved(const IpAddress& address);
  // Drops what is known of the addresses `in_use` says no backend has.
  void ForgetUnused(const std::function<bool(const IpAddress&)>& in_use);

 private:
  Sink sink_;
  std::map<IpAddress, std::string> failing_;   // address -> the reason last logged
};

}  // namespace sluice::lb
