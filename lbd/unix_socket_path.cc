#include "lbd/unix_socket_path.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace sluice::lbd {
namespace {

// Whether a process accepts connections on the socket at `path`: true, false
// (ECONNREFUSED: nobody listens), or an error.
absl::StatusOr<bool> SomeoneListens(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("socket path ", path, " is too long"));
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::ErrnoToStatus(errno, "creating a socket");
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  int err = errno;
  close(fd);
  if (rc == 0 || err == EAGAIN) return true;   // EAGAIN: a listener with a full backlog
  if (err == ECONNREFUSED) return false;
  return absl::ErrnoToStatus(err, absl::StrCat("connecting to ", path));
}

}  // namespace

absl::Status ClaimUnixSocketPath(const std::string& path) {
  std::string dir = path.substr(0, path.rfind('/'));
  if (!dir.empty() && mkdir(dir.c_str(), 0755) && errno != EEXIST) {
    return absl::ErrnoToStatus(errno, absl::StrCat("creating ", dir));
  }
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return absl::ErrnoToStatus(errno, absl::StrCat("examining ", path));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, " exists and is not a socket; lbd will not remove it (choose another --listen)"));
  }
  absl::StatusOr<bool> listening = SomeoneListens(path);
  if (!listening.ok()) return listening.status();
  if (*listening) {
    return absl::FailedPreconditionError(absl::StrCat(
        "another process (another lbd?) serves on ", path, "; stop it first"));
  }
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return absl::ErrnoToStatus(errno, absl::StrCat("removing the stale socket ", path));
  }
  return absl::OkStatus();
}

}  // namespace sluice::lbd
