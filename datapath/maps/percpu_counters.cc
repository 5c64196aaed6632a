#include "datapath/maps/percpu_counters.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "base/bpf_errors.h"

namespace sluice {

absl::StatusOr<sluice_counter> ReadPerCpuCounter(int map_fd, uint32_t key) {
  int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return BpfStatus(cpus, "counting possible CPUs");
  std::vector<sluice_counter> per_cpu(cpus);
  int err = bpf_map_lookup_elem(map_fd, &key, per_cpu.data());
  if (err) return BpfStatus(err, absl::StrCat("reading counter ", key));
  sluice_counter sum{};
  for (const auto& c : per_cpu) {
    sum.packets += c.packets;
    sum.bytes += c.bytes;
  }
  return sum;
}

absl::Status ResetPerCpuCounter(int map_fd, uint32_t key) {
  int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return BpfStatus(cpus, "counting possible CPUs");
  std::vector<sluice_counter> zeros(cpus);
  return BpfStatus(bpf_map_update_elem(map_fd, &key, zeros.data(), BPF_ANY),
                   absl::StrCat("resetting counter ", key));
}

}  // namespace sluice
