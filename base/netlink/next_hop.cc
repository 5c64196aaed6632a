#include "base/netlink/next_hop.h"

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>

#include <cstdio>
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "base/netlink/rtnl.h"
#include "base/status_macros.h"

namespace sluice {
namespace {

struct Route {
  uint8_t type = RTN_UNSPEC;
  int ifindex = 0;
  std::optional<IpAddress> gateway;
};

struct Neighbour {
  uint16_t state = NUD_NONE;
  std::optional<MacAddress> mac;
};

struct Link {
  int ifindex = 0;
  uint16_t type = 0;  // ARPHRD_*
  std::optional<MacAddress> mac;
  uint32_t mtu = 0;
  bool veth = false;
  bool peer_in_other_namespace = false;   // IFLA_LINK_NETNSID is only there then
};

// mnl_attr_parse_nested callback over IFLA_LINKINFO: sets *data (a bool) if
// the link's kind is veth.
int KindIsVeth(const nlattr* attr, void* data) {
  if (mnl_attr_get_type(attr) == IFLA_INFO_KIND &&
      std::strcmp(mnl_attr_get_str(attr), "veth") == 0) {
    *static_cast<bool*>(data) = true;
  }
  return MNL_CB_OK;
}

std::string DeviceName(int ifindex) {
  char name[IF_NAMESIZE];
  if (if_indextoname(ifindex, name) != nullptr) return name;
  return absl::StrCat("ifindex ", ifindex);
}

// The kernel's own route lookup, as `ip route get` does it.
absl::StatusOr<Route> LookupRoute(rtnl::Socket& sock, const IpAddress& dst) {
  std::string what = absl::StrCat("route to ", dst.ToString());
  alignas(nlmsghdr) char buf[rtnl::kRequestSize];
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = RTM_GETROUTE;
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = dst.family;
  rtm->rtm_dst_len = dst.bits();
  mnl_attr_put(nlh, RTA_DST, dst.bits() / 8, dst.bytes.data());

  std::optional<Route> route;
  RETURN_IF_ERROR(sock.Transact(nlh, what, [&](const nlmsghdr* reply) {
    if (reply->nlmsg_type != RTM_NEWROUTE) return;
    const auto* r = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(reply));
    route.emplace();
    route->type = r->rtm_type;
    rtnl::ForEachAttr(reply, sizeof(rtmsg), [&](const nlattr* attr) {
      const void* data = mnl_attr_get_payload(attr);
      size_t len = mnl_attr_get_payload_len(attr);
      switch (mnl_attr_get_type(attr)) {
        case RTA_OIF:
          if (len == sizeof(uint32_t)) route->ifindex = mnl_attr_get_u32(attr);
          break;
        case RTA_GATEWAY:
          route->gateway = rtnl::MakeAddress(r->rtm_family, data, len);
          break;
        case RTA_VIA:  // a gateway of the other family (IPv4 via IPv6, RFC 5549)
          if (len > sizeof(rtvia)) {
            const auto* via = static_cast<const rtvia*>(data);
            route->gateway = rtnl::MakeAddress(via->rtvia_family, via->rtvia_addr,
                                               len - sizeof(rtvia));
          }
          break;
      }
    });
  }));
  if (!route) return absl::InternalError(absl::StrCat(what, ": no route in the reply"));
  if (route->type == RTN_LOCAL) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, ": it is an address of this host"));
  }
  if (route->type != RTN_UNICAST) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, ": not a unicast route (type ", route->type, ")"));
  }
  if (route->ifindex == 0) {
    return absl::InternalError(absl::StrCat(what, ": no output interface"));
  }
  return *route;
}

// std::nullopt when the kernel has no entry.
absl::StatusOr<std::optional<Neighbour>> LookupNeighbour(
    rtnl::Socket& sock, const IpAddress& via, int ifindex) {
  alignas(nlmsghdr) char buf[rtnl::kRequestSize];
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = RTM_GETNEIGH;
  auto* ndm = static_cast<ndmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ndmsg)));
  ndm->ndm_family = via.family;
  ndm->ndm_ifindex = ifindex;
  mnl_attr_put(nlh, NDA_DST, via.bits() / 8, via.bytes.data());

  std::optional<Neighbour> neighbour;
  absl::Status status = sock.Transact(
      nlh, absl::StrCat("neighbour ", via.ToString(), " dev ", DeviceName(ifindex)),
      [&](const nlmsghdr* reply) {
        if (reply->nlmsg_type != RTM_NEWNEIGH) return;
        const auto* n = static_cast<const ndmsg*>(mnl_nlmsg_get_payload(reply));
        neighbour.emplace();
        neighbour->state = n->ndm_state;
        rtnl::ForEachAttr(reply, sizeof(ndmsg), [&](const nlattr* attr) {
          if (mnl_attr_get_type(attr) == NDA_LLADDR) neighbour->mac = rtnl::AttrMac(attr);
        });
      });
  if (absl::IsNotFound(status)) return std::nullopt;  // ENOENT
  RETURN_IF_ERROR(status);
  return neighbour;
}

