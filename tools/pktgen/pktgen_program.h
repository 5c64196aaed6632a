// pktgen.bpf.c loaded for one template frame and interface, and the
// BPF_PROG_RUN calls that send copies of that frame.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tools/pktgen/template_frame.h"
#include "tools/pktgen/transmitter.h"

struct bpf_link;
struct pktgen;  // the skeleton

namespace sluice::pktgen {

// Sends with BPF_PROG_RUN in live-frames mode; one object serves every
// sending thread.
class PktgenProgram : public Transmitter {
 public:
  // Loads the program with `frame.config` as its read-only data, to send
  // out of `ifindex`.
  static absl::StatusOr<std::unique_ptr<PktgenProgram>> Load(const TemplateFrame& frame,
                                                             int ifindex);
  ~PktgenProgram() override;
  PktgenProgram(const PktgenProgram&) = delete;
  PktgenProgram& operator=(const PktgenProgram&) = delete;

  // The generator program, for BPF_PROG_TEST_RUN in tests.
  int generator_fd() const;

  // Whether the kernel runs XDP programs in live-frames mode on the
  // interface: one run of a program that drops its frame, so nothing is
  // sent. FAILED_PRECONDITION "live frames refused: ..." or "... unsupported"
  // when it does not; INVALID_ARGUMENT when only this frame is too large.
  absl::Status ProbeLiveFrames() const;

  // Attaches the generator to lo (generic XDP, through a BPF link: detached
  // when this object or the process goes), where it passes every frame.
  // Why: a BPF_PROG_RUN call with repeat > 1 adds its program to the
  // kernel's XDP dispatcher and takes it out again, an RCU grace period each
  // (24 ms per call measured); an attached program stays in the dispatcher.
  // Fails when lo already has an XDP program (another pktgen in this
  // network namespace): sending still works, each call just costs that much
  // more.
  absl::Status AttachToLoopback();

  // Sends `count` copies of the frame, each rewritten into its flow: one
  // BPF_PROG_RUN call in live-frames mode. Safe to call from several
  // threads at once.
  absl::Status Send(uint32_t count) override;

 private:
  PktgenProgram(struct pktgen* skel, std::vector<uint8_t> frame, int ifindex);

  struct pktgen* skel_;
  std::vector<uint8_t> frame_;
  int ifindex_;
  bpf_link* loopback_link_ = nullptr;
};

}  // namespace sluice::pktgen
