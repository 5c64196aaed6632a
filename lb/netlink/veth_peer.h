// Whether an interface is one end of a veth pair whose other end lives in
// another network namespace: the shape of an endpoint that the node
// datapath can hand packets to directly (bpf_redirect_peer, which the kernel
// refuses for any other device and drops for a peer in the same namespace).
#pragma once

#include "absl/status/statusor.h"

namespace sluice::lb {

// NOT_FOUND if `ifindex` does not exist.
absl::StatusOr<bool> IsVethWithPeerInOtherNamespace(int ifindex);

}  // namespace sluice::lb