// NTF_USE is the kernel's "a packet waits for this neighbour" path: it creates
// the entry if needed and sends ARP / neighbour solicitation on `ifindex`,
// without a packet to the backend and whatever the source address would be.
// Only called for entries that are not valid, so never on a permanent one
// (NTF_USE would clear its PERMANENT state).
absl::Status TriggerResolution(rtnl::Socket& sock, const IpAddress& via, int ifindex) {
  alignas(nlmsghdr) char buf[rtnl::kRequestSize];
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = RTM_NEWNEIGH;
  nlh->nlmsg_flags = NLM_F_CREATE;
  auto* ndm = static_cast<ndmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ndmsg)));
  ndm->ndm_family = via.family;
  ndm->ndm_ifindex = ifindex;
  ndm->ndm_state = NUD_NONE;
  ndm->ndm_flags = NTF_USE;
  mnl_attr_put(nlh, NDA_DST, via.bits() / 8, via.bytes.data());
  return sock.Transact(nlh,
                       absl::StrCat("resolve neighbour ", via.ToString(), " dev ",
                                    DeviceName(ifindex)),
                       [](const nlmsghdr*) {});
}

// By index, or by name when `name` is not empty.
absl::StatusOr<Link> GetLink(int ifindex, const std::string& name) {
  std::string what =
      absl::StrCat("interface ", name.empty() ? absl::StrCat(ifindex) : name);
  if (name.size() >= IFNAMSIZ) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": name too long"));
  }
  ASSIGN_OR_RETURN(rtnl::Socket sock, rtnl::Socket::Open());
  alignas(nlmsghdr) char buf[rtnl::kRequestSize];
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = RTM_GETLINK;
  auto* request = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  request->ifi_family = AF_UNSPEC;
  request->ifi_index = name.empty() ? ifindex : 0;
  if (!name.empty()) mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);

  std::optional<Link> link;
  RETURN_IF_ERROR(sock.Transact(nlh, what, [&](const nlmsghdr* reply) {
    if (reply->nlmsg_type != RTM_NEWLINK) return;
    const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(reply));
    link.emplace();
    link->ifindex = ifi->ifi_index;
    link->type = ifi->ifi_type;
    rtnl::ForEachAttr(reply, sizeof(ifinfomsg), [&](const nlattr* attr) {
      switch (mnl_attr_get_type(attr)) {
        case IFLA_ADDRESS:
          link->mac = rtnl::AttrMac(attr);
          break;
        case IFLA_MTU:
          if (mnl_attr_get_payload_len(attr) == sizeof(uint32_t)) {
            link->mtu = mnl_attr_get_u32(attr);
          }
          break;
        case IFLA_LINK_NETNSID:
          link->peer_in_other_namespace = true;
          break;
        case IFLA_LINKINFO:
          mnl_attr_parse_nested(attr, KindIsVeth, &link->veth);
          break;
      }
    });
  }));
  if (!link) return absl::InternalError(absl::StrCat(what, ": no link in the reply"));
  return *link;
}

}  // namespace

absl::StatusOr<NextHop> ResolveNextHop(const IpAddress& dst) {
  ASSIGN_OR_RETURN(rtnl::Socket sock, rtnl::Socket::Open());
  ASSIGN_OR_RETURN(Route route, LookupRoute(sock, dst));
  NextHop hop;
  hop.ifindex = route.ifindex;
  hop.via = route.gateway.value_or(dst);
  ASSIGN_OR_RETURN(std::optional<Neighbour> neighbour,
                   LookupNeighbour(sock, hop.via, hop.ifindex));
  if (!neighbour || !(neighbour->state & rtnl::kNudValid)) {
    RETURN_IF_ERROR(TriggerResolution(sock, hop.via, hop.ifindex));
    return hop;
  }
  // Valid without an Ethernet address: a NOARP device, no use for XDP_TX.
  if (neighbour->mac) {
    hop.mac = *neighbour->mac;
    hop.resolved = true;
  }
  return hop;
}

absl::StatusOr<int> InterfaceIndex(const std::string& name) {
  if (name.empty()) return absl::InvalidArgumentError("interface name is empty");
  ASSIGN_OR_RETURN(Link link, GetLink(0, name));
  return link.ifindex;
}

absl::StatusOr<MacAddress> InterfaceMac(int ifindex) {
  ASSIGN_OR_RETURN(Link link, GetLink(ifindex, ""));
  // The loopback device, for one, has a 6-byte address that is no Ethernet's.
  if (link.type != ARPHRD_ETHER || !link.mac) {
    return absl::FailedPreconditionError(
        absl::StrCat("interface ", DeviceName(ifindex), ": no Ethernet address"));
  }
  return *link.mac;
}

absl::StatusOr<uint32_t> InterfaceMtu(int ifindex) {
  ASSIGN_OR_RETURN(Link link, GetLink(ifindex, ""));
  return link.mtu;
}

absl::StatusOr<bool> IsVethWithPeerInOtherNamespace(int ifindex) {
  ASSIGN_OR_RETURN(Link link, GetLink(ifindex, ""));
  return link.veth && link.peer_in_other_namespace;
}

std::string MacToString(const MacAddress& mac) {
  char text[18];
  std::snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
                mac[2], mac[3], mac[4], mac[5]);
  return text;
}

}  // namespace sluice
