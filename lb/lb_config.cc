#include "lb/lb_config.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace sluice::lb {

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

sluice_vip_meta VipEntry::ToBpfMeta() const {
  sluice_vip_meta m{};
  m.vip_id = vip_id;
  m.flags = hash == HashMode::kSource ? SLUICE_VIP_HASH_SOURCE : 0;
  m.ring_offset = ring_offset;
  m.ring_size = ring_size;
  return m;
}

}  // namespace sluice::lb
