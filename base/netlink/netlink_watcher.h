// Follows the kernel's route, neighbour and link changes so that lbd can
// re-resolve its next hops (next_hop.h). See docs/next-hop.md.
#pragma once

#include <functional>
#include <memory>
#include <thread>

#include "absl/status/status.h"

namespace sluice {

namespace rtnl {
class Socket;
}

class NetlinkWatcher {
 public:
  // Debounce window: events within it after the first one of a burst result
  // in one call.
  static constexpr int kDebounceMs = 50;

  // `on_change` runs on the watcher's thread, at most once per debounce
  // window, after any route or link change and after a neighbour entry's
  // usable MAC appears, changes or goes away (a neighbour's state moving
  // between REACHABLE, STALE, DELAY and PROBE with the same MAC is not a
  // change). It must not call Stop().
  explicit NetlinkWatcher(std::function<void()> on_change);
  ~NetlinkWatcher();  // Stop()
  NetlinkWatcher(const NetlinkWatcher&) = delete;
  NetlinkWatcher& operator=(const NetlinkWatcher&) = delete;

  // Subscribes and starts the thread. Start the watcher before the first
  // ResolveNextHop so that no change in between goes unnoticed.
  absl::Status Start();
  // Returns once the thread has ended (at most one running on_change later).
  // Pending events are dropped. No-op when not started.
  void Stop();

 private:
  void Run();

  std::function<void()> on_change_;
  std::unique_ptr<rtnl::Socket> socket_;
  int stop_fd_ = -1;  // eventfd that wakes the thread's poll() on Stop()
  std::thread thread_;
};

}  // namespace sluice
