#include "datapath/maps/vip_key.h"

#include "absl/strings/str_cat.h"

namespace sluice {

std::string VipKey::ToString() const {
  std::string host = address.is_v4() ? address.ToString()
                                     : absl::StrCat("[", address.ToString(), "]");
  return absl::StrCat(host, ":", port, "/", proto == IPPROTO_UDP ? "udp" : "tcp");
}

sluice_vip_key VipKey::ToBpf() const {
  sluice_vip_key k{};
  address.ToWords(k.addr);
  k.port = htons(port);
  k.proto = proto;
  k.family = BpfFamily(address);
  return k;
}

VipKey VipKey::FromBpf(const sluice_vip_key& k) {
  VipKey key;
  key.address = IpAddress::FromWords(k.family == SLUICE_FAMILY_V4 ? AF_INET : AF_INET6, k.addr);
  key.port = ntohs(k.port);
  key.proto = k.proto;
  return key;
}

}  // namespace sluice
