// Counter and map helpers of the BPF_PROG_TEST_RUN fixtures (XDP and tc):
// snapshots of per-CPU sluice_counter arrays, their differences, the names
// of the counters that moved, and map writes that fail the test.
#ifndef SLUICE_DATAPATH_TESTING_FIXTURE_COUNTERS_H_
#define SLUICE_DATAPATH_TESTING_FIXTURE_COUNTERS_H_

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "datapath/maps/percpu_counters.h"
#include "gtest/gtest.h"
#include "sluice/shared.h"

namespace sluice::testing {

template <size_t N>
std::array<sluice_counter, N> Minus(const std::array<sluice_counter, N>& a,
                                    const std::array<sluice_counter, N>& b) {
  std::array<sluice_counter, N> out{};
  for (size_t i = 0; i < N; ++i) {
    out[i].packets = a[i].packets - b[i].packets;
    out[i].bytes = a[i].bytes - b[i].bytes;
  }
  return out;
}

// "rx ipv4 tcp", a name per counter that moved, "x3" after one that moved
// more than once.
template <size_t N>
std::string NamesOfMoved(const std::array<sluice_counter, N>& counters,
                         const char* (*name)(uint32_t)) {
  std::vector<std::string> moved;
  for (uint32_t i = 0; i < N; ++i) {
    if (counters[i].packets == 0) continue;
    std::string n = name(i);
    if (counters[i].packets != 1) absl::StrAppend(&n, "x", counters[i].packets);
    moved.push_back(n);
  }
  return absl::StrJoin(moved, " ");
}

// Every key of a per-CPU counter array, summed over CPUs.
template <size_t N>
void ReadCounters(bpf_map* map, std::array<sluice_counter, N>& out) {
  for (uint32_t i = 0; i < N; ++i) {
    auto c = ReadPerCpuCounter(bpf_map__fd(map), i);
    if (!c.ok()) {
      ADD_FAILURE() << bpf_map__name(map) << ": " << c.status();
      return;
    }
    out[i] = *c;
  }
}

inline void Update(bpf_map* map, const void* key, const void* value, const char* what) {
  int err = bpf_map_update_elem(bpf_map__fd(map), key, value, BPF_ANY);
  EXPECT_EQ(err, 0) << what << " in " << bpf_map__name(map) << ": " << strerror(errno);
}

}  // namespace sluice::testing

#endif  // SLUICE_DATAPATH_TESTING_FIXTURE_COUNTERS_H_
