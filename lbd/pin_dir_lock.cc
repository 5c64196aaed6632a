#include "lbd/pin_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace sluice::lbd {

absl::StatusOr<std::unique_ptr<PinDirLock>> PinDirLock::Acquire(const std::string& dir) {
  if (mkdir(dir.c_str(), 0700) && errno != EEXIST) {
    return absl::ErrnoToStatus(errno, absl::StrCat("creating pin dir ", dir));
  }
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("opening pin dir ", dir));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    close(fd);
    if (err == EWOULDBLOCK) {
      return absl::FailedPreconditionError(absl::StrCat(
          "another lbd is running on pin dir ", dir,
          " (it holds the lock on it); stop it first, or give this one another --pin-dir"));
    }
    return absl::ErrnoToStatus(err, absl::StrCat("locking pin dir ", dir));
  }
  return std::unique_ptr<PinDirLock>(new PinDirLock(fd));
}

PinDirLock::~PinDirLock() { close(fd_); }

}  // namespace sluice::lbd
