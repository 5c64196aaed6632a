// The real-server role (lbd --decap-iface): attaches the tc decapsulation
// program on an interface's ingress and tells it the host's own addresses.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sluice/shared.h"

struct decap;

namespace sluice::decap {

class Decap {
 public:
  static absl::StatusOr<std::unique_ptr<Decap>> Attach(const std::vector<std::string>& ifaces,
                                                       const std::string& pin_dir);
  ~Decap();

  // Rewrites the set of local addresses tunnel packets may be sent to.
  absl::Status RefreshLocalAddresses();

  // The decap program's counters by name ("seen", "ipip", "not_ours", ...).
  absl::StatusOr<std::map<std::string, sluice_counter>> ReadCounters() const;

 private:
  Decap() = default;
  ::decap* skel_ = nullptr;
};

}  // namespace sluice::decap
