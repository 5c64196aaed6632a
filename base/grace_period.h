// Waiting from user space until every BPF program run that started before
// now has finished (an RCU grace period).
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sluice {

// The kernel offers no direct "wait for a grace period" to user space, but
// it calls synchronize_rcu() after a user-space update of a map-in-map slot
// (so the old inner map is unused when the call returns). GracePeriod owns a
// private one-slot ARRAY_OF_MAPS and rewrites its slot to wait.
// Cost: one grace period, ~15 ms on this machine (docs/atomic-commits.md).
class GracePeriod {
 public:
  static absl::StatusOr<GracePeriod> Create();
  GracePeriod(GracePeriod&& other) noexcept;
  GracePeriod& operator=(GracePeriod&&) = delete;
  ~GracePeriod();

  absl::Status Wait() const;

 private:
  GracePeriod(int outer_fd, int inner_fd) : outer_fd_(outer_fd), inner_fd_(inner_fd) {}
  int outer_fd_;
  int inner_fd_;
};

}  // namespace sluice
