#include "lb/netlink/veth_peer.h"

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "lb/netlink/rtnl.h"
#include "lb/status_macros.h"

namespace sluice::lb {
namespace {

// mnl_attr_parse_nested callback over IFLA_LINKINFO: sets *data (a bool) if
// the link's kind is veth.
int KindIsVeth(const nlattr* attr, void* data) {
  if (mnl_attr_get_type(attr) == IFLA_INFO_KIND &&
      std::strcmp(mnl_attr_get_str(attr), "veth") == 0) {
    *static_cast<bool*>(data) = true;
  }
  return MNL_CB_OK;
}

}  // namespace

absl::StatusOr<bool> IsVethWithPeerInOtherNamespace(int ifindex) {
  ASSIGN_OR_RETURN(rtnl::Socket sock, rtnl::Socket::Open());
  alignas(nlmsghdr) char buf[rtnl::kRequestSize];
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = RTM_GETLINK;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = ifindex;

  bool veth = false, peer_elsewhere = false;
  RETURN_IF_ERROR(sock.Transact(nlh, absl::StrCat("link ", ifindex), [&](const nlmsghdr* reply) {
    if (reply->nlmsg_type != RTM_NEWLINK) return;
    rtnl::ForEachAttr(reply, sizeof(ifinfomsg), [&](const nlattr* attr) {
      switch (mnl_attr_get_type(attr)) {
        case IFLA_LINK_NETNSID:  // only there when the peer is in another namespace
          peer_elsewhere = true;
          break;
        case IFLA_LINKINFO:
          mnl_attr_parse_nested(attr, KindIsVeth, &veth);
          break;
      }
    });
  }));
  return veth && peer_elsewhere;
}

}  // namespace sluice::lb
