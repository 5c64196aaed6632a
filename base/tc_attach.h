// Attaching our tc programs with libbpf's tc hooks. Each program sits at our
// own handle and priority on the clsact hook: re-attaching replaces only it,
// and detaching removes only it, whatever other filters the hook carries.
#pragma once

#include <bpf/libbpf.h>

#include <cstdint>

#include "absl/status/status.h"

namespace sluice {

struct TcFilterPlace {
  bpf_tc_attach_point hook;   // BPF_TC_INGRESS or BPF_TC_EGRESS
  uint32_t handle;
  uint32_t priority;
};

// Creates the clsact qdisc when missing, then attaches or replaces.
absl::Status TcAttach(int ifindex, const TcFilterPlace& place, int prog_fd);
// Removes our filter; a missing filter or interface is not an error.
absl::Status TcDetach(int ifindex, const TcFilterPlace& place);

}  // namespace sluice
