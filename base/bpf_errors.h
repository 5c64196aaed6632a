// Turning libbpf's negative-errno results into absl::Status with context.
#pragma once

#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace sluice {

// `err` is a libbpf return value (negative errno) or -1 with errno set.
// Returns OK for err >= 0, otherwise a status whose code matches the errno
// (ENOSPC/E2BIG -> RESOURCE_EXHAUSTED, ENOENT -> NOT_FOUND, ...) and whose
// message is "<what>: <strerror>".
absl::Status BpfStatus(int err, absl::string_view what);

}  // namespace sluice
