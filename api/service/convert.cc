#include "api/service/convert.h"

#include "absl/strings/str_cat.h"
#include "base/address_rules.h"
#include "base/status_macros.h"

namespace sluice::api {

absl::Status InField(const std::string& field, const absl::Status& status) {
  if (status.ok()) return status;
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", status.message()));
}

absl::StatusOr<IpAddress> ToAddress(const std::string& text, const std::string& field) {
  if (text.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  auto a = ParseIpAddress(text);
  if (!a.ok()) return InField(field, a.status());
  return *a;
}

absl::StatusOr<VipKey> ToVipKey(const v1::Vip& vip, const std::string& field) {
  VipKey key;
  auto address = ToAddress(vip.address(), field + ".address");
  if (!address.ok()) return address.status();
  key.address = *address;
  if (vip.port() > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".port: ", vip.port(), " is not a port (0-65535)"));
  }
  key.port = static_cast<uint16_t>(vip.port());
  switch (vip.protocol()) {
    case v1::PROTOCOL_TCP: key.proto = IPPROTO_TCP; break;
    case v1::PROTOCOL_UDP: key.proto = IPPROTO_UDP; break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(field, ".protocol: must be TCP or UDP"));
  }
  return key;
}

v1::Vip ToProto(const VipKey& key) {
  v1::Vip v;
  v.set_address(key.address.ToString());
  v.set_port(key.port);
  v.set_protocol(key.proto == IPPROTO_UDP ? v1::PROTOCOL_UDP : v1::PROTOCOL_TCP);
  return v;
}

absl::Status CheckNewVip(const VipKey& key, const std::string& field) {
  return InField(field + ".address", CheckUnicast(key.address));
}

absl::StatusOr<IpAddress> ToNewReal(const std::string& text, const IpAddress& vip,
                                        const std::string& field) {
  ASSIGN_OR_RETURN(IpAddress real, ToAddress(text, field));
  RETURN_IF_ERROR(InField(field, CheckReal(real, vip)));
  return real;
}

absl::StatusOr<IpPrefix> ToNewPrefix(const std::string& text, const std::string& field) {
  auto prefix = ParseIpPrefix(text);
  if (!prefix.ok()) return InField(field, prefix.status());
  RETURN_IF_ERROR(InField(field, CheckNotV4Mapped(*prefix)));
  return *prefix;
}

}  // namespace sluice::api
