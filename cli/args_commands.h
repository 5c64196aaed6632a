// The parsers of each noun's subcommands, filling one Command from the
// tokenized command line; ParseArgs (args.cc) dispatches to them by noun.
// Load balancer nouns in args_lb_commands.cc, node nouns in
// args_node_commands.cc. Errors as ParseArgs's.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "cli/args.h"
#include "cli/args_tokenizer.h"

namespace sluice::cli {

// `verb` is the second positional argument ("" when absent).
absl::Status ParseVipCommand(const RawArgs& raw, absl::string_view verb, Command* cmd);
absl::Status ParseBackendCommand(const RawArgs& raw, absl::string_view verb, Command* cmd);
absl::Status ParseBlacklistCommand(const RawArgs& raw, absl::string_view verb, Command* cmd);

absl::Status ParseEndpointCommand(const RawArgs& raw, absl::string_view verb, Command* cmd);
absl::Status ParseServiceCommand(const RawArgs& raw, absl::string_view verb, Command* cmd);
absl::Status ParsePolicyCommand(const RawArgs& raw, absl::string_view verb, Command* cmd);

}  // namespace sluice::cli
