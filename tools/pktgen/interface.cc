#include "tools/pktgen/interface.h"

#include <ifaddrs.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "base/netlink/next_hop.h"
#include "base/status_macros.h"

namespace sluice::pktgen {
namespace {

using IfAddrs = std::unique_ptr<ifaddrs, decltype(&freeifaddrs)>;

absl::StatusOr<IfAddrs> GetIfAddrs() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return absl::ErrnoToStatus(errno, "getifaddrs");
  return IfAddrs(list, &freeifaddrs);
}

bool IsLinkLocal(const in6_addr& a) {
  return a.s6_addr[0] == 0xfe && (a.s6_addr[1] & 0xc0) == 0x80;
}

}  // namespace

absl::StatusOr<InterfaceInfo> LookUpInterface(const std::string& name) {
  InterfaceInfo info;
  info.ifindex = static_cast<int>(if_nametoindex(name.c_str()));
  if (info.ifindex == 0) {
    return absl::NotFoundError(absl::StrCat("--iface ", name, ": no such interface"));
  }
  ASSIGN_OR_RETURN(MacAddress mac, InterfaceMac(info.ifindex));
  std::memcpy(info.mac.bytes.data(), mac.data(), mac.size());
  ASSIGN_OR_RETURN(info.mtu, InterfaceMtu(info.ifindex));
  return info;
}

absl::StatusOr<testing::IpAddress> InterfaceAddress(const std::string& name, int family) {
  ASSIGN_OR_RETURN(IfAddrs list, GetIfAddrs());
  std::optional<testing::IpAddress> link_local;
  for (ifaddrs* a = list.get(); a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != family || name != a->ifa_name) {
      continue;
    }
    if (family == AF_INET) {
      return testing::IpAddress(reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr);
    }
    const in6_addr& a6 = reinterpret_cast<sockaddr_in6*>(a->ifa_addr)->sin6_addr;
    if (!IsLinkLocal(a6)) return testing::IpAddress(a6);
    if (!link_local) link_local = testing::IpAddress(a6);
  }
  if (link_local) return *link_local;
  return absl::NotFoundError(absl::StrCat("--iface ", name, " has no IPv",
                                          family == AF_INET ? 4 : 6, " address: give --src"));
}

absl::StatusOr<uint32_t> InterfaceTxPackets(const std::string& name) {
  ASSIGN_OR_RETURN(IfAddrs list, GetIfAddrs());
  for (ifaddrs* a = list.get(); a != nullptr; a = a->ifa_next) {
    // The AF_PACKET entry of each link carries its counters.
    if (a->ifa_addr != nullptr && a->ifa_addr->sa_family == AF_PACKET &&
        name == a->ifa_name && a->ifa_data != nullptr) {
      return static_cast<const rtnl_link_stats*>(a->ifa_data)->tx_packets;
    }
  }
  return absl::NotFoundError(absl::StrCat("no counters for ", name));
}

}  // namespace sluice::pktgen
