// Running a loaded BPF program on one packet with BPF_PROG_TEST_RUN, without
// attaching it anywhere.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace sluice::testing {

struct ProgRunResult {
  uint32_t verdict = 0;           // the program's return value
  std::vector<uint8_t> packet;    // the packet as the program left it
  uint32_t duration_ns = 0;       // kernel-measured run time
};

// Runs `prog_fd` once on a copy of `packet`.
absl::StatusOr<ProgRunResult> RunProg(int prog_fd,
                                      absl::Span<const uint8_t> packet);

// Runs a tc (sched_cls) program on a copy of `frame` with `skb` as its
// context, `repeat` times in one call: on one CPU, each run on the packet and
// context as the previous run left them. The kernel takes only some context
// fields (mark, priority, ifindex, ingress_ifindex, cb, tstamp, wire_len,
// gso_segs, gso_size, hwtstamp; the rest must be zero), and an ifindex above
// 1 must name an existing interface (1 is the loopback device, the default).
// On success `skb` holds the context as the program left it (its mark, ...).
absl::StatusOr<ProgRunResult> RunSkbProg(int prog_fd,
                                         absl::Span<const uint8_t> frame,
                                         __sk_buff& skb, uint32_t repeat = 1);

// Mean kernel-measured nanoseconds per run over `runs` runs. Each run is its
// own BPF_PROG_TEST_RUN call on the pristine input: with the kernel's
// `repeat`, an XDP program that rewrites the packet (encapsulation) would be
// fed its own output from the second iteration on.
absl::StatusOr<double> MeanRunNanos(int prog_fd,
                                    absl::Span<const uint8_t> packet,
                                    int runs);

}  // namespace sluice::testing
