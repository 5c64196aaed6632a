// Everything a client can configure in lbd, read back through the API as
// sorted text lines: VIPs with their backends, the blacklist, endpoints with
// their policies, services. Two dumps are equal exactly when the
// configuration is (counters are left out: they move on their own). A value
// that holds a control character (which no valid request can put there) adds
// a line starting with kUnprintableMark.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace sluice::api::testing {

inline constexpr char kUnprintableMark[] = "UNPRINTABLE";

absl::StatusOr<std::string> DumpState(const std::shared_ptr<grpc::Channel>& channel);

// The first lines where `before` and `after` differ, for failure messages.
std::string StateDiff(const std::string& before, const std::string& after);

}  // namespace sluice::api::testing
