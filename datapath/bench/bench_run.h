// The measuring loop shared by the datapath benchmarks (path_benchmark,
// scaling_benchmark): BPF_PROG_TEST_RUN of a loaded program, the kernel's
// own `duration` as the iteration time, references run in the same loop.
//
// Method (docs/benchmarks.md): one Google Benchmark iteration is one
// BPF_PROG_TEST_RUN call on the pristine input, with repeat=1 unless the
// benchmark says otherwise; the time reported is the kernel-measured
// `duration` of that call (state.SetIterationTime, with ->UseManualTime()),
// so syscall and copying costs are not in it. Every run's verdict is
// checked, and a counter of the path (when given) must move once per run: a
// benchmark that does not take the path it names fails.
//
// The loop also runs the references, untimed for Google Benchmark but
// recorded: the floor (a trivial XDP program) always, and whatever the
// benchmark adds (a scaling curve: the same path at N=1). They alternate
// with the measured runs in blocks of 100 runs, so each is measured back to
// back (warm, as a stream of packets of one path) and yet in the same
// moments as the others: the drift of this shared, noisy machine from one
// benchmark to the next does not enter the ratios.
#ifndef SLUICE_DATAPATH_BENCH_BENCH_RUN_H_
#define SLUICE_DATAPATH_BENCH_BENCH_RUN_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "benchmark/benchmark.h"
#include "base/map_setup.h"
#include "base/packet/addresses.h"

struct bpf_map;

