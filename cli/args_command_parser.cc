#include "cli/args_command_parser.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/quote_value.h"

namespace sluice::cli {

absl::Status CommandParser::Error(absl::string_view what) const {
  return Usage(absl::StrCat(name_, ": ", what, " (usage: ", usage_, ")"));
}

absl::StatusOr<absl::Span<const std::string>> CommandParser::Args(
    size_t skip, size_t min, size_t max,
    std::initializer_list<absl::string_view> names) const {
  absl::Span<const std::string> args = absl::MakeConstSpan(raw_.positional).subspan(skip);
  if (args.size() < min) {
    auto it = names.begin() + std::min(args.size(), names.size() - 1);
    return Error(absl::StrCat("missing ", *it));
  }
  if (args.size() > max) return Error(absl::StrCat("unexpected argument ", QuoteValue(args[max])));
  return args;
}

absl::Status CommandParser::AllowFlags(std::initializer_list<absl::string_view> allowed) const {
  for (const auto& [flag, value] : raw_.flags) {
    if (IsGlobalFlag(flag)) continue;
    if (std::find(allowed.begin(), allowed.end(), flag) == allowed.end()) {
      return Usage(absl::StrCat("flag '", flag, "' does not apply to '", name_, "'"));
    }
  }
  return absl::OkStatus();
}

absl::Status UnknownVerb(absl::string_view noun, absl::string_view verb,
                         absl::string_view want) {
  if (verb.empty()) return Usage(absl::StrCat("'", noun, "' needs a subcommand: ", want));
  return Usage(absl::StrCat("unknown '", noun, "' subcommand ", QuoteValue(verb), " (want ", want, ")"));
}

}  // namespace sluice::cli
