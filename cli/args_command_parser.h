// The checks every lbctl command makes on its arguments. Internal to ParseArgs.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "cli/args_tokenizer.h"

namespace sluice::cli {

// Parsing of one command: its name for messages ("vip add"), its usage line,
// the flags it accepts besides the global ones.
class CommandParser {
 public:
  CommandParser(const RawArgs& raw, std::string name, absl::string_view usage)
      : raw_(raw), name_(std::move(name)), usage_(usage) {}

  // A usage error naming the command and showing its usage line.
  absl::Status Error(absl::string_view what) const;

  // Positional arguments after noun and verb: between `min` and `max`.
  absl::StatusOr<absl::Span<const std::string>> Args(
      size_t skip, size_t min, size_t max,
      std::initializer_list<absl::string_view> names) const;

  absl::Status AllowFlags(std::initializer_list<absl::string_view> allowed) const;

 private:
  const RawArgs& raw_;
  std::string name_;
  absl::string_view usage_;
};

// A missing or unknown subcommand of `noun`; `want` lists the known ones.
absl::Status UnknownVerb(absl::string_view noun, absl::string_view verb,
                         absl::string_view want);

}  // namespace sluice::cli
