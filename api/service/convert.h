// Validation and translation between the public API's messages and the
// control plane's types. Errors are INVALID_ARGUMENT naming the field.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "lb/lb_config.h"
#include "sluice/v1/common.pb.h"

namespace sluice::api {

// `field` names the message in errors, e.g. "vip" -> "vip.address: ...".
absl::StatusOr<VipKey> ToVipKey(const v1::Vip& vip, const std::string& field);
v1::Vip ToProto(const VipKey& key);
absl::StatusOr<IpAddress> ToAddress(const std::string& text, const std::string& field);

// What a new VIP, real or prefix must be beyond syntax (base/address_rules.h).
// Only what creates state is checked so: a VIP or prefix an older lbd
// accepted can still be named to delete it.
absl::Status CheckNewVip(const VipKey& key, const std::string& field);
absl::StatusOr<IpAddress> ToNewReal(const std::string& text, const IpAddress& vip,
                                        const std::string& field);
absl::StatusOr<IpPrefix> ToNewPrefix(const std::string& text, const std::string& field);

// "field: why" as INVALID_ARGUMENT; OK stays OK.
absl::Status InField(const std::string& field, const absl::Status& status);

}  // namespace sluice::api
