#include "tools/pktgen/template_frame.h"

#include <netinet/in.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/packet/packet_builder.h"

namespace sluice::pktgen {
namespace {

constexpr uint32_t kMinFrameSize = 64;
constexpr uint32_t kEthernetHeader = 14;
constexpr uint32_t kUdpChecksumOffset = 6;
constexpr uint32_t kTcpChecksumOffset = 16;

uint32_t HeadersSize(const FrameSpec& spec) {
  return kEthernetHeader + (spec.src.is_v4() ? 20 : 40) +
         (spec.protocol == Protocol::kUdp ? 8 : 20);
}

// The last 32 bits of the address, host order.
uint32_t LowWord(const IpAddress& ip) {
  const uint8_t* b = ip.bytes.data() + ip.size() - 4;
  return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
}

// A 16-bit field exactly as it lies in the frame.
uint16_t RawField16(const std::vector<uint8_t>& frame, size_t offset) {
  uint16_t v;
  std::memcpy(&v, frame.data() + offset, sizeof(v));
  return v;
}

absl::Status CheckSpec(const FrameSpec& spec) {
  if (spec.src.family != spec.dst.family) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--src ", spec.src.ToString(), " and --dst ", spec.dst.ToString(),
        " must both be IPv4 or both IPv6"));
  }
  const uint32_t min_size = std::max(kMinFrameSize, HeadersSize(spec));
  if (spec.size < min_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--size ", spec.size, ": these headers need at least ", min_size, " bytes"));
  }
  const uint64_t last = spec.flows - 1;
  if (spec.vary == Vary::kSrcPort && spec.src_port + last > 0xffff) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--flows ", spec.flows, " from --sport ", spec.src_port, " runs past port 65535"));
  }
  if (spec.vary == Vary::kSrcAddr && LowWord(spec.src) + last > 0xffffffffu) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--flows ", spec.flows, " from --src ", spec.src.ToString(),
        " runs past the end of the address's last 32 bits"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TemplateFrame> BuildTemplateFrame(const FrameSpec& spec) {
  if (absl::Status s = CheckSpec(spec); !s.ok()) return s;

  testing::PacketBuilder b;
  b.Eth(spec.src_mac, spec.dst_mac);
  if (spec.src.is_v4()) {
    b.Ipv4(spec.src, spec.dst);
  } else {
    b.Ipv6(spec.src, spec.dst);
  }
  if (spec.protocol == Protocol::kUdp) {
    b.Udp(spec.src_port, spec.dst_port);
  } else {
    b.Tcp(spec.src_port, spec.dst_port, testing::TcpFlags::kSyn);
  }
  b.PayloadOfSize(spec.size - HeadersSize(spec));

  TemplateFrame frame;
  frame.bytes = b.Build();
  pktgen_config& c = frame.config;
  c.flows = spec.flows;
  c.vary = spec.vary == Vary::kSrcPort ? PKTGEN_VARY_SRC_PORT : PKTGEN_VARY_SRC_ADDR;
  c.ipv6 = !spec.src.is_v4();
  c.udp = spec.protocol == Protocol::kUdp;
  c.l4_csum_off = c.udp ? kUdpChecksumOffset : kTcpChecksumOffset;
  c.src_port = spec.src_port;
  c.src_addr_low = LowWord(spec.src);
  const size_t l4_offset = kEthernetHeader + (c.ipv6 ? 40 : 20);
  c.ip_csum = c.ipv6 ? 0 : RawField16(frame.bytes, kEthernetHeader + 10);
  c.l4_csum = RawField16(frame.bytes, l4_offset + c.l4_csum_off);
  c.header_len = static_cast<uint32_t>(HeadersSize(spec));
  std::copy_n(frame.bytes.begin(),
              std::min<size_t>(frame.bytes.size(), PKTGEN_MAX_HEADER_BYTES), c.headers);
  return frame;
}

}  // namespace sluice::pktgen
