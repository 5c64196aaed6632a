// Seeded mutation of valid frames for the datapath fuzz tests.
//
//   FrameMutator m(seed, {dictionary of addresses and ports});
//   Mutant x = m.Mutate(valid_frame);   // x.frame, x.how ("flip@23 trunc@40")
//
// A mutant is a valid frame with one to three of: random bits flipped (mostly
// in the headers), a header field (found by parsing the frame: Ethernet,
// VLAN, ARP, IPv4 and its options, IPv6 and its extension headers, TCP, UDP,
// ICMP and the packet an ICMP error quotes) overwritten with a boundary,
// random or dictionary value, bytes inserted into or deleted from the
// headers, trailing bytes appended, or the frame truncated. Then, half the
// time, every IPv4 header checksum and the L4 checksum are recomputed, so
// those mutants reach past a checksum-verifying stage (the kernel's, a
// backend's) and test the programs' deeper paths. The same seed and the same
// calls give the same mutants.
#ifndef SLUICE_DATAPATH_FUZZ_FRAME_MUTATOR_H_
#define SLUICE_DATAPATH_FUZZ_FRAME_MUTATOR_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/types/span.h"

namespace sluice::testing {

using Bytes = std::vector<uint8_t>;

struct Mutant {
  Bytes frame;
  std::string how;  // the mutations applied, for a failure message
};

// Values a field overwrite may also pick, so mutants move between the
// program's interesting cases (a non-VIP address becomes a VIP, a port
// becomes a service's): 4-byte addresses (IPv4, or an IPv6 address's last
// word) and 2-byte ports, network order as they appear on the wire.
struct MutationDictionary {
  std::vector<Bytes> words;   // 4 bytes each
  std::vector<Bytes> shorts;  // 2 bytes each
};

class FrameMutator {
 public:
  FrameMutator(uint64_t seed, MutationDictionary dictionary);

  Mutant Mutate(const Bytes& frame);

  // Uniform in [0, n); n > 0.
  size_t Below(size_t n);

 private:
  void FlipBits(Bytes& f, std::string& how);
  void OverwriteField(Bytes& f, std::string& how);
  void InsertOrDelete(Bytes& f, std::string& how);
  void Append(Bytes& f, std::string& how);
  void Truncate(Bytes& f, std::string& how);
  Bytes FieldValue(size_t width, size_t frame_size, size_t offset);

  std::mt19937_64 rng_;
  MutationDictionary dictionary_;
};

// Recomputes every whole IPv4 header checksum (the quoted one of an ICMP
// error included) and the L4 checksum, as far as the frame parses.
void FixChecksums(Bytes& frame);

}  // namespace sluice::testing

#endif  // SLUICE_DATAPATH_FUZZ_FRAME_MUTATOR_H_
