#include "cli/args_tokenizer.h"

#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/quote_value.h"

namespace sluice::cli {
namespace {

struct FlagDef {
  absl::string_view name;   // canonical, "--x"
  absl::string_view alias;  // "-x" or empty
  bool takes_value;
  bool repeatable = false;
};

constexpr FlagDef kFlags[] = {
    {"--server", "", true},     {"--output", "-o", true},
    {"--tls-ca", "", true},     {"--tls-cert", "", true},
    {"--tls-key", "", true},
    {"--hash", "", true},       {"--ring-size", "", true},
    {"--weight", "", true},     {"--arp", "", false},
    {"--iface", "", true},      {"--ip", "", true},
    {"--backend", "", true, true},
    {"--help", "-h", false},
};

const FlagDef* FindFlag(absl::string_view name) {
  for (const FlagDef& f : kFlags) {
    if (name == f.name || (!f.alias.empty() && name == f.alias)) return &f;
  }
  return nullptr;
}

}  // namespace

bool IsGlobalFlag(absl::string_view name) {
  return name == "--server" || name == "--output" || name == "--help" || name == "--tls-ca" ||
         name == "--tls-cert" || name == "--tls-key";
}

absl::Status Usage(absl::string_view message) {
  return absl::InvalidArgumentError(message);
}

absl::StatusOr<RawArgs> Tokenize(absl::Span<const std::string> args) {
  RawArgs raw;
  bool only_positional = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (only_positional || a == "-" || a.empty() || a[0] != '-') {
      raw.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positional = true;
      continue;
    }
    absl::string_view name = a;
    std::optional<std::string> inline_value;
    if (absl::StartsWith(a, "--")) {
      size_t eq = a.find('=');
      if (eq != std::string::npos) {
        name = absl::string_view(a).substr(0, eq);
        inline_value = a.substr(eq + 1);
      }
    } else if (a.size() > 2) {  // "-ojson"
      name = absl::string_view(a).substr(0, 2);
      inline_value = a.substr(a[2] == '=' ? 3 : 2);
    }
    const FlagDef* def = FindFlag(name);
    if (def == nullptr) return Usage(absl::StrCat("unknown flag ", QuoteValue(name), " (try 'lbctl --help')"));
    std::string value;
    if (!def->takes_value) {
      if (inline_value) return Usage(absl::StrCat("flag '", def->name, "' takes no value"));
    } else if (inline_value) {
      value = *std::move(inline_value);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Usage(absl::StrCat("flag '", def->name, "' needs a value"));
    }
    std::vector<std::string>& values = raw.flags[std::string(def->name)];
    if (!values.empty() && !def->repeatable) {
      return Usage(absl::StrCat("flag '", def->name, "' given more than once"));
    }
    values.push_back(std::move(value));
  }
  return raw;
}

}  // namespace sluice::cli
