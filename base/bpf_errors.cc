#include "base/bpf_errors.h"

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace sluice {

absl::Status BpfStatus(int err, absl::string_view what) {
  if (err >= 0) return absl::OkStatus();
  int errnum = err == -1 ? errno : -err;
  // A full hash or LPM map answers E2BIG; absl maps it to INVALID_ARGUMENT,
  // but to a caller it means "no room": RESOURCE_EXHAUSTED.
  if (errnum == E2BIG || errnum == ENOSPC) {
    return absl::ResourceExhaustedError(
        absl::StrCat(what, ": map is full (", strerror(errnum), ")"));
  }
  return absl::ErrnoToStatus(errnum, what);
}

}  // namespace sluice
