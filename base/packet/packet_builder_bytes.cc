#include "base/packet/packet_builder_bytes.h"

namespace sluice::testing::packet_builder_internal {

void Put8(std::vector<uint8_t>& out, uint8_t v) { out.push_back(v); }
void Put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
void Put32(std::vector<uint8_t>& out, uint32_t v) {
  Put16(out, static_cast<uint16_t>(v >> 16));
  Put16(out, static_cast<uint16_t>(v));
}
void PutBytes(std::vector<uint8_t>& out, absl::Span<const uint8_t> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}
void PutAddress(std::vector<uint8_t>& out, const IpAddress& ip) {
  PutBytes(out, absl::MakeConstSpan(ip.bytes.data(), ip.size()));
}
void Set16(std::vector<uint8_t>& out, size_t offset, uint16_t v) {
  out[offset] = static_cast<uint8_t>(v >> 8);
  out[offset + 1] = static_cast<uint8_t>(v);
}

std::vector<uint8_t> Padded(absl::Span<const uint8_t> bytes, size_t unit) {
  std::vector<uint8_t> out(bytes.begin(), bytes.end());
  out.resize((out.size() + unit - 1) / unit * unit, 0);
  return out;
}

std::vector<uint8_t> PaddedIpv6Options(absl::Span<const uint8_t> options) {
  std::vector<uint8_t> out(options.begin(), options.end());
  size_t pad = (8 - (2 + out.size()) % 8) % 8;
  if (pad == 1) {
    out.push_back(0);  // Pad1
  } else if (pad > 1) {
    out.push_back(1);  // PadN
    out.push_back(static_cast<uint8_t>(pad - 2));
    out.resize(out.size() + pad - 2, 0);
  }
  return out;
}

}  // namespace sluice::testing::packet_builder_internal
