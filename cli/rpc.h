// The gRPC edge of lbctl: the channel to lbd, deadlines, and grpc::Status
// turned into absl::Status once.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cli/args.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace sluice::cli {

// The channel to cmd.server: plain on a Unix socket (guarded by its file
// mode), TLS to HOST:PORT with cmd's --tls-* files (an unreadable one is an
// error naming its flag). No limit on the size of a received message
// (`blacklist list` of a million prefixes is tens of MB).
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const Command& cmd);

void SetTimeout(grpc::ClientContext* context, std::chrono::milliseconds timeout);

// Same code; the message is "CODE_NAME: server message" on one line, e.g.
// "INVALID_ARGUMENT: vip.address: '10.0.0.300' is not an IP address". For
// UNAVAILABLE it names `target` and says which of these it is: lbd cannot be
// reached (not running, wrong address), its certificate is not trusted, or
// it refused this client's certificate (or the lack of one).
absl::Status FromGrpc(const grpc::Status& status, absl::string_view target);

}  // namespace sluice::cli
