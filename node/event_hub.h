// Fans the node datapath's event ring buffer out to any number of
// subscribers (lbctl monitor streams). One thread polls the ring buffer; a
// subscriber that falls behind loses its oldest events, counted in the
// `suppressed` of the next event it gets, and never slows the others.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sluice/shared.h"

struct ring_buffer;

namespace sluice::node {

struct NodeEvent {
  sluice_event raw;
  uint64_t suppressed = 0;   // events this subscriber missed before this one
};

class EventSubscription {
 public:
  explicit EventSubscription(size_t capacity) : capacity_(capacity) {}
  // Waits up to `timeout` for the next event. False on timeout.
  bool Next(NodeEvent* out, absl::Duration timeout);

 private:
  friend class EventHub;
  void Push(const sluice_event& e);

  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<NodeEvent> queue_;
  uint64_t missed_ = 0;
};

class EventHub {
 public:
  static absl::StatusOr<std::unique_ptr<EventHub>> Start(int ringbuf_fd);
  ~EventHub();   // stops the polling thread

  std::shared_ptr<EventSubscription> Subscribe(size_t capacity = 4096);
  void Unsubscribe(const std::shared_ptr<EventSubscription>& sub);

 private:
  EventHub() = default;
  static int OnEvent(void* ctx, void* data, size_t size);
  void Poll();

  ring_buffer* ring_ = nullptr;
  std::thread thread_;
  std::mutex mu_;
  std::list<std::shared_ptr<EventSubscription>> subs_;
  bool stop_ = false;
};

}  // namespace sluice::node
