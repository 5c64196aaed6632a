// The gRPC edge of lbctl: the channel to lbd, deadlines, and grpc::Status
// turned into absl::Status once.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace sluice::cli {

// Insecure credentials (a unix socket is guarded by its file mode; TLS for
// HOST:PORT comes later) and no limit on the size of a received message
// (`blacklist list` of a million prefixes is tens of MB).
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target);

void SetTimeout(grpc::ClientContext* context, std::chrono::milliseconds timeout);

// Same code; the message is "CODE_NAME: server message" on one line, e.g.
// "INVALID_ARGUMENT: vip.address: '10.0.0.300' is not an IP address". For
// UNAVAILABLE it names `target`, the likely cause being lbd not running.
absl::Status FromGrpc(const grpc::Status& status, absl::string_view target);

}  // namespace sluice::cli
