#include "datapath/testing/prog_test_run.h"

#include <bpf/bpf.h>

#include "absl/strings/str_cat.h"
#include "lb/bpf_errors.h"

namespace sluice::testing {
namespace {

// Room for the largest encapsulation a program may add (IPv6 outer header
// plus an Ethernet header), so data_out never truncates the output.
constexpr size_t kOutputHeadroom = 128;

}  // namespace

absl::StatusOr<ProgRunResult> RunProg(int prog_fd,
                                      absl::Span<const uint8_t> packet) {
  std::vector<uint8_t> in(packet.begin(), packet.end());
  ProgRunResult result;
  result.packet.resize(in.size() + kOutputHeadroom);
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in.data(),
              .data_out = result.packet.data(),
              .data_size_in = static_cast<uint32_t>(in.size()),
              .data_size_out = static_cast<uint32_t>(result.packet.size()),
              .repeat = 1);
  int err = bpf_prog_test_run_opts(prog_fd, &opts);
  if (err) return lb::BpfStatus(err, "BPF_PROG_TEST_RUN");
  result.verdict = opts.retval;
  result.duration_ns = opts.duration;
  result.packet.resize(opts.data_size_out);
  return result;
}

absl::StatusOr<double> MeanRunNanos(int prog_fd,
                                    absl::Span<const uint8_t> packet,
                                    int runs) {
  if (runs <= 0) return absl::InvalidArgumentError("runs must be positive");
  uint64_t total = 0;
  for (int i = 0; i < runs; ++i) {
    auto run = RunProg(prog_fd, packet);
    if (!run.ok()) return run.status();
    total += run->duration_ns;
  }
  return static_cast<double>(total) / runs;
}

}  // namespace sluice::testing
