// One way of putting generated frames on the wire, as a sending thread
// sees it (docs/pktgen.md "Two ways to send").
#pragma once

#include <cstdint>

#include "absl/status/status.h"

namespace sluice::pktgen {

enum class SendMode {
  kAuto,        // live frames where the kernel allows them, else AF_PACKET
  kLiveFrames,  // BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES
  kAfPacket,    // an AF_PACKET TX ring with PACKET_QDISC_BYPASS
};

const char* SendModeName(SendMode mode);

class Transmitter {
 public:
  virtual ~Transmitter() = default;
  // Sends `count` frames, each rewritten into the next flow, and returns
  // when the device has them. Frames the device then drops are not seen
  // here (pktgen reads the device's tx counter for that).
  virtual absl::Status Send(uint32_t count) = 0;
};

}  // namespace sluice::pktgen
