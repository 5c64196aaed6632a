// lbctl from arguments to exit status, without touching the process's
// standard streams, so tests can run whole command lines.
#pragma once

#include <cstdio>
#include <string>

#include "absl/types/span.h"
#include "cli/output.h"

namespace sluice::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;  // lbd said no, lbd unreachable, a bad push file
inline constexpr int kExitUsage = 2;  // bad command line, or a command this lbd lacks

// `args` is argv without argv[0]; `in` is standard input (blacklist push -,
// policy set -). Appends standard output to *out and, on failure, exactly
// one line "lbctl: <message>\n" to *err. Returns the exit status. `flush`
// lets monitor's lines out as they come (see FlushOutput).
int RunLbctl(absl::Span<const std::string> args, std::FILE* in, std::string* out,
             std::string* err, const FlushOutput& flush = nullptr);

}  // namespace sluice::cli
