#include "datapath/bench/bench_run.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "base/bpf_errors.h"
#include "datapath/maps/percpu_counters.h"
#include "base/packet/packet_builder.h"
#include "base/testing/prog_test_run.h"
#include "xdp_pass.skel.h"

namespace sluice::bench {
namespace {

using testing::ProgRunResult;

// The kernel's ENOTSUPP (not in the uapi headers): a map type without batch
// operations answers it.
constexpr int kKernelEnotsupp = 524;

xdp_pass*& FloorSkel() {
  static xdp_pass* skel = nullptr;
  return skel;
}

// XDP with the kernel's repeat (RunProg always runs once); no output copy.
absl::StatusOr<ProgRunResult> RunXdpRepeated(int prog_fd, const Bytes& packet,
                                             uint32_t repeat) {
  Bytes in = packet;
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in.data(),
              .data_size_in = static_cast<uint32_t>(in.size()),
              .repeat = static_cast<int>(repeat));
  int err = bpf_prog_test_run_opts(prog_fd, &opts);
  if (err) return BpfStatus(err, "BPF_PROG_TEST_RUN");
  ProgRunResult r;
  r.verdict = opts.retval;
  r.duration_ns = opts.duration;
  return r;
}

absl::StatusOr<ProgRunResult> RunOnce(const Measured& m, const Bytes& packet) {
  if (m.tc) {
    __sk_buff skb{};
    skb.ifindex = 1;  // the loopback device: the endpoint's key
    return testing::RunSkbProg(m.prog_fd, packet, skb, m.repeat);
  }
  if (m.repeat > 1) return RunXdpRepeated(m.prog_fd, packet, m.repeat);
  return testing::RunProg(m.prog_fd, packet);
}

// One run, its verdict checked; appends its duration to `durations`.
absl::Status RunChecked(const Measured& m, const Bytes& packet,
                        std::vector<uint32_t>* durations) {
  absl::StatusOr<ProgRunResult> r = RunOnce(m, packet);
  if (!r.ok()) return r.status();
  if (r->verdict != m.verdict) {
    return absl::FailedPreconditionError(
        absl::StrCat("verdict ", r->verdict, ", expected ", m.verdict,
                     ": the packet did not take the measured path"));
  }
  if (durations) durations->push_back(r->duration_ns);
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> PathPackets(const PathCounter& c) {
  if (c.map_fd < 0) return 0;
  absl::StatusOr<sluice_counter> v = ReadPerCpuCounter(c.map_fd, c.key);
  if (!v.ok()) return v.status();
  return v->packets;
}

Timing Summary(std::vector<uint32_t> durations) {
  Timing t;
  if (durations.empty()) return t;
  for (uint32_t d : durations) t.mean_ns += d;
  t.mean_ns /= durations.size();
  auto mid = durations.begin() + durations.size() / 2;
  std::nth_element(durations.begin(), mid, durations.end());
  t.p50_ns = *mid;
  return t;
}

// The display reporter Google Benchmark would use, remembering whether a
// benchmark failed (skipped with an error): the binary then exits 1, so
// that ctest reports the failure.
class FailureNoting : public benchmark::BenchmarkReporter {
 public:
  FailureNoting() : inner_(benchmark::CreateDefaultDisplayReporter()) {}
  bool ReportContext(const Context& context) override {
    return inner_->ReportContext(context);
  }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) failed_ = failed_ || r.error_occurred;
    inner_->ReportRuns(runs);
  }
  void Finalize() override { inner_->Finalize(); }
  bool failed() const { return failed_; }

 private:
  std::unique_ptr<benchmark::BenchmarkReporter> inner_;
  bool failed_ = false;
};

// Runs of the measured path and of each reference alternate in blocks of
// this many: back to back within a block (as packets of one path arrive),
// yet never further apart in time than a few blocks.
constexpr size_t kBlock = 100;

// A reference's runs, and the counters it gets.
struct RefRuns {
  explicit RefRuns(const Reference* r) : ref(r) {}
  const Reference* ref;
  size_t next = 0;
  std::vector<uint32_t> durations;
};

// --prog_stats: the kernel's BPF statistics, on while this fd is open.
int& StatsFd() {
  static int fd = -1;
  return fd;
}

// The program's accumulated run time and runs (kernel BPF statistics).
struct ProgStats {
  uint64_t run_time_ns = 0;
  uint64_t run_cnt = 0;
};

ProgStats StatsOf(int prog_fd) {
  bpf_prog_info info{};
  uint32_t len = sizeof(info);
  if (StatsFd() < 0 || bpf_obj_get_info_by_fd(prog_fd, &info, &len)) return {};
  return {info.run_time_ns, info.run_cnt};
}

