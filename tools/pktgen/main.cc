// pktgen: sends generated frames out of an interface with BPF_PROG_RUN in
// live-frames mode, or an AF_PACKET TX ring where the kernel refuses that,
// for veth/netns benchmarks (docs/pktgen.md).
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "tools/pktgen/af_packet_transmitter.h"
#include "tools/pktgen/cpus.h"
#include "tools/pktgen/interface.h"
#include "tools/pktgen/monotonic_clock.h"
#include "tools/pktgen/options.h"
#include "tools/pktgen/pktgen_program.h"
#include "tools/pktgen/sender.h"
#include "tools/pktgen/template_frame.h"

namespace sluice::pktgen {
namespace {

constexpr int64_t kSecond = 1000000000;
constexpr int64_t kWaitSliceNs = 50000000;  // how often the main thread looks up

// The frame the options describe, with the interface's MAC and address
// where the options give none.
absl::StatusOr<TemplateFrame> BuildFrame(const PktgenOptions& o, const InterfaceInfo& iface) {
  FrameSpec spec = o.frame;
  if (!o.src_mac_given) spec.src_mac = iface.mac;
  if (!o.src_given) {
    ASSIGN_OR_RETURN(spec.src, InterfaceAddress(o.iface, spec.dst.family));
  }
  const uint32_t max_size = iface.mtu + 14;
  if (spec.size > max_size) {
    return absl::InvalidArgumentError(absl::StrCat("--size ", spec.size, ": more than ",
                                                   o.iface, "'s MTU + 14 = ", max_size));
  }
  return BuildTemplateFrame(spec);
}

std::vector<SenderPlan> PlanSenders(const PktgenOptions& o, const std::vector<int>& cpus,
                                    int64_t start_ns) {
  std::vector<SenderPlan> plans(cpus.size());
  const uint64_t n = plans.size();
  for (uint64_t i = 0; i < n; ++i) {
    SenderPlan& p = plans[i];
    p.cpu = cpus[i];
    if (o.count != 0) p.count = o.count / n + (i < o.count % n ? 1 : 0);
    p.rate = static_cast<double>(o.rate) / n;
    if (o.duration_s > 0) p.deadline_ns = start_ns + static_cast<int64_t>(o.duration_s * kSecond);
  }
  return plans;
}

// Tells whether the interface transmitted what was sent: frames the device
// cannot take (a veth whose peer has no XDP program, a full queue) are
// dropped silently to BPF_PROG_RUN.
void ReportTxCounter(const std::string& iface, absl::StatusOr<uint32_t> before,
                     uint64_t sent) {
  absl::StatusOr<uint32_t> after = InterfaceTxPackets(iface);
  if (!before.ok() || !after.ok()) return;
  const uint32_t counted = *after - *before;  // the counter is 32 bits wide
  std::printf("%s tx_packets +%" PRIu32 "\n", iface.c_str(), counted);
  if (sent > 0 && sent <= UINT32_MAX && counted < sent / 2) {
    std::fprintf(stderr,
                 "pktgen: warning: %s counted %" PRIu32 " of %" PRIu64
                 " frames as transmitted; on a veth, the rest were dropped because the "
                 "peer has no XDP program or its receive queue overflowed (docs/pktgen.md)\n",
                 iface.c_str(), counted, sent);
  }
}

// Blocks SIGINT and SIGTERM in this thread and the threads it starts from
// now on; returns them for sigtimedwait. Why: a signal landing in a sender's
// BPF_PROG_RUN call would abort the call (EINTR) and lose its count.
sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

struct Totals {
  uint64_t sent = 0;
  double elapsed_s = 0;
  absl::Status status;  // the first sender's error
};

// Runs one sender per CPU until all are done; a stop signal or a sender's
// error stops the others. With --progress, a line per second on stderr.
Totals SendFromAllCpus(const std::vector<Transmitter*>& transmitters, const PktgenOptions& o,
                       const std::vector<int>& cpus) {
  const sigset_t stop_signals = BlockStopSignals();
  const int64_t start_ns = MonotonicNanos();
  const std::vector<SenderPlan> plans = PlanSenders(o, cpus, start_ns);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> sent{0};
  std::atomic<size_t> running{plans.size()};
  std::vector<absl::Status> results(plans.size());
  std::vector<int64_t> end_ns(plans.size());  // the main thread only looks every slice
  std::vector<std::thread> threads;
  for (size_t i = 0; i < plans.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] = RunSender(*transmitters[i], plans[i], stop, sent);
      end_ns[i] = MonotonicNanos();
      if (!results[i].ok()) stop = true;
      running.fetch_sub(1);
    });
  }

  int64_t last_report_ns = start_ns;
  uint64_t last_report_sent = 0;
  while (running.load() > 0) {
    const timespec slice{0, kWaitSliceNs};
    if (sigtimedwait(&stop_signals, nullptr, &slice) > 0) stop = true;
    const int64_t now = MonotonicNanos();
    if (o.progress && now - last_report_ns >= kSecond) {
      const uint64_t total = sent.load();
      std::fprintf(stderr, "%8.2f s %12.0f packets/s %14" PRIu64 " sent\n",
                   (now - start_ns) / 1e9,
                   (total - last_report_sent) * 1e9 / (now - last_report_ns), total);
      last_report_ns = now;
      last_report_sent = total;
    }
  }
  for (std::thread& t : threads) t.join();

  Totals totals;
  totals.sent = sent.load();
  totals.elapsed_s = (*std::max_element(end_ns.begin(), end_ns.end()) - start_ns) / 1e9;
  for (const absl::Status& s : results) totals.status.Update(s);
  return totals;
}

