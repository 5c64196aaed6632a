#include "base/testing/crash_injection.h"

#include <bpf/bpf.h>
#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace sluice::testing {
namespace {

std::atomic<uint64_t> g_writes{0};
std::atomic<uint64_t> g_crash_at{0};
std::atomic<uint64_t> g_fail_at{0};
std::atomic<uint64_t> g_fail_count{0};

// Counts one map write. Returns false when this write is to fail instead.
bool CountWrite() {
  const uint64_t n = g_writes.fetch_add(1) + 1;
  if (n == g_crash_at.load()) _exit(kCrashExitCode);
  const uint64_t fail_at = g_fail_at.load();
  if (fail_at != 0 && n >= fail_at && n - fail_at < g_fail_count.load()) {
    errno = kInjectedErrno;
    return false;
  }
  return true;
}

template <typename Fn>
Fn Real(const char* name) {
  void* fn = dlsym(RTLD_NEXT, name);
  if (fn == nullptr) {
    std::fprintf(stderr, "crash_injection: libbpf has no %s\n", name);
    std::abort();
  }
  return reinterpret_cast<Fn>(fn);
}

}  // namespace

void ArmCrashBefore(uint64_t write) {
  g_writes = 0;
  g_fail_at = 0;
  g_crash_at = write;
}

void ArmFailureAt(uint64_t write, uint64_t count) {
  g_writes = 0;
  g_crash_at = 0;
  g_fail_count = count;
  g_fail_at = write;
}

uint64_t MapWritesSinceArmed() { return g_writes.load(); }

absl::Status RunInChildCrashingBefore(uint64_t write, const std::function<void()>& change) {
  const pid_t pid = fork();
  if (pid < 0) return absl::ErrnoToStatus(errno, "fork");
  if (pid == 0) {
    ArmCrashBefore(write);
    change();
    _exit(3);   // the change made fewer writes than `write`
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return absl::ErrnoToStatus(errno, "waitpid");
  if (WIFEXITED(status) && WEXITSTATUS(status) == kCrashExitCode) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("the child did not crash before map write ", write,
                                          " (wait status ", status, ")"));
}

}  // namespace sluice::testing

using sluice::testing::CountWrite;
using sluice::testing::kInjectedErrno;
using sluice::testing::Real;

extern "C" {

int bpf_map_update_elem(int fd, const void* key, const void* value, __u64 flags) {
  static const auto real = Real<decltype(&bpf_map_update_elem)>("bpf_map_update_elem");
  if (!CountWrite()) return -kInjectedErrno;
  return real(fd, key, value, flags);
}

int bpf_map_delete_elem(int fd, const void* key) {
  static const auto real = Real<decltype(&bpf_map_delete_elem)>("bpf_map_delete_elem");
  if (!CountWrite()) return -kInjectedErrno;
  return real(fd, key);
}

int bpf_map_update_batch(int fd, const void* keys, const void* values, __u32* count,
                         const struct bpf_map_batch_opts* opts) {
  static const auto real = Real<decltype(&bpf_map_update_batch)>("bpf_map_update_batch");
  if (!CountWrite()) {
    *count = 0;
    return -kInjectedErrno;
  }
  return real(fd, keys, values, count, opts);
}

int bpf_map_delete_batch(int fd, const void* keys, __u32* count,
                         const struct bpf_map_batch_opts* opts) {
  static const auto real = Real<decltype(&bpf_map_delete_batch)>("bpf_map_delete_batch");
  if (!CountWrite()) {
    *count = 0;
    return -kInjectedErrno;
  }
  return real(fd, keys, count, opts);
}

}  // extern "C"
