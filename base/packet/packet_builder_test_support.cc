#include "base/packet/packet_builder_test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "gtest/gtest.h"

namespace sluice::testing {

uint16_t OnesComplementSum(const Bytes& bytes) {
  uint64_t acc = 0;
  for (size_t i = 0; i < bytes.size(); i += 2) {
    uint16_t word = 0;
    std::memcpy(&word, &bytes[i], i + 1 < bytes.size() ? 2 : 1);
    acc += word;
  }
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return ntohs(static_cast<uint16_t>(acc));
}

Bytes Slice(const Bytes& b, size_t offset, size_t length) {
  return Bytes(b.begin() + offset, b.begin() + offset + length);
}

Bytes Concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Bytes AddressBytes(const std::string& text) {
  Bytes out(16);
  if (inet_pton(AF_INET, text.c_str(), out.data()) == 1) {
    out.resize(4);
  } else {
    EXPECT_EQ(inet_pton(AF_INET6, text.c_str(), out.data()), 1) << text;
  }
  return out;
}

Bytes PseudoHeader(const std::string& src, const std::string& dst,
                   uint8_t protocol, size_t length) {
  Bytes s = AddressBytes(src), d = AddressBytes(dst);
  Bytes ph = Concat(s, d);
  if (s.size() == 4) {  // RFC 793: zero, protocol, TCP length (16 bits)
    Bytes tail = {0, protocol, static_cast<uint8_t>(length >> 8),
                  static_cast<uint8_t>(length)};
    return Concat(ph, tail);
  }
  // RFC 8200 8.1: upper-layer length (32 bits), 3 zero bytes, next header.
  Bytes tail = {static_cast<uint8_t>(length >> 24),
                static_cast<uint8_t>(length >> 16),
                static_cast<uint8_t>(length >> 8),
                static_cast<uint8_t>(length),
                0,
                0,
                0,
                protocol};
  return Concat(ph, tail);
}

bool Ipv4HeaderSumsToOnes(const Bytes& pkt, size_t ip_offset) {
  size_t ihl = (pkt[ip_offset] & 0xf) * 4u;
  return OnesComplementSum(Slice(pkt, ip_offset, ihl)) == 0xffff;
}

bool L4SumsToOnes(const Bytes& pkt, const std::string& src,
                  const std::string& dst, uint8_t protocol, size_t offset) {
  Bytes segment = Slice(pkt, offset, pkt.size() - offset);
  return OnesComplementSum(Concat(
             PseudoHeader(src, dst, protocol, segment.size()), segment)) ==
         0xffff;
}

bool IcmpSumsToOnes(const Bytes& pkt, size_t offset) {
  return OnesComplementSum(Slice(pkt, offset, pkt.size() - offset)) == 0xffff;
}

}  // namespace sluice::testing