// The senders' transmitters: one live-frames program shared by every
// thread, or one AF_PACKET ring per thread.
struct Transmitters {
  SendMode mode = SendMode::kAuto;
  std::unique_ptr<PktgenProgram> program;
  std::vector<std::unique_ptr<AfPacketTransmitter>> rings;
  std::vector<Transmitter*> per_thread;
};

// Live frames unless the kernel refuses them for this frame (then, in auto
// mode, AF_PACKET with a note on stderr) or AF_PACKET is asked for.
absl::StatusOr<Transmitters> OpenTransmitters(const PktgenOptions& o, const TemplateFrame& frame,
                                              int ifindex, size_t threads) {
  Transmitters t;
  t.mode = o.mode;
  if (t.mode != SendMode::kAfPacket) {
    ASSIGN_OR_RETURN(t.program, PktgenProgram::Load(frame, ifindex));
    absl::Status live = t.program->ProbeLiveFrames();
    if (live.ok()) {
      t.mode = SendMode::kLiveFrames;
    } else if (t.mode == SendMode::kLiveFrames) {
      return live;
    } else {
      std::fprintf(stderr, "pktgen: note: %s; sending with AF_PACKET instead\n",
                   std::string(live.message()).c_str());
      t.program.reset();
      t.mode = SendMode::kAfPacket;
    }
  }
  if (t.mode == SendMode::kLiveFrames) {
    if (absl::Status s = t.program->AttachToLoopback(); !s.ok()) {
      std::fprintf(stderr, "pktgen: warning: %s; every BPF_PROG_RUN call costs tens of ms more\n",
                   std::string(s.message()).c_str());
    }
    t.per_thread.assign(threads, t.program.get());
    return t;
  }
  for (size_t i = 0; i < threads; ++i) {
    ASSIGN_OR_RETURN(std::unique_ptr<AfPacketTransmitter> ring,
                     AfPacketTransmitter::Open(frame, ifindex));
    t.per_thread.push_back(ring.get());
    t.rings.push_back(std::move(ring));
  }
  return t;
}

absl::Status Run(const PktgenOptions& o) {
  ASSIGN_OR_RETURN(InterfaceInfo iface, LookUpInterface(o.iface));
  ASSIGN_OR_RETURN(TemplateFrame frame, BuildFrame(o, iface));
  ASSIGN_OR_RETURN(std::vector<int> cpus, ChooseCpus(o.threads, o.cpus));
  ASSIGN_OR_RETURN(Transmitters transmitters,
                   OpenTransmitters(o, frame, iface.ifindex, cpus.size()));

  const absl::StatusOr<uint32_t> tx_before = InterfaceTxPackets(o.iface);
  const Totals totals = SendFromAllCpus(transmitters.per_thread, o, cpus);
  std::printf("sent %" PRIu64 " packets in %.3f s: %.0f packets/s (%s)\n", totals.sent,
              totals.elapsed_s, totals.elapsed_s > 0 ? totals.sent / totals.elapsed_s : 0.0,
              SendModeName(transmitters.mode));
  ReportTxCounter(o.iface, tx_before, totals.sent);
  return totals.status;
}

}  // namespace
}  // namespace sluice::pktgen

int main(int argc, char** argv) {
  auto options = sluice::pktgen::ParsePktgenOptions(argc, argv);
  if (absl::IsCancelled(options.status())) {  // --help
    std::fputs(std::string(options.status().message()).c_str(), stdout);
    return 0;
  }
  if (!options.ok()) {
    std::fprintf(stderr, "pktgen: %s\n", std::string(options.status().message()).c_str());
    return 2;
  }
  absl::Status s = sluice::pktgen::Run(*options);
  if (!s.ok()) {
    std::fprintf(stderr, "pktgen: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  return 0;
}
