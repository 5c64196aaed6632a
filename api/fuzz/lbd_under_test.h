// A real lbd for API tests: a child process on a private bpffs pin directory
// and a temporary Unix socket, inside a private network namespace that holds
// veth pairs for endpoints (their peers live in a second namespace, held by a
// sleeping child, as endpoint veths must have their peer elsewhere).
//
// Everything is undone by the destructor. If the test itself dies, its
// children die with it (PR_SET_PDEATHSIG) and so do the namespaces and veths;
// only the pin directory stays, and the next Start() removes the directories
// of runs whose process is gone.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sluice::api::testing {

class LbdUnderTest {
 public:
  // Needs root. Moves the calling thread into a new network namespace (so
  // call it before anything else starts threads that should stay outside),
  // makes `veths` host-side veths named fz0, fz1, ..., starts `lbd_path`
  // with --listen unix:... --pin-dir ... and waits for its socket.
  static absl::StatusOr<std::unique_ptr<LbdUnderTest>> Start(const std::string& lbd_path,
                                                             int veths);
  ~LbdUnderTest();

  const std::string& target() const { return target_; }   // "unix:/tmp/..."
  const std::vector<std::string>& veths() const { return veths_; }
  // The process is still running (it has not exited or crashed).
  bool Alive();
  // The last bytes of lbd's stderr, for failure messages.
  std::string LogTail() const;

 private:
  LbdUnderTest() = default;
  absl::Status StartLbd(const std::string& lbd_path);

  std::string dir_;          // temporary directory: socket and log
  std::string pin_dir_;
  std::string target_;
  std::vector<std::string> veths_;
  pid_t lbd_ = -1;
  pid_t peer_holder_ = -1;   // owns the namespace of the veth peers
  int exit_status_ = 0;
};

}  // namespace sluice::api::testing
