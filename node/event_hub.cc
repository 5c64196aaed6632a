#include "node/event_hub.h"

#include <bpf/libbpf.h>

#include <cerrno>

#include "base/bpf_errors.h"

namespace sluice::node {

bool EventSubscription::Next(NodeEvent* out, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout), [&] { return !queue_.empty(); })) {
    return false;
  }
  *out = queue_.front();
  queue_.pop_front();
  return true;
}

void EventSubscription::Push(const sluice_event& e) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() == capacity_) {
      queue_.pop_front();
      missed_++;
    }
    queue_.push_back({e, e.suppressed + missed_});
    missed_ = 0;
  }
  cv_.notify_one();
}

absl::StatusOr<std::unique_ptr<EventHub>> EventHub::Start(int ringbuf_fd) {
  std::unique_ptr<EventHub> hub(new EventHub());
  hub->ring_ = ring_buffer__new(ringbuf_fd, &EventHub::OnEvent, hub.get(), nullptr);
  if (!hub->ring_) return BpfStatus(-errno, "opening the event ring buffer");
  hub->thread_ = std::thread([h = hub.get()] { h->Poll(); });
  return hub;
}

EventHub::~EventHub() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
  ring_buffer__free(ring_);
}

std::shared_ptr<EventSubscription> EventHub::Subscribe(size_t capacity) {
  auto sub = std::make_shared<EventSubscription>(capacity);
  std::lock_guard<std::mutex> lock(mu_);
  subs_.push_back(sub);
  return sub;
}

void EventHub::Unsubscribe(const std::shared_ptr<EventSubscription>& sub) {
  std::lock_guard<std::mutex> lock(mu_);
  subs_.remove(sub);
}

int EventHub::OnEvent(void* ctx, void* data, size_t size) {
  if (size < sizeof(sluice_event)) return 0;
  auto* hub = static_cast<EventHub*>(ctx);
  const auto* e = static_cast<const sluice_event*>(data);
  std::lock_guard<std::mutex> lock(hub->mu_);
  for (const auto& sub : hub->subs_) sub->Push(*e);
  return 0;
}

void EventHub::Poll() {
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return;
    }
    // Events nobody subscribed to are consumed and dropped: the ring buffer
    // must not fill up with them.
    ring_buffer__poll(ring_, 100);
  }
}

}  // namespace sluice::node
