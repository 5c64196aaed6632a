#include "base/netlink/netlink_watcher.h"

#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "base/ip_address.h"
#include "base/netlink/next_hop.h"
#include "base/netlink/rtnl.h"
#include "base/status_macros.h"

namespace sluice {
namespace {

using Clock = std::chrono::steady_clock;

// The last usable MAC (nullopt: none) of each neighbour seen, by (ifindex,
// address). Neighbours cycle REACHABLE -> STALE -> DELAY -> REACHABLE all the
// time; only a change of the usable MAC is worth re-resolving every backend.
using NeighbourMacs = std::map<std::pair<int, IpAddress>, std::optional<MacAddress>>;

bool NeighbourChanged(const nlmsghdr* nlh, NeighbourMacs& macs) {
  const auto* ndm = static_cast<const ndmsg*>(mnl_nlmsg_get_payload(nlh));
  // Bridge FDB entries (AF_BRIDGE) come on the same group.
  if (ndm->ndm_family != AF_INET && ndm->ndm_family != AF_INET6) return false;
  std::optional<IpAddress> dst;
  std::optional<MacAddress> mac;
  rtnl::ForEachAttr(nlh, sizeof(ndmsg), [&](const nlattr* attr) {
    switch (mnl_attr_get_type(attr)) {
      case NDA_DST:
        dst = rtnl::MakeAddress(ndm->ndm_family, mnl_attr_get_payload(attr),
                                mnl_attr_get_payload_len(attr));
        break;
      case NDA_LLADDR:
        mac = rtnl::AttrMac(attr);
        break;
    }
  });
  if (!dst) return false;
  bool deleted = nlh->nlmsg_type == RTM_DELNEIGH;
  if (deleted || !(ndm->ndm_state & rtnl::kNudValid)) mac.reset();

  auto key = std::make_pair(ndm->ndm_ifindex, *dst);
  auto it = macs.find(key);
  bool changed = it == macs.end() || it->second != mac;
  if (deleted) {
    if (it != macs.end()) macs.erase(it);
  } else {
    macs[key] = mac;
  }
  return changed;
}

bool Relevant(const nlmsghdr* nlh, NeighbourMacs& macs) {
  switch (nlh->nlmsg_type) {
    case RTM_NEWNEIGH:
    case RTM_DELNEIGH:
      return NeighbourChanged(nlh, macs);
    case RTM_NEWROUTE:
    case RTM_DELROUTE:
    case RTM_NEWLINK:
    case RTM_DELLINK:
      return true;
    default:
      return false;
  }
}

// Reads every queued event; true when one of them is relevant.
bool Drain(rtnl::Socket& socket, NeighbourMacs& macs, std::vector<char>& buf) {
  bool changed = false;
  for (;;) {
    ssize_t n = socket.Receive(buf.data(), buf.size());
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return changed;
      if (errno == EINTR) continue;
      // ENOBUFS: the kernel dropped events; ENOSPC: one was truncated. Any
      // change may be among them, and the MAC cache is no longer complete.
      macs.clear();
      changed = true;
      if (errno == ENOBUFS || errno == ENOSPC) continue;
      return changed;
    }
    int len = static_cast<int>(n);
    for (auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data()); mnl_nlmsg_ok(nlh, len);
         nlh = mnl_nlmsg_next(nlh, &len)) {
      changed |= Relevant(nlh, macs);
    }
  }
}

}  // namespace

NetlinkWatcher::NetlinkWatcher(std::function<void()> on_change)
    : on_change_(std::move(on_change)) {}

NetlinkWatcher::~NetlinkWatcher() { Stop(); }

absl::Status NetlinkWatcher::Start() {
  if (thread_.joinable()) {
    return absl::FailedPreconditionError("netlink watcher: already started");
  }
  ASSIGN_OR_RETURN(rtnl::Socket socket, rtnl::Socket::Open(/*nonblocking=*/true));
  for (unsigned group : {RTNLGRP_LINK, RTNLGRP_NEIGH, RTNLGRP_IPV4_ROUTE,
                         RTNLGRP_IPV6_ROUTE}) {
    RETURN_IF_ERROR(socket.Join(group));
  }
  // A larger queue makes overruns rarer in event storms (a full routing table
  // arriving); they are handled either way, so a failure here is ignored.
  int rcvbuf = 4 << 20;
  setsockopt(socket.fd(), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
  int stop_fd = eventfd(0, EFD_CLOEXEC);
  if (stop_fd < 0) return absl::ErrnoToStatus(errno, "netlink watcher: eventfd");

  stop_fd_ = stop_fd;
  socket_ = std::make_unique<rtnl::Socket>(std::move(socket));
  thread_ = std::thread(&NetlinkWatcher::Run, this);
  return absl::OkStatus();
}

void NetlinkWatcher::Stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  ssize_t written = write(stop_fd_, &one, sizeof(one));  // cannot fail: counter is 0
  (void)written;
  thread_.join();
  close(stop_fd_);
  stop_fd_ = -1;
  socket_.reset();
}

void NetlinkWatcher::Run() {
  NeighbourMacs macs;
  std::vector<char> buf(rtnl::kReceiveBufferSize);
  bool pending = false;
  Clock::time_point due;  // when the pending change is reported
  for (;;) {
    int timeout_ms = -1;
    if (pending) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(due - Clock::now());
      timeout_ms = static_cast<int>(std::max<int64_t>(0, left.count()));
    }
    pollfd fds[] = {{socket_->fd(), POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (poll(fds, 2, timeout_ms) < 0) continue;  // EINTR
    if (fds[1].revents != 0) return;
    if (fds[0].revents != 0 && Drain(*socket_, macs, buf) && !pending) {
      pending = true;
      due = Clock::now() + std::chrono::milliseconds(kDebounceMs);
    }
    if (pending && Clock::now() >= due) {
      pending = false;
      on_change_();
    }
  }
}

}  // namespace sluice
