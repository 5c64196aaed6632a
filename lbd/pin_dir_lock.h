// One lbd per pin dir: a second lbd on the same pins would take over the
// first one's maps and interfaces behind its back. The lock is an flock on
// the pin dir itself (bpffs holds no regular files), held for the life of
// the process: the kernel releases it when lbd exits or is killed, so a
// crashed lbd never leaves a stale lock behind.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace sluice::lbd {

class PinDirLock {
 public:
  // Creates `dir` (mode 0700) if missing and locks it. FAILED_PRECONDITION
  // naming the dir when another process holds it.
  static absl::StatusOr<std::unique_ptr<PinDirLock>> Acquire(const std::string& dir);
  ~PinDirLock();
  PinDirLock(const PinDirLock&) = delete;
  PinDirLock& operator=(const PinDirLock&) = delete;

 private:
  explicit PinDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace sluice::lbd
