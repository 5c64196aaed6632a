#include "base/packet/checksum.h"

namespace sluice::testing {

uint32_t ChecksumAdd(absl::Span<const uint8_t> data, uint32_t sum) {
  size_t i = 0;
  for (; i + 1 < data.size(); i += 2) {
    sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
    // Fold early so the 32-bit accumulator cannot overflow on long inputs.
    sum = (sum & 0xffff) + (sum >> 16);
  }
  if (i < data.size()) sum += static_cast<uint32_t>(data[i] << 8);
  return sum;
}

uint16_t ChecksumFinish(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

uint16_t InternetChecksum(absl::Span<const uint8_t> data) {
  return ChecksumFinish(ChecksumAdd(data));
}

uint16_t L4Checksum(const IpAddress& src, const IpAddress& dst,
                    uint8_t protocol, absl::Span<const uint8_t> segment) {
  // Both pseudo-headers sum to: addresses + protocol + length (RFC 793 /
  // RFC 8200 8.1); only the address and length widths differ, and those do
  // not change the one's-complement sum.
  uint32_t sum = ChecksumAdd(absl::MakeConstSpan(src.bytes.data(), src.size()));
  sum = ChecksumAdd(absl::MakeConstSpan(dst.bytes.data(), dst.size()), sum);
  const uint32_t length = static_cast<uint32_t>(segment.size());
  sum += protocol + (length >> 16) + (length & 0xffff);
  return ChecksumFinish(ChecksumAdd(segment, sum));
}

}  // namespace sluice::testing
