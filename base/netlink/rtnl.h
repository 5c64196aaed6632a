// A NETLINK_ROUTE socket over libmnl and small helpers for reading rtnetlink
// messages. Internal to base/netlink; the public API is next_hop.h and
// netlink_watcher.h.
#pragma once

#include <linux/neighbour.h>
#include <sys/types.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/ip_address.h"

struct mnl_socket;
struct nlattr;
struct nlmsghdr;

namespace sluice::rtnl {

// Big enough for any single rtnetlink message, including RTM_NEWLINK of a NIC
// with many virtual functions (8 KiB, libmnl's default, is not).
inline constexpr size_t kReceiveBufferSize = 64 * 1024;

// Room for one request; the requests made here are under 100 bytes.
inline constexpr size_t kRequestSize = 512;

// The kernel's NUD_VALID (include/net/neighbour.h; not in the uapi headers):
// the states in which a neighbour's link-layer address may be used.
inline constexpr uint16_t kNudValid =
    NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY;

class Socket {
 public:
  // `nonblocking` for event loops driven by poll().
  static absl::StatusOr<Socket> Open(bool nonblocking = false);

  // Subscribes to the multicast group `group` (RTNLGRP_*).
  absl::Status Join(unsigned group);

  // Sends `nlh` as a request (NLM_F_REQUEST | NLM_F_ACK are added, a sequence
  // number is set) and passes every reply to `on_reply` until the kernel's
  // acknowledgement. A kernel error becomes "<what>: <strerror>".
  absl::Status Transact(nlmsghdr* nlh, absl::string_view what,
                        const std::function<void(const nlmsghdr*)>& on_reply);

  // One datagram, as recv(2): bytes read, or -1 with errno (EAGAIN: nothing
  // queued; ENOBUFS: the kernel dropped events; ENOSPC: truncated).
  ssize_t Receive(char* buf, size_t len);

  int fd() const;

 private:
  struct Closer {
    void operator()(mnl_socket* nl) const;
  };
  explicit Socket(mnl_socket* nl);

  std::unique_ptr<mnl_socket, Closer> nl_;
  unsigned portid_ = 0;
  unsigned seq_ = 0;
};

// Calls `fn` for each attribute of `nlh` after its family header of
// `header_len` bytes.
void ForEachAttr(const nlmsghdr* nlh, size_t header_len,
                 const std::function<void(const nlattr*)>& fn);

// `len` bytes at `data` as an address of `family`, if the length fits.
std::optional<IpAddress> MakeAddress(int family, const void* data, size_t len);

// The attribute's payload as an Ethernet address, if it is 6 bytes long.
std::optional<std::array<uint8_t, 6>> AttrMac(const nlattr* attr);

}  // namespace sluice::rtnl
