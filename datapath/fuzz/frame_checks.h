// What a frame that leaves a datapath program must look like, given the
// frame that went in. Each check returns "" when the output is right, else
// what is wrong. Shared rule: the output must be a well-formed packet with
// correct checksums (packet_parser.h) whenever the input was one; a mutated
// input with a wrong checksum may leave with a wrong checksum, because the
// programs update checksums incrementally and verify none.
#ifndef SLUICE_DATAPATH_FUZZ_FRAME_CHECKS_H_
#define SLUICE_DATAPATH_FUZZ_FRAME_CHECKS_H_

#include <string>
#include <vector>

#include "datapath/fuzz/frame_mutator.h"
#include "base/packet/addresses.h"
#include "base/packet/packet_parser.h"

namespace sluice::testing {

// Whole, consistent, and every checksum right.
bool WellFormed(const ParsedPacket& p);

// XDP_PASS: the kernel gets the frame as it came.
std::string CheckUnchanged(const Bytes& in, const Bytes& out);

// Where the load balancer may send a packet: a backend and its next hop,
// and the prefixes its outer source addresses come from.
struct EncapRules {
  struct Backend {
    IpAddress addr;
    MacAddr next_hop;
  };
  std::vector<Backend> backends;
  IpAddress src_v4;  // /24
  IpAddress src_v6;  // /112
};

// XDP_TX: Ethernet (addresses: us -> the backend's next hop; VLAN tags
// kept), a correct outer IPv4/IPv6 header to a backend whose length, protocol
// and family match the inner packet, then the input's IP packet byte for byte.
// The inner packet had a whole L4 header, and is no fragment and carries no
// IP options or extension headers unless it is an ICMP error.
std::string CheckEncapsulated(const Bytes& in, const Bytes& out,
                              const EncapRules& rules);

// tc pass of a changed frame (service DNAT, reverse NAT, of packets and of
// ICMP errors): same length; only the addresses, ports and checksums of the
// IP and L4 headers (and of the packet an ICMP error quotes) changed.
std::string CheckNatRewrite(const Bytes& in, const Bytes& out);

// tc redirect with the reject mark: an ICMP / ICMPv6 port unreachable from
// the input's destination back to its source (MACs swapped), quoting the
// input's IP header and first 8 L4 bytes; always well-formed.
std::string CheckReject(const Bytes& in, const Bytes& out);

// Decap pass of a changed frame: the input's Ethernet header (EtherType of
// the inner family) followed by the input after its outer IP header, for a
// whole, unfragmented tunnel packet to one of `local` addresses.
std::string CheckDecapsulated(const Bytes& in, const Bytes& out,
                              const std::vector<IpAddress>& local);

// Whether BPF_PROG_TEST_RUN refuses the frame (EINVAL) before any program
// runs: shorter than an Ethernet header, or (tc only, whose skb needs its
// network header) an IPv4 / IPv6 EtherType without the bytes of that header.
bool TestRunRefuses(const Bytes& frame, bool tc);

// For failure messages.
std::string Hex(const Bytes& b);

}  // namespace sluice::testing

#endif  // SLUICE_DATAPATH_FUZZ_FRAME_CHECKS_H_
