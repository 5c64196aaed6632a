// Sends frames through an AF_PACKET TX ring (TPACKET_V2) with
// PACKET_QDISC_BYPASS: the fallback where the kernel refuses BPF_PROG_RUN's
// live-frames mode. One per sending thread (a ring is not shared).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/pktgen/template_frame.h"
#include "tools/pktgen/transmitter.h"

namespace sluice::pktgen {

class AfPacketTransmitter : public Transmitter {
 public:
  // Opens a ring bound to `ifindex` and writes `frame` into every slot.
  static absl::StatusOr<std::unique_ptr<AfPacketTransmitter>> Open(const TemplateFrame& frame,
                                                                  int ifindex);
  ~AfPacketTransmitter() override;
  AfPacketTransmitter(const AfPacketTransmitter&) = delete;
  AfPacketTransmitter& operator=(const AfPacketTransmitter&) = delete;

  absl::Status Send(uint32_t count) override;

 private:
  struct Ring {
    uint8_t* base = nullptr;
    size_t bytes = 0;
    uint32_t frame_size = 0;   // bytes per slot
    uint32_t slots = 0;
  };
  AfPacketTransmitter(int fd, Ring ring, pktgen_config config, uint32_t frame_len);
  // Hands every queued slot to the device and waits until it took them.
  absl::Status Flush();

  int fd_;
  Ring ring_;
  pktgen_config config_;
  uint32_t frame_len_;
  uint32_t next_slot_ = 0;
  uint32_t next_flow_ = 0;
};

}  // namespace sluice::pktgen
