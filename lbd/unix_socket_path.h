// Making room for lbd's Unix socket (--listen unix:PATH) without harming
// anyone: gRPC unlinks whatever is at PATH when it binds, so lbd checks
// first. Only a stale socket (one nobody accepts connections on: the
// leftover of a killed lbd) is removed; a socket someone listens on, or a
// file of any other kind, makes lbd refuse to start.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace sluice::lbd {

// Creates PATH's directory (mode 0755) if missing; removes a stale socket
// at PATH. FAILED_PRECONDITION naming PATH when something listens on it or
// it is not a socket; nothing is removed then.
absl::Status ClaimUnixSocketPath(const std::string& path);

}  // namespace sluice::lbd
