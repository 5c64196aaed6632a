// Validation and translation between the public API's messages and the
// control plane's types. Errors are INVALID_ARGUMENT naming the field.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "lb/lb_config.h"
#include "sluice/v1/common.pb.h"

namespace sluice::api {

// `field` names the message in errors, e.g. "vip" -> "vip.address: ...".
absl::StatusOr<lb::VipKey> ToVipKey(const v1::Vip& vip, const std::string& field);
v1::Vip ToProto(const lb::VipKey& key);
absl::StatusOr<lb::IpAddress> ToAddress(const std::string& text, const std::string& field);

}  // namespace sluice::api
