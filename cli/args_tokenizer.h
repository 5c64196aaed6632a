// lbctl's command line split into flags and positional arguments, checked
// against the table of flags (args_tokenizer.cc). Internal to ParseArgs.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace sluice::cli {

// A usage error: INVALID_ARGUMENT with `message`.
absl::Status Usage(absl::string_view message);

// Flags every command takes.
bool IsGlobalFlag(absl::string_view name);

// The command line split into flags and positional arguments.
struct RawArgs {
  std::vector<std::string> positional;
  // canonical name -> values in order ("" for booleans); one unless repeatable
  std::map<std::string, std::vector<std::string>, std::less<>> flags;

  bool Has(absl::string_view name) const { return flags.find(name) != flags.end(); }
  const std::string& Get(absl::string_view name) const { return flags.find(name)->second.front(); }
  const std::vector<std::string>& GetAll(absl::string_view name) const {
    return flags.find(name)->second;
  }
};

// Splits `args` (argv without argv[0]): "--" ends the flags, "-" is
// positional; an unknown flag, a missing or unwanted value and a repeated
// flag are usage errors.
absl::StatusOr<RawArgs> Tokenize(absl::Span<const std::string> args);

}  // namespace sluice::cli
