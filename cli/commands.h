// The command functions: one Command in, RPCs to lbd, text for standard
// output appended to *out. One file per noun (commands_vip.cc, ...).
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "cli/args.h"
#include "cli/output.h"
#include "sluice/v1/blacklist.grpc.pb.h"
#include "sluice/v1/load_balancer.grpc.pb.h"
#include "sluice/v1/node.grpc.pb.h"
#include "sluice/v1/stats.grpc.pb.h"

namespace sluice::cli {

// Entries a Push message carries (about 200 KB of text, far below gRPC's
// default 4 MB receive limit on the server).
inline constexpr size_t kPushChunkSize = 10000;

struct Clients {
  sluice::v1::LoadBalancer::StubInterface* lb = nullptr;
  sluice::v1::Blacklist::StubInterface* blacklist = nullptr;
  sluice::v1::Stats::StubInterface* stats = nullptr;
  sluice::v1::Node::StubInterface* node = nullptr;
  std::string target;  // for error messages
  std::chrono::milliseconds timeout = std::chrono::seconds(30);
  std::chrono::milliseconds push_timeout = std::chrono::minutes(10);
};

// Errors carry the gRPC code and a one-line message (see FromGrpc), or a
// local error (an unreadable or bad push file).
absl::Status RunVipCommand(const Command& cmd, const Clients& clients, std::string* out);
absl::Status RunBackendCommand(const Command& cmd, const Clients& clients, std::string* out);
// `in` is read for "blacklist push -".
absl::Status RunBlacklistCommand(const Command& cmd, const Clients& clients, std::FILE* in,
                                 std::string* out);
absl::Status RunStatsCommand(const Command& cmd, const Clients& clients, std::string* out);
absl::Status RunEndpointCommand(const Command& cmd, const Clients& clients, std::string* out);
absl::Status RunServiceCommand(const Command& cmd, const Clients& clients, std::string* out);
// `in` is read for "policy set ENDPOINT -".
absl::Status RunPolicyCommand(const Command& cmd, const Clients& clients, std::FILE* in,
                              std::string* out);
// Runs until lbd ends the stream (or the process is interrupted); `flush`
// after every event.
absl::Status RunMonitorCommand(const Command& cmd, const Clients& clients, std::string* out,
                               const FlushOutput& flush);

// Dispatches on cmd.action (not kHelp).
absl::Status RunCommand(const Command& cmd, const Clients& clients, std::FILE* in,
                        std::string* out, const FlushOutput& flush = nullptr);

// The end of one unary call: its error, or `format()` (the response as
// printed) appended to *out.
absl::Status Finish(const grpc::Status& status, const Clients& clients,
                    const std::function<std::string()>& format, std::string* out);

}  // namespace sluice::cli