// Mean ns per run between two readings; 0 without statistics.
double StatsNanos(const ProgStats& a, const ProgStats& b) {
  const uint64_t runs = b.run_cnt - a.run_cnt;
  return runs ? static_cast<double>(b.run_time_ns - a.run_time_ns) / runs : 0;
}

void SetRatios(benchmark::State& state, const std::string& name,
               const Timing& t, const Timing& ref) {
  state.counters[name + "_ns"] = ref.mean_ns;
  state.counters["x_" + name] = t.mean_ns / ref.mean_ns;
  state.counters["x_" + name + "_p50"] = t.p50_ns / std::max(ref.p50_ns, 1.0);
}

}  // namespace

namespace internal {
std::shared_ptr<void>& FixtureSlot(Slot slot, const std::string& key) {
  static std::string current[2];
  static std::shared_ptr<void> fixture[2];
  const int i = static_cast<int>(slot);
  if (key != current[i]) {
    fixture[i].reset();
    current[i] = key;
  }
  return fixture[i];
}
}  // namespace internal

benchmark::internal::Benchmark* KernelTimed(benchmark::internal::Benchmark* b,
                                            int64_t iterations) {
  return b->UseManualTime()->Unit(benchmark::kNanosecond)->Iterations(iterations);
}

bool OkOrSkip(benchmark::State& state, const absl::Status& status) {
  if (status.ok()) return true;
  state.SkipWithError(status.ToString().c_str());
  return false;
}

int FloorProgFd() { return bpf_program__fd(FloorSkel()->progs.sluice_xdp_pass); }

Bytes TcpFrame(const MacAddr& src_mac, const MacAddr& dst_mac,
               const IpAddress& src, uint16_t sport, const IpAddress& dst,
               uint16_t dport) {
  testing::PacketBuilder b;
  b.Eth(src_mac, dst_mac);
  if (src.is_v4()) {
    b.Ipv4(src, dst);
  } else {
    b.Ipv6(src, dst);
  }
  return b.Tcp(sport, dport, testing::TcpFlags::kAck).Payload("hello").Build();
}

const Bytes& FloorPacket() {
  static const Bytes packet =
      TcpFrame("02:00:00:00:00:02", "02:00:00:00:00:01", "198.51.100.1",
               40000, "10.20.30.40", 443);
  return packet;
}

