// pktgen's command line (docs/pktgen.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/pktgen/template_frame.h"
#include "tools/pktgen/transmitter.h"

namespace sluice::pktgen {

struct PktgenOptions {
  std::string iface;              // --iface, required
  FrameSpec frame;                // --dst (required) and the frame flags
  bool src_mac_given = false;     // else frame.src_mac is the interface's
  bool src_given = false;         // else frame.src is the interface's address
  uint64_t rate = 0;              // --rate: packets/s over all threads; 0 = unlimited
  uint64_t count = 0;             // --count; 0 = no limit
  double duration_s = 0;          // --duration; 0 = no limit
  int threads = 1;                // --threads, or the length of --cpu
  std::vector<int> cpus;          // --cpu: one per thread; empty = the first allowed ones
  bool progress = false;          // --progress: a line per second on stderr
  SendMode mode = SendMode::kAuto;  // --mode
};

// Parses argv. Errors are one line naming the flag. "--help" returns a
// status whose message is the usage text and code is kCancelled.
absl::StatusOr<PktgenOptions> ParsePktgenOptions(int argc, char** argv);

}  // namespace sluice::pktgen
