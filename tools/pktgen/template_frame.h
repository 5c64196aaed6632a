// The frame pktgen sends, built once, and the description of it that
// pktgen.bpf.c rewrites each copy from.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "base/packet/addresses.h"
#include "tools/pktgen/pktgen_config.h"

namespace sluice::pktgen {

using testing::IpAddress;
using testing::MacAddr;

enum class Protocol { kUdp, kTcp };  // TCP: SYN segments
enum class Vary { kSrcPort, kSrcAddr };

struct FrameSpec {
  MacAddr src_mac;
  MacAddr dst_mac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  IpAddress src, dst;
  Protocol protocol = Protocol::kUdp;
  uint16_t src_port = 10000;
  uint16_t dst_port = 9000;
  // Bytes handed to the device: Ethernet header to the end of the payload,
  // no FCS. At least 64, and at least the headers.
  uint32_t size = 64;
  // Distinct values of the varied field: `vary` + 0 .. flows - 1.
  uint32_t flows = 1;
  Vary vary = Vary::kSrcPort;
};

struct TemplateFrame {
  std::vector<uint8_t> bytes;
  pktgen_config config{};  // for pktgen.bpf.c's read-only data
};

// INVALID_ARGUMENT, naming the flag, when the spec cannot be built: mixed
// address families, a size below the minimum, flows that would run past
// port 65535 or past the end of the address's last 32 bits.
absl::StatusOr<TemplateFrame> BuildTemplateFrame(const FrameSpec& spec);

}  // namespace sluice::pktgen