absl::Status Prime(const Measured& m, const std::vector<Bytes>& packets) {
  for (const Bytes& p : packets) {
    absl::Status s = RunChecked(m, p, nullptr);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<Timing> TimeRuns(benchmark::State& state, const Measured& m,
                                const std::vector<Bytes>& packets,
                                const std::vector<Reference>& references) {
  auto fail = [&state](const absl::Status& s) -> absl::StatusOr<Timing> {
    OkOrSkip(state, s);
    return s;
  };
  Reference floor{"floor", {}, {FloorPacket()}};
  floor.m.prog_fd = FloorProgFd();
  floor.m.verdict = XDP_PASS;
  floor.m.repeat = m.repeat;
  std::vector<RefRuns> refs{RefRuns(&floor)};
  for (const Reference& r : references) refs.emplace_back(&r);
  for (RefRuns& r : refs) r.durations.reserve(state.max_iterations);
  if (packets.empty()) return fail(absl::InvalidArgumentError("no packets"));
  if (m.prime) {
    absl::Status primed = Prime(m, packets);
    if (!primed.ok()) return fail(primed);
  }
  for (const Reference& r : references) {
    absl::Status primed = r.m.prime ? Prime(r.m, r.packets) : absl::OkStatus();
    if (!primed.ok()) return fail(primed);
  }
  std::vector<uint32_t> durations;
  durations.reserve(state.max_iterations);
  absl::StatusOr<uint64_t> before = PathPackets(m.counter);
  if (!before.ok()) return fail(before.status());
  const ProgStats prog_before = StatsOf(m.prog_fd);
  const ProgStats floor_before = StatsOf(floor.m.prog_fd);

  const size_t block = m.repeat > 1 ? 1 : kBlock;
  size_t i = 0;
  for (auto _ : state) {
    const Bytes& packet = packets[i++ % packets.size()];
    absl::Status s = RunChecked(m, packet, &durations);
    if (!s.ok()) return fail(s);
    state.SetIterationTime(durations.back() * 1e-9);
    if (m.after_run) m.after_run(packet);
    if (i % block != 0) continue;
    for (RefRuns& r : refs) {
      const std::vector<Bytes>& p = r.ref->packets;
      for (size_t j = 0; j < block; ++j) {
        s = RunChecked(r.ref->m, p[r.next++ % p.size()], &r.durations);
        if (!s.ok()) return fail(s);
      }
    }
  }

  if (StatsFd() >= 0) {
    state.counters["prog_ns"] = StatsNanos(prog_before, StatsOf(m.prog_fd));
    state.counters["floor_prog_ns"] =
        StatsNanos(floor_before, StatsOf(floor.m.prog_fd));
  }
  absl::StatusOr<uint64_t> after = PathPackets(m.counter);
  if (!after.ok()) return fail(after.status());
  const uint64_t runs = uint64_t{durations.size()} * m.repeat;
  if (m.counter.map_fd >= 0 && *after - *before != runs) {
    return fail(absl::FailedPreconditionError(
        absl::StrCat("the path counter moved ", *after - *before, " for ",
                     runs, " runs: not every run took the measured path")));
  }
  const Timing t = Summary(std::move(durations));
  state.counters["p50_ns"] = t.p50_ns;
  for (RefRuns& r : refs) {
    const Timing ref = Summary(std::move(r.durations));
    SetRatios(state, r.ref->name, t, ref);
    if (r.ref == &floor) state.counters["over_floor_ns"] = t.mean_ns - ref.mean_ns;
  }
  return t;
}

absl::Status UpdateBatch(bpf_map* map, const void* keys, const void* values,
                         uint32_t count) {
  const int fd = bpf_map__fd(map);
  const auto* k = static_cast<const uint8_t*>(keys);
  const auto* v = static_cast<const uint8_t*>(values);
  const size_t ks = bpf_map__key_size(map), vs = bpf_map__value_size(map);
  uint32_t done = 0;
  while (done < count) {
    uint32_t n = count - done;
    int err = bpf_map_update_batch(fd, k + done * ks, v + done * vs, &n,
                                   nullptr);
    if (err == -EINVAL || err == -EOPNOTSUPP || err == -kKernelEnotsupp) break;
    if (err) return BpfStatus(err, bpf_map__name(map));
    done += n;
  }
  for (; done < count; ++done) {  // no batch support for this map type
    if (bpf_map_update_elem(fd, k + done * ks, v + done * vs, BPF_ANY)) {
      return BpfStatus(-errno, bpf_map__name(map));
    }
  }
  return absl::OkStatus();
}

absl::Status ErrnoStatus(const char* what, int err) {
  return BpfStatus(err ? err : -errno, what);
}

absl::Status SetSizes(const MapSizes& sizes) {
  for (const MapSize& size : sizes) {
    int err = bpf_map__set_max_entries(size.map, size.entries);
    if (err) return BpfStatus(err, bpf_map__name(size.map));
  }
  return absl::OkStatus();
}

int Main(int argc, char** argv) {
  const std::string kProgStats = "--prog_stats";
  bool prog_stats = false;
  for (int i = 1; i < argc; ++i) {
    if (argv[i] != kProgStats) continue;
    prog_stats = true;
    std::copy(argv + i + 1, argv + argc + 1, argv + i);  // argv[argc] is null
    --argc;
    break;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (geteuid() != 0) {
    std::fprintf(stderr,
                 "needs root: loading BPF programs and BPF_PROG_TEST_RUN "
                 "need CAP_BPF + CAP_NET_ADMIN\n");
    return 1;
  }
  cpu_set_t one;
  CPU_ZERO(&one);
  const int cpu = sched_getcpu();
  CPU_SET(cpu, &one);
  if (sched_setaffinity(0, sizeof(one), &one) != 0) {
    std::perror("sched_setaffinity");
    return 1;
  }
  FloorSkel() = xdp_pass::open_and_load();
  if (!FloorSkel()) {
    std::perror("loading xdp_pass (the floor)");
    return 1;
  }
  benchmark::AddCustomContext("pinned_cpu", absl::StrCat(cpu));
  if (prog_stats) {
    StatsFd() = bpf_enable_stats(BPF_STATS_RUN_TIME);
    if (StatsFd() < 0) {
      std::perror("BPF_ENABLE_STATS");
      return 1;
    }
    benchmark::AddCustomContext(
        "prog_stats", "on: prog_ns is the program alone (kernel BPF stats), "
                      "and every duration includes the stats' two clock reads");
  }
  FailureNoting reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  xdp_pass::destroy(FloorSkel());
  return reporter.failed() ? 1 : 0;
}

}  // namespace sluice::bench
