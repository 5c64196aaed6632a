#include "base/netlink/rtnl.h"

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace sluice::rtnl {

void Socket::Closer::operator()(mnl_socket* nl) const { mnl_socket_close(nl); }

Socket::Socket(mnl_socket* nl) : nl_(nl), portid_(mnl_socket_get_portid(nl)) {}

absl::StatusOr<Socket> Socket::Open(bool nonblocking) {
  mnl_socket* nl = mnl_socket_open2(
      NETLINK_ROUTE, SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0));
  if (nl == nullptr) return absl::ErrnoToStatus(errno, "open rtnetlink socket");
  if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
    int err = errno;
    mnl_socket_close(nl);
    return absl::ErrnoToStatus(err, "bind rtnetlink socket");
  }
  return Socket(nl);
}

absl::Status Socket::Join(unsigned group) {
  if (mnl_socket_setsockopt(nl_.get(), NETLINK_ADD_MEMBERSHIP, &group,
                            sizeof(group)) < 0) {
    return absl::ErrnoToStatus(errno,
                               absl::StrCat("join rtnetlink group ", group));
  }
  return absl::OkStatus();
}

absl::Status Socket::Transact(
    nlmsghdr* nlh, absl::string_view what,
    const std::function<void(const nlmsghdr*)>& on_reply) {
  nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
  nlh->nlmsg_seq = ++seq_;
  if (mnl_socket_sendto(nl_.get(), nlh, nlh->nlmsg_len) < 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat(what, ": netlink send"));
  }
  auto trampoline = [](const nlmsghdr* reply, void* data) {
    (*static_cast<const std::function<void(const nlmsghdr*)>*>(data))(reply);
    return MNL_CB_OK;
  };
  std::vector<char> buf(kReceiveBufferSize);
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(nl_.get(), buf.data(), buf.size());
    if (n < 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat(what, ": netlink receive"));
    }
    // Stops at the acknowledgement; a kernel error sets errno.
    int rc = mnl_cb_run(buf.data(), n, nlh->nlmsg_seq, portid_, trampoline,
                        const_cast<void*>(static_cast<const void*>(&on_reply)));
    if (rc == MNL_CB_ERROR) return absl::ErrnoToStatus(errno, what);
    if (rc == MNL_CB_STOP) return absl::OkStatus();
  }
}

ssize_t Socket::Receive(char* buf, size_t len) {
  return mnl_socket_recvfrom(nl_.get(), buf, len);
}

int Socket::fd() const { return mnl_socket_get_fd(nl_.get()); }

void ForEachAttr(const nlmsghdr* nlh, size_t header_len,
                 const std::function<void(const nlattr*)>& fn) {
  auto trampoline = [](const nlattr* attr, void* data) {
    (*static_cast<const std::function<void(const nlattr*)>*>(data))(attr);
    return MNL_CB_OK;
  };
  mnl_attr_parse(nlh, header_len, trampoline,
                 const_cast<void*>(static_cast<const void*>(&fn)));
}

std::optional<IpAddress> MakeAddress(int family, const void* data, size_t len) {
  if (!(family == AF_INET && len == 4) && !(family == AF_INET6 && len == 16)) {
    return std::nullopt;
  }
  IpAddress address;
  address.family = family;
  std::memcpy(address.bytes.data(), data, len);
  return address;
}

std::optional<std::array<uint8_t, 6>> AttrMac(const nlattr* attr) {
  std::array<uint8_t, 6> mac;
  if (mnl_attr_get_payload_len(attr) != mac.size()) return std::nullopt;
  std::memcpy(mac.data(), mnl_attr_get_payload(attr), mac.size());
  return mac;
}

}  // namespace sluice::rtnl
