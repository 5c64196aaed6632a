// A thread that runs commits handed over by gRPC handlers, in order, so a
// handler never holds a gRPC callback thread for a commit's grace period.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace sluice::api {

class CommitWorker {
 public:
  CommitWorker();
  // Runs what is queued, then stops.
  ~CommitWorker();
  CommitWorker(const CommitWorker&) = delete;
  CommitWorker& operator=(const CommitWorker&) = delete;

  void Post(std::function<void()> work);

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::thread thread_;   // last: starts once the rest exists
};

}  // namespace sluice::api
