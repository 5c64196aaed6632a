// Owner of the XDP load balancer's BPF objects: loads the program, pins its
// maps under --pin-dir (reusing them when they exist: state survives lbd),
// attaches through libxdp's dispatcher, and hands out typed map handles.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datapath/xdp/lb_xdp_maps.h"
#include "sluice/shared.h"

struct lb_xdp;
struct xdp_program;

namespace sluice {

enum class XdpMode { kNative, kGeneric, kAuto };

// The map sizes (lb_xdp_maps.h) and where and how to attach.
struct XdpDatapathOptions : LbXdpMapSizes {
  std::string pin_dir = "/sys/fs/bpf/sluice";
  std::vector<std::string> ifaces;   // may be empty: maps only (tests)
  XdpMode mode = XdpMode::kAuto;
};

// The maps of one generation (one slot of each *_outer map).
struct GenerationMaps {
  int vips;
  int arp_blacklist;
  int src_v4_top;        // IPv4 source blacklist (shared.h: sluice_v4_leaf)
  int src_v4_leaves;
  int src_blacklist_v6;
};

class XdpDatapath {
 public:
  static absl::StatusOr<std::unique_ptr<XdpDatapath>> Open(const XdpDatapathOptions& options);
  ~XdpDatapath();

  // True when the maps already existed under the pin dir (lbd restarted).
  bool reused_pins() const { return reused_pins_; }
  const XdpDatapathOptions& options() const { return options_; }

  GenerationMaps generation_maps(uint32_t gen) const;
  int generation_fd() const;
  int config_fd() const;
  int backends_fd() const;
  int conntrack_fd() const;
  int counters_fd() const;
  int drop_counters_fd() const;
  int verdict_counters_fd() const;
  int vip_counters_fd() const;
  int backend_counters_fd() const;
  // -1 when every interface already ran our program at Open (not loaded again).
  int program_fd() const;
  // The Maglev ring pool, mapped into our memory (BPF_F_MMAPABLE). An array
  // map lays its elements out 8 bytes apart whatever their size, so entry i
  // is the low 32 bits (little-endian) of the i-th 64-bit word.
  uint64_t* ring_pool() const { return ring_pool_; }
  // The IPv4 blacklist record of generation `gen` (SLUICE_V4_RECORD_ENTRY),
  // mapped likewise: max_prefixes + 1 words.
  uint64_t* v4_record(uint32_t gen) const { return v4_records_[gen & 1]; }

 private:
  XdpDatapath() = default;
  absl::Status Load();
  absl::Status AttachAll();
  absl::Status MapArrays();

  XdpDatapathOptions options_;
  lb_xdp* skel_ = nullptr;
  std::vector<xdp_program*> attached_;
  std::vector<lb_xdp*> extra_skels_;   // one per further interface
  struct Mapping {
    void* addr;
    size_t bytes;
  };
  std::vector<Mapping> mappings_;
  uint64_t* ring_pool_ = nullptr;
  uint64_t* v4_records_[2] = {nullptr, nullptr};
  bool reused_pins_ = false;
};

}  // namespace sluice
