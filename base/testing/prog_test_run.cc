#include "base/testing/prog_test_run.h"

#include <bpf/bpf.h>

#include "absl/strings/str_cat.h"
#include "base/bpf_errors.h"

namespace sluice::testing {
namespace {

// Room for the largest encapsulation a program may add (IPv6 outer header
// plus an Ethernet header), so data_out never truncates the output.
constexpr size_t kOutputHeadroom = 128;

// One BPF_PROG_TEST_RUN call; `ctx` (in and out) may be null.
absl::StatusOr<ProgRunResult> TestRun(int prog_fd,
                                      absl::Span<const uint8_t> packet,
                                      __sk_buff* ctx, uint32_t repeat) {
  std::vector<uint8_t> in(packet.begin(), packet.end());
  ProgRunResult result;
  result.packet.resize(in.size() + kOutputHeadroom);
  const uint32_t ctx_size = ctx ? sizeof(*ctx) : 0;
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in.data(),
              .data_out = result.packet.data(),
              .data_size_in = static_cast<uint32_t>(in.size()),
              .data_size_out = static_cast<uint32_t>(result.packet.size()),
              .ctx_in = ctx, .ctx_out = ctx, .ctx_size_in = ctx_size,
              .ctx_size_out = ctx_size, .repeat = static_cast<int>(repeat));
  int err = bpf_prog_test_run_opts(prog_fd, &opts);
  if (err) return BpfStatus(err, "BPF_PROG_TEST_RUN");
  result.verdict = opts.retval;
  result.duration_ns = opts.duration;
  result.packet.resize(opts.data_size_out);
  return result;
}

}  // namespace

absl::StatusOr<ProgRunResult> RunProg(int prog_fd,
                                      absl::Span<const uint8_t> packet) {
  return TestRun(prog_fd, packet, nullptr, 1);
}

absl::StatusOr<ProgRunResult> RunSkbProg(int prog_fd,
                                         absl::Span<const uint8_t> frame,
                                         __sk_buff& skb, uint32_t repeat) {
  return TestRun(prog_fd, frame, &skb, repeat);
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
