// lbctl: the operator CLI of lbd. Usage: lbctl --help; docs/lbctl.md.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cli/lbctl.h"
#include "grpc/support/log.h"

namespace {

// gRPC's own log lines would break "one line on stderr"; GRPC_VERBOSITY
// (e.g. =debug) brings them back for debugging.
void DiscardGrpcLog(gpr_log_func_args*) {}

bool WriteAll(std::FILE* f, const std::string& text) {
  return std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (std::getenv("GRPC_VERBOSITY") == nullptr) gpr_set_log_function(DiscardGrpcLog);
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string out, err;
  // monitor's lines go out as they come; a failed write stays in `out` and
  // is reported below.
  auto flush = [](std::string* text) {
    if (WriteAll(stdout, *text)) text->clear();
  };
  int code = sluice::cli::RunLbctl(args, stdin, &out, &err, flush);
  if (!WriteAll(stdout, out) && code == sluice::cli::kExitOk) {
    std::fprintf(stderr, "lbctl: writing standard output: %s\n", std::strerror(errno));
    return sluice::cli::kExitError;
  }
  WriteAll(stderr, err);
  return code;
}
