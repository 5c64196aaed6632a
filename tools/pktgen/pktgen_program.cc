#include "tools/pktgen/pktgen_program.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <net/if.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "base/bpf_errors.h"
#include "pktgen.skel.h"
#include "tools/pktgen/pktgen_config.h"  // before the skeleton, which uses its struct

namespace sluice::pktgen {
namespace {

// One BPF_PROG_RUN call in live-frames mode: the kernel runs `prog_fd`
// `repeat` times, each on a fresh copy of `frame` received on `ifindex`, and
// carries out the verdicts (XDP_TX: transmit out of `ifindex`). Returns 0 or
// a negative errno.
int RunLive(int prog_fd, int ifindex, const std::vector<uint8_t>& frame, uint32_t repeat) {
  xdp_md ctx{};
  ctx.data_end = static_cast<uint32_t>(frame.size());  // must equal the data size
  ctx.ingress_ifindex = static_cast<uint32_t>(ifindex);
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(),
              .data_size_in = static_cast<uint32_t>(frame.size()), .ctx_in = &ctx,
              .ctx_size_in = sizeof(ctx), .repeat = static_cast<int>(repeat),
              .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
  int err = bpf_prog_test_run_opts(prog_fd, &opts);
  return err == -1 ? -errno : err;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PktgenProgram>> PktgenProgram::Load(
    const TemplateFrame& frame, int ifindex) {
  struct pktgen* skel = pktgen__open();
  if (skel == nullptr) return BpfStatus(-errno, "opening pktgen.bpf.o");
  skel->rodata->config = frame.config;
  skel->rodata->config.ifindex = static_cast<uint32_t>(ifindex);
  if (int err = pktgen__load(skel); err != 0) {
    pktgen__destroy(skel);
    absl::Status s = BpfStatus(err, "loading pktgen.bpf.o");
    if (err == -EPERM) {
      return absl::PermissionDeniedError(absl::StrCat(s.message(), " (needs root)"));
    }
    return s;
  }
  return std::unique_ptr<PktgenProgram>(new PktgenProgram(skel, frame.bytes, ifindex));
}

PktgenProgram::PktgenProgram(struct pktgen* skel, std::vector<uint8_t> frame, int ifindex)
    : skel_(skel), frame_(std::move(frame)), ifindex_(ifindex) {}

PktgenProgram::~PktgenProgram() {
  bpf_link__destroy(loopback_link_);
  pktgen__destroy(skel_);
}

int PktgenProgram::generator_fd() const { return bpf_program__fd(skel_->progs.pktgen_xdp); }

absl::Status PktgenProgram::ProbeLiveFrames() const {
  const int probe_fd = bpf_program__fd(skel_->progs.pktgen_probe);
  const int err = RunLive(probe_fd, ifindex_, frame_, 1);
  if (err == 0) return absl::OkStatus();
  // Some kernels refuse the mode to root too (seen on Linux 6.18 machines).
  if (err == -EPERM) {
    return absl::FailedPreconditionError(
        "live frames refused: BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES: "
        "Operation not permitted");
  }
  if (err != -EINVAL && err != -EOPNOTSUPP) {
    return BpfStatus(err, "BPF_PROG_RUN in live-frames mode");
  }
  // The frame must fit in a page with the kernel's headroom (3408 bytes on
  // x86-64, Linux 6.18): tell that apart from no support at all.
  const std::vector<uint8_t> small(64);
  if (RunLive(probe_fd, ifindex_, small, 1) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--size ", frame_.size(), ": too large for BPF_PROG_RUN's live-frames mode "
        "(a page less headroom: 3408 bytes on x86-64)"));
  }
  return absl::FailedPreconditionError(
      "live frames unsupported: the kernel rejects BPF_PROG_RUN with "
      "BPF_F_TEST_XDP_LIVE_FRAMES (needs Linux >= 5.18)");
}

absl::Status PktgenProgram::AttachToLoopback() {
  const int lo = static_cast<int>(if_nametoindex("lo"));
  // On lo itself the generator would rewrite lo's own traffic.
  if (lo == 0 || lo == ifindex_) {
    return absl::FailedPreconditionError("no lo to attach to besides the sending interface");
  }
  bpf_link* link = bpf_program__attach_xdp(skel_->progs.pktgen_xdp, lo);
  if (link == nullptr) return BpfStatus(-errno, "attaching to lo");
  loopback_link_ = link;
  return absl::OkStatus();
}

absl::Status PktgenProgram::Send(uint32_t count) {
  return BpfStatus(RunLive(generator_fd(), ifindex_, frame_, count),
                       "BPF_PROG_RUN in live-frames mode");
}

}  // namespace sluice::pktgen
