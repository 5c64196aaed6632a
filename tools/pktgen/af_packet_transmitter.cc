#include "tools/pktgen/af_packet_transmitter.h"

#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "absl/numeric/bits.h"
#include "absl/strings/str_cat.h"
#include "tools/pktgen/flow_rewrite.h"

namespace sluice::pktgen {
namespace {

// Slots in the ring: enough that one blocking send moves a few hundred
// frames (the per-call cost is then small), few enough to stay in cache.
constexpr uint32_t kWantedSlots = 1024;
constexpr uint32_t kPageSize = 4096;
// Where a frame's bytes start in its slot (no PACKET_TX_HAS_OFF).
constexpr uint32_t kDataOffset = TPACKET2_HDRLEN - sizeof(sockaddr_ll);

absl::Status Errno(const char* what) { return absl::ErrnoToStatus(errno, what); }

tpacket2_hdr* Slot(uint8_t* base, uint32_t frame_size, uint32_t i) {
  return reinterpret_cast<tpacket2_hdr*>(base + static_cast<size_t>(i) * frame_size);
}

// The kernel writes tp_status when it is done with a slot; we write it to
// hand the slot over, after the frame's bytes.
uint32_t LoadStatus(tpacket2_hdr* h) {
  return __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
}
void StoreStatus(tpacket2_hdr* h, uint32_t status) {
  __atomic_store_n(&h->tp_status, status, __ATOMIC_RELEASE);
}

}  // namespace

absl::StatusOr<std::unique_ptr<AfPacketTransmitter>> AfPacketTransmitter::Open(
    const TemplateFrame& frame, int ifindex) {
  // Protocol 0: the socket sends only and never receives a copy of traffic.
  int fd = socket(AF_PACKET, SOCK_RAW, 0);
  if (fd < 0) {
    if (errno == EPERM) return absl::PermissionDeniedError("AF_PACKET socket: needs root");
    return Errno("AF_PACKET socket");
  }
  auto fail = [fd](const char* what) {
    absl::Status s = Errno(what);
    close(fd);
    return s;
  };
  int version = TPACKET_V2;
  if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) != 0) {
    return fail("PACKET_VERSION TPACKET_V2");
  }
  // Straight to the driver, as a NIC generator would: no qdisc in the way.
  int one = 1;
  if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) != 0) {
    return fail("PACKET_QDISC_BYPASS");
  }
  const uint32_t frame_len = static_cast<uint32_t>(frame.bytes.size());
  Ring ring;
  ring.frame_size = absl::bit_ceil(std::max<uint32_t>(kDataOffset + frame_len, 128));
  const uint32_t block_size = std::max(ring.frame_size, kPageSize);
  const uint32_t per_block = block_size / ring.frame_size;
  tpacket_req req{};
  req.tp_block_size = block_size;
  req.tp_frame_size = ring.frame_size;
  req.tp_block_nr = (kWantedSlots + per_block - 1) / per_block;
  req.tp_frame_nr = req.tp_block_nr * per_block;
  if (setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)) != 0) {
    return fail("PACKET_TX_RING");
  }
  ring.slots = req.tp_frame_nr;
  ring.bytes = static_cast<size_t>(block_size) * req.tp_block_nr;
  void* base = mmap(nullptr, ring.bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) return fail("mapping the TX ring");
  ring.base = static_cast<uint8_t*>(base);

  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_ifindex = ifindex;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    absl::Status s = Errno("binding the AF_PACKET socket to the interface");
    munmap(ring.base, ring.bytes);
    close(fd);
    return s;
  }
  // Every slot holds the whole template once; a send rewrites only the
  // fields that make the flow.
  for (uint32_t i = 0; i < ring.slots; ++i) {
    std::memcpy(reinterpret_cast<uint8_t*>(Slot(ring.base, ring.frame_size, i)) + kDataOffset,
                frame.bytes.data(), frame_len);
  }
  return std::unique_ptr<AfPacketTransmitter>(
      new AfPacketTransmitter(fd, ring, frame.config, frame_len));
}

AfPacketTransmitter::AfPacketTransmitter(int fd, Ring ring, pktgen_config config,
                                         uint32_t frame_len)
    : fd_(fd), ring_(ring), config_(config), frame_len_(frame_len) {}

AfPacketTransmitter::~AfPacketTransmitter() {
  munmap(ring_.base, ring_.bytes);
  close(fd_);
}

absl::Status AfPacketTransmitter::Flush() {
  // Blocking: returns once the kernel has sent every slot marked
  // SEND_REQUEST and released it (TP_STATUS_AVAILABLE again).
  while (send(fd_, nullptr, 0, 0) < 0) {
    // ENOBUFS: the device refused a frame (a full queue); it is dropped,
    // as a NIC's would be, and the device's counter shows it.
    if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN) continue;
    return Errno("AF_PACKET send");
  }
  return absl::OkStatus();
}

absl::Status AfPacketTransmitter::Send(uint32_t count) {
  for (uint32_t sent = 0; sent < count; ++sent) {
    tpacket2_hdr* slot = Slot(ring_.base, ring_.frame_size, next_slot_);
    if (LoadStatus(slot) != TP_STATUS_AVAILABLE) {
      if (absl::Status s = Flush(); !s.ok()) return s;
      const uint32_t status = LoadStatus(slot);
      if (status != TP_STATUS_AVAILABLE) {
        return absl::InternalError(absl::StrCat("AF_PACKET TX ring slot ", next_slot_,
                                                " not released after a send (status ", status,
                                                ")"));
      }
    }
    RewriteIntoFlow(config_, next_flow_, reinterpret_cast<uint8_t*>(slot) + kDataOffset);
    next_flow_ = next_flow_ + 1 >= config_.flows ? 0 : next_flow_ + 1;
    slot->tp_len = frame_len_;
    StoreStatus(slot, TP_STATUS_SEND_REQUEST);
    next_slot_ = next_slot_ + 1 == ring_.slots ? 0 : next_slot_ + 1;
  }
  return Flush();
}

}  // namespace sluice::pktgen
