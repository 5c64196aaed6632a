#include "tools/pktgen/transmitter.h"

namespace sluice::pktgen {

const char* SendModeName(SendMode mode) {
  switch (mode) {
    case SendMode::kAuto: return "auto";
    case SendMode::kLiveFrames: return "live";
    case SendMode::kAfPacket: return "afpacket";
  }
  return "?";
}

}  // namespace sluice::pktgen