namespace sluice::bench {

using Bytes = std::vector<uint8_t>;
using testing::IpAddress;
using testing::MacAddr;

// The frames the benchmarks run: TCP with the ACK flag and a 5-byte payload
// (a packet of an established connection; new-flow benchmarks make the
// flow new by what the maps hold, not by the flags), IPv4 or IPv6 by the
// addresses' family. Ports in host order.
Bytes TcpFrame(const MacAddr& src_mac, const MacAddr& dst_mac,
               const IpAddress& src, uint16_t sport, const IpAddress& dst,
               uint16_t dport);

// A per-CPU counter map entry (struct sluice_counter) that the measured path
// increments once per packet.
struct PathCounter {
  int map_fd = -1;  // -1: nothing to check
  uint32_t key = 0;
};

// What to run and what each run must answer.
struct Measured {
  int prog_fd = -1;
  bool tc = false;       // sched_cls: run with an __sk_buff on ifindex 1
  uint32_t verdict = 0;  // every run must return this
  // The kernel's repeat: >1 only for programs that leave the packet as it
  // was (each repeat runs on the previous run's output). The duration is
  // then the mean of the `repeat` runs.
  uint32_t repeat = 1;
  PathCounter counter;
  // Called after each run, outside the measured time (e.g. to delete the
  // connection-table entry the run created, so the next run misses again).
  std::function<void(const Bytes& packet)> after_run;
  // Runs each packet once, untimed, before measuring (creates the
  // connection-table entries of the flows an "established" benchmark uses).
  bool prime = false;
};

// `m`, primed: each packet runs once before measuring.
inline Measured Primed(Measured m) {
  m.prime = true;
  return m;
}

// Something to compare against, run in the same loop: counters <name>_ns
// (its mean), x_<name> (mean / its mean) and x_<name>_p50 (median / its
// median).
struct Reference {
  std::string name;
  Measured m;  // its path counter is not checked
  std::vector<Bytes> packets;
};

// What TimeRuns measured, in kernel nanoseconds per packet.
struct Timing {
  double mean_ns = 0;
  double p50_ns = 0;
};

// The benchmark loop, after priming (if asked, the references too):
// iteration i runs packets[i % packets.size()] once (one BPF_PROG_TEST_RUN),
// checks the verdict and feeds the kernel's duration to
// state.SetIterationTime; after every block of iterations each reference
// runs as many times (the floor with the benchmark's repeat). Afterwards the path counter must have moved once per
// run. Counters: p50_ns, the references' (see Reference) and over_floor_ns
// (mean - floor mean). On any failure the benchmark is skipped with the
// reason and the result is the error.
absl::StatusOr<Timing> TimeRuns(benchmark::State& state, const Measured& m,
                                const std::vector<Bytes>& packets,
                                const std::vector<Reference>& references = {});

// One untimed run of each packet, checking the verdict (what `prime` does;
// for state another program must create, e.g. the connection a reply to
// the endpoint belongs to).
absl::Status Prime(const Measured& m, const std::vector<Bytes>& packets);

// The floor: a trivial XDP program (xdp_pass.bpf.o, returns XDP_PASS),
// loaded by Main, and the packet it runs on.
int FloorProgFd();
const Bytes& FloorPacket();

// Writes count (key, value) pairs into the map with bpf_map_update_batch
// (single updates where the map type has no batch support).
absl::Status UpdateBatch(bpf_map* map, const void* keys, const void* values,
                         uint32_t count);
template <typename K, typename V>
absl::Status UpdateBatch(bpf_map* map, const std::vector<K>& keys,
                         const std::vector<V>& values) {
  if (keys.size() != values.size()) {
    return absl::InvalidArgumentError("keys and values differ in number");
  }
  return UpdateBatch(map, keys.data(), values.data(),
                     static_cast<uint32_t>(keys.size()));
}

template <typename K, typename V>
absl::Status Put(bpf_map* map, const K& key, const V& value) {
  return UpdateBatch(map, &key, &value, 1);
}

// A status for a failed libbpf call: `err` (a negative errno) or errno.
absl::Status ErrnoStatus(const char* what, int err = 0);

// max_entries to give maps before load (each object's map library says
// which: datapath/xdp/lb_xdp_maps.h, datapath/tc/endpoint_maps.h).
using MapSizes = std::vector<MapSize>;
absl::Status SetSizes(const MapSizes& sizes);

// Opens the libbpf skeleton `Skel` (bpftool's C++ skeleton: Skel::open,
// ::load, ::destroy), sizes its maps with `sizes(skel)` and loads it. The
// caller owns the result (Skel::destroy).
template <typename Skel>
absl::StatusOr<Skel*> LoadSkeleton(
    const std::function<MapSizes(Skel*)>& sizes) {
  Skel* skel = Skel::open();
  if (!skel) return ErrnoStatus("opening the BPF object");
  absl::Status s = SetSizes(sizes(skel));
  int err = s.ok() ? Skel::load(skel) : 0;
  if (err) s = ErrnoStatus("loading the BPF object", -err);
  if (!s.ok()) {
    Skel::destroy(skel);
    return s;
  }
  return skel;
}

// Where SharedFixture keeps a fixture: the one measured, and the one
// measured against (a scaling curve's N=1).
enum class Slot { kMeasured = 0, kReference = 1 };

namespace internal {
// The fixture of `slot`: what is stored under `key`, or null after
// releasing what was stored under another key.
std::shared_ptr<void>& FixtureSlot(Slot slot, const std::string& key);
}  // namespace internal

// The fixture stored under `key` (e.g. "prefixes/1000000") in `slot`, made
// with `make` when the last one asked for there had another key. One
// fixture per slot is alive at a time, and benchmarks that ask for the same
// key in a row (a matched and an unmatched packet on one table,
// repetitions) share one fill. On failure the benchmark is skipped and the
// result is null.
template <typename T>
T* SharedFixture(
    benchmark::State& state, const std::string& key,
    const std::function<absl::StatusOr<std::unique_ptr<T>>()>& make,
    Slot slot = Slot::kMeasured) {
  std::shared_ptr<void>& stored = internal::FixtureSlot(slot, key);
  if (!stored) {
    absl::StatusOr<std::unique_ptr<T>> made = make();
    if (!made.ok()) {
      state.SkipWithError(made.status().ToString().c_str());
      return nullptr;
    }
    stored = std::shared_ptr<T>(std::move(*made));
  }
  return static_cast<T*>(stored.get());
}

// Google Benchmark settings of every datapath benchmark: manual (kernel)
// time in ns, a fixed number of iterations (each is a few syscalls, µs of
// wall time for tens of ns of measured time: a time-based stop would run
// for minutes).
benchmark::internal::Benchmark* KernelTimed(benchmark::internal::Benchmark* b,
                                            int64_t iterations);

// Skips the benchmark with `status`'s message; returns false when not ok.
bool OkOrSkip(benchmark::State& state, const absl::Status& status);

// main() of the datapath benchmarks: needs root; pins the process to the CPU
// it starts on (BPF_PROG_TEST_RUN runs on the caller's CPU; the per-CPU LRU
// lists of the connection tables are filled and used from that one CPU),
// loads the floor, then runs the registered benchmarks; exits 1 when one
// failed (e.g. did not take its path). With --prog_stats
// (an investigation aid) the kernel's BPF run-time statistics are on while
// it runs, and each benchmark also reports prog_ns and floor_prog_ns: the
// program alone, without the test-run harness, by the kernel's count (this
// turns statistics on for every BPF program of the machine meanwhile, and
// adds two clock reads to every measured duration).
int Main(int argc, char** argv);

}  // namespace sluice::bench

#endif  // SLUICE_DATAPATH_BENCH_BENCH_RUN_H_
