#include "api/fuzz/lbd_under_test.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace sluice::api::testing {
namespace {

constexpr char kPinPrefix[] = "sluice-grpc-fuzz-";
constexpr char kLbIface[] = "fzlb";   // lbd --iface
constexpr long kBpfFsMagic = 0xcafe4a11;
constexpr absl::Duration kStartTimeout = absl::Seconds(20);
constexpr absl::Duration kStopTimeout = absl::Seconds(5);

absl::Status Run(const std::string& command) {
  if (std::system(command.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("failed: ", command));
  }
  return absl::OkStatus();
}

// Pin directories of earlier runs that died before their cleanup.
void RemoveStalePinDirs() {
  DIR* dir = opendir("/sys/fs/bpf");
  if (!dir) return;
  while (dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    int pid;
    if (!absl::StartsWith(name, kPinPrefix) ||
        !absl::SimpleAtoi(name.substr(sizeof(kPinPrefix) - 1), &pid)) {
      continue;
    }
    if (kill(pid, 0) != 0 && errno == ESRCH) {
      std::system(absl::StrCat("rm -rf /sys/fs/bpf/", name).c_str());
    }
  }
  closedir(dir);
}

absl::Status EnsureBpfFs() {
  struct statfs fs;
  if (statfs("/sys/fs/bpf", &fs) == 0 && fs.f_type == kBpfFsMagic) return absl::OkStatus();
  return Run("mount -t bpf bpf /sys/fs/bpf");
}

// Waits up to `timeout` for `pid` to exit; true if it did.
bool WaitExit(pid_t pid, absl::Duration timeout, int* status) {
  absl::Time end = absl::Now() + timeout;
  do {
    if (waitpid(pid, status, WNOHANG) == pid) return true;
    absl::SleepFor(absl::Milliseconds(10));
  } while (absl::Now() < end);
  return false;
}

void Stop(pid_t pid, int* status) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  if (WaitExit(pid, kStopTimeout, status)) return;
  kill(pid, SIGKILL);
  waitpid(pid, status, 0);
}

// A child in a network namespace of its own that sleeps until killed.
absl::StatusOr<pid_t> StartNamespaceHolder() {
  int ready[2];
  if (pipe(ready)) return absl::ErrnoToStatus(errno, "pipe");
  pid_t pid = fork();
  if (pid < 0) return absl::ErrnoToStatus(errno, "fork");
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(ready[0]);
    char ok = unshare(CLONE_NEWNET) == 0 ? '1' : '0';
    (void)!write(ready[1], &ok, 1);
    for (;;) pause();
  }
  close(ready[1]);
  char ok = '0';
  (void)!read(ready[0], &ok, 1);
  close(ready[0]);
  if (ok != '1') {
    int status;
    Stop(pid, &status);
    return absl::InternalError("the veth peers' namespace could not be made");
  }
  return pid;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LbdUnderTest>> LbdUnderTest::Start(const std::string& lbd_path,
                                                                   int veths) {
  if (access(lbd_path.c_str(), X_OK) != 0) {
    return absl::NotFoundError(absl::StrCat(lbd_path, " is not an executable"));
  }
  RETURN_IF_ERROR(EnsureBpfFs());
  RemoveStalePinDirs();
  std::unique_ptr<LbdUnderTest> t(new LbdUnderTest());
  char dir[] = "/tmp/sluice-grpc-fuzz-XXXXXX";
  if (!mkdtemp(dir)) return absl::ErrnoToStatus(errno, "mkdtemp");
  t->dir_ = dir;
  t->pin_dir_ = absl::StrCat("/sys/fs/bpf/", kPinPrefix, getpid());
  t->target_ = absl::StrCat("unix:", t->dir_, "/lbd.sock");
  if (unshare(CLONE_NEWNET)) return absl::ErrnoToStatus(errno, "unshare(CLONE_NEWNET)");
  ASSIGN_OR_RETURN(t->peer_holder_, StartNamespaceHolder());
  // veths endpoints' veths, and one more for lbd's XDP interface (the load
  // balancer's changes are refused without one).
  for (int i = 0; i <= veths; ++i) {
    std::string host = i < veths ? absl::StrCat("fz", i) : std::string(kLbIface);
    RETURN_IF_ERROR(Run(absl::StrCat("ip link add ", host, " type veth peer name ", host,
                                     "p && ip link set ", host, "p netns ", t->peer_holder_,
                                     " && ip link set ", host, " up")));
    if (i < veths) t->veths_.push_back(host);
  }
  RETURN_IF_ERROR(t->StartLbd(lbd_path));
  return t;
}

absl::Status LbdUnderTest::StartLbd(const std::string& lbd_path) {
  std::string log = dir_ + "/lbd.log";
  std::string socket = target_.substr(5);
  // Small maps: they load fast, and a full map (RESOURCE_EXHAUSTED) is reachable.
  std::vector<std::string> args = {
      lbd_path, "--listen", target_, "--pin-dir", pin_dir_, "--max-vips", "16",
      "--max-backends", "64", "--ring-pool-entries", "262148", "--conntrack-entries", "4096",
      "--max-prefixes", "4096", "--node-conntrack-entries", "4096",
      "--iface", kLbIface, "--xdp-mode", "generic"};
  lbd_ = fork();
  if (lbd_ < 0) return absl::ErrnoToStatus(errno, "fork");
  if (lbd_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  absl::Time end = absl::Now() + kStartTimeout;
  struct stat st;
  while (stat(socket.c_str(), &st) != 0) {
    if (!Alive()) return absl::InternalError(absl::StrCat("lbd exited at start:\n", LogTail()));
    if (absl::Now() > end) return absl::DeadlineExceededError("lbd did not start listening");
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::OkStatus();
}

bool LbdUnderTest::Alive() {
  if (lbd_ <= 0) return false;
  if (waitpid(lbd_, &exit_status_, WNOHANG) == 0) return true;
  lbd_ = -1;
  return false;
}

std::string LbdUnderTest::LogTail() const {
  std::ifstream in(dir_ + "/lbd.log");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > 2000) text = "..." + text.substr(text.size() - 2000);
  return absl::StrCat("lbd ", lbd_ > 0 ? "running" : "exited",
                      lbd_ > 0 ? "" : absl::StrCat(" (wait status ", exit_status_, ")"),
                      ", its log:\n", text);
}

LbdUnderTest::~LbdUnderTest() {
  int status;
  Stop(lbd_, &status);
  // Killing the holder destroys its namespace and with it every veth pair.
  Stop(peer_holder_, &status);
  if (!pin_dir_.empty()) std::system(absl::StrCat("rm -rf ", pin_dir_).c_str());
  if (!dir_.empty()) std::system(absl::StrCat("rm -rf ", dir_).c_str());
}

}  // namespace sluice::api::testing
