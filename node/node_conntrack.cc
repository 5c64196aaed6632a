// Node: expiring the connection table. The datapath only stamps entries
// (last use, TCP FIN/RST, reply seen); lbd sweeps the table and deletes
// entries idle longer than their state allows, so the table does not fill
// with dead connections (LRU eviction, which could hit live ones, is only
// the last resort). A service entry lives as long as its connection entry.
#include <bpf/bpf.h>
#include <netinet/in.h>

#include <cstring>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/bpf_errors.h"
#include "base/status_macros.h"
#include "node/node.h"

namespace sluice::node {
namespace {

constexpr uint32_t kBatch = 4096;

struct CtEntry {
  sluice_ct_key key;
  sluice_ct_entry value;
};

struct KeyLess {
  bool operator()(const sluice_ct_key& a, const sluice_ct_key& b) const {
    return std::memcmp(&a, &b, sizeof(a)) < 0;
  }
};

absl::StatusOr<std::vector<CtEntry>> ReadAll(int fd) {
  std::vector<CtEntry> all;
  std::vector<sluice_ct_key> keys(kBatch);
  std::vector<sluice_ct_entry> values(kBatch);
  uint64_t in_batch = 0, out_batch = 0;
  bool first = true;
  for (;;) {
    uint32_t count = kBatch;
    int err = bpf_map_lookup_batch(fd, first ? nullptr : &in_batch, &out_batch, keys.data(),
                                   values.data(), &count, nullptr);
    if (err && errno != ENOENT) return BpfStatus(err, "reading the connection table");
    for (uint32_t i = 0; i < count; ++i) all.push_back({keys[i], values[i]});
    if (err) break;   // ENOENT: that was the last batch
    in_batch = out_batch;
    first = false;
  }
  return all;
}

}  // namespace

absl::StatusOr<SweepResult> Node::SweepConnections(uint64_t now_ns) {
  int fd = datapath_->conntrack_fd();
  ASSIGN_OR_RETURN(std::vector<CtEntry> all, ReadAll(fd));
  SweepResult result;
  result.scanned = all.size();

  auto timeout = [this](uint8_t proto, uint8_t flags) {
    if (proto == IPPROTO_TCP) {
      if (flags & (SLUICE_CT_TCP_FIN | SLUICE_CT_TCP_RST)) return timeouts_.tcp_closing_ns;
      return (flags & SLUICE_CT_SEEN_REPLY) ? timeouts_.tcp_established_ns : timeouts_.tcp_syn_ns;
    }
    return proto == IPPROTO_UDP ? timeouts_.udp_ns : timeouts_.other_ns;
  };
  auto idle = [now_ns](const sluice_ct_entry& e) {
    return now_ns > e.last_seen_ns ? now_ns - e.last_seen_ns : 0;
  };
  auto erase = [&](const sluice_ct_key& key) {
    if (bpf_map_delete_elem(fd, &key) == 0) result.expired++;
  };

  std::map<sluice_ct_key, const sluice_ct_entry*, KeyLess> live_conns;
  for (const CtEntry& e : all) {
    if (e.key.kind != SLUICE_CT_CONN) continue;
    if (idle(e.value) > timeout(e.key.proto, e.value.flags)) {
      erase(e.key);
    } else {
      live_conns[e.key] = &e.value;
    }
  }
  for (const CtEntry& e : all) {
    if (e.key.kind != SLUICE_CT_SERVICE) continue;
    // Its connection entry: the same flow with the backend as destination.
    sluice_svc_backend b{};
    sluice_ct_key conn = e.key;
    conn.kind = SLUICE_CT_CONN;
    auto found = live_conns.end();
    if (bpf_map_lookup_elem(datapath_->svc_backends_fd(), &e.value.backend_id, &b) == 0) {
      std::memcpy(conn.dst, b.addr, sizeof(conn.dst));
      conn.dport = b.port;
      found = live_conns.find(conn);
    }
    // The connection is gone (expired, or its backend was removed): so is
    // the reason to remember its backend. Else it lives by its state.
    uint8_t flags = found == live_conns.end() ? 0 : found->second->flags;
    if (found == live_conns.end() || idle(e.value) > timeout(e.key.proto, flags)) erase(e.key);
  }
  return result;
}

}  // namespace sluice::node
