#include "base/grace_period.h"

#include <bpf/bpf.h>
#include <unistd.h>

#include "base/bpf_errors.h"

namespace sluice {

absl::StatusOr<GracePeriod> GracePeriod::Create() {
  int inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sluice_gp_inner", 4, 4, 1, nullptr);
  if (inner < 0) return BpfStatus(inner, "creating grace-period inner map");
  LIBBPF_OPTS(bpf_map_create_opts, opts, .inner_map_fd = static_cast<__u32>(inner));
  int outer = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "sluice_gp", 4, 4, 1, &opts);
  if (outer < 0) {
    close(inner);
    return BpfStatus(outer, "creating grace-period map");
  }
  return GracePeriod(outer, inner);
}

GracePeriod::GracePeriod(GracePeriod&& other) noexcept
    : outer_fd_(other.outer_fd_), inner_fd_(other.inner_fd_) {
  other.outer_fd_ = other.inner_fd_ = -1;
}

GracePeriod::~GracePeriod() {
  if (outer_fd_ >= 0) close(outer_fd_);
  if (inner_fd_ >= 0) close(inner_fd_);
}

absl::Status GracePeriod::Wait() const {
  uint32_t key = 0;
  return BpfStatus(bpf_map_update_elem(outer_fd_, &key, &inner_fd_, BPF_ANY),
                   "waiting for an RCU grace period");
}

}  // namespace sluice
