#include "lb/next_hop_log.h"

#include <cstdio>

#include "absl/strings/str_cat.h"

namespace sluice::lb {

NextHopLog::NextHopLog(Sink sink) : sink_(std::move(sink)) {
  if (!sink_) sink_ = [](const std::string& line) { fprintf(stderr, "lbd: %s\n", line.c_str()); };
}

void NextHopLog::Unresolved(const IpAddress& address, const absl::Status& error) {
  std::string reason(error.message());
  auto [it, inserted] = failing_.emplace(address, reason);
  if (!inserted && it->second == reason) return;
  it->second = reason;
  sink_(absl::StrCat("next hop of ", address.ToString(), " unresolved: ", reason));
}

void NextHopLog::Resolved(const IpAddress& address) {
  if (failing_.erase(address) == 0) return;
  sink_(absl::StrCat("next hop of ", address.ToString(), " resolved again"));
}

void NextHopLog::ForgetUnused(const std::function<bool(const IpAddress&)>& in_use) {
  for (auto it = failing_.begin(); it != failing_.end();) {
    it = in_use(it->first) ? std::next(it) : failing_.erase(it);
  }
}

}  // namespace sluice::lb
