#include "datapath/xdp/xdp_datapath.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <net/if.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xdp/libxdp.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/bpf_errors.h"
#include "base/map_setup.h"
#include "base/status_macros.h"
#include "lb_xdp.skel.h"

namespace sluice {
namespace {

constexpr char kProgramName[] = "sluice_xdp";

// Returns: true when an XDP program named sluice_xdp already runs on
// `ifindex` (attached by an earlier lbd; it uses the same pinned maps).
bool AlreadyAttached(int ifindex) {
  xdp_multiprog* mp = xdp_multiprog__get_from_ifindex(ifindex);
  if (libxdp_get_error(mp) || !mp) return false;
  bool found = false;
  if (xdp_multiprog__is_legacy(mp)) {
    xdp_program* main = xdp_multiprog__main_prog(mp);
    found = main && strcmp(xdp_program__name(main), kProgramName) == 0;
  } else {
    for (xdp_program* p = xdp_multiprog__next_prog(nullptr, mp); p;
         p = xdp_multiprog__next_prog(p, mp)) {
      if (strcmp(xdp_program__name(p), kProgramName) == 0) found = true;
    }
  }
  xdp_multiprog__close(mp);
  return found;
}

absl::Status PrepareMaps(lb_xdp* skel, const XdpDatapathOptions& o) {
  RETURN_IF_ERROR(SizeMaps(LbXdpMapSizesOf(skel, o), o.pin_dir));
  return PinMapsUnder(skel->obj, o.pin_dir);
}

absl::Status AttachOne(xdp_program* prog, int ifindex, const std::string& iface,
                       XdpMode mode) {
  if (mode != XdpMode::kGeneric) {
    int err = xdp_program__attach(prog, ifindex, XDP_MODE_NATIVE, 0);
    if (!err) return absl::OkStatus();
    if (mode == XdpMode::kNative) {
      return BpfStatus(err, absl::StrCat("attaching XDP in native mode to ", iface));
    }
    fprintf(stderr, "lbd: native XDP on %s failed (%s); falling back to generic mode\n",
            iface.c_str(), strerror(-err));
  }
  return BpfStatus(xdp_program__attach(prog, ifindex, XDP_MODE_SKB, 0),
                   absl::StrCat("attaching XDP in generic mode to ", iface));
}

}  // namespace

absl::StatusOr<std::unique_ptr<XdpDatapath>> XdpDatapath::Open(
    const XdpDatapathOptions& options) {
  std::unique_ptr<XdpDatapath> dp(new XdpDatapath());
  dp->options_ = options;
  if (mkdir(options.pin_dir.c_str(), 0700) && errno != EEXIST) {
    return absl::ErrnoToStatus(errno, absl::StrCat("creating pin dir ", options.pin_dir));
  }
  struct stat st;
  dp->reused_pins_ = stat((options.pin_dir + "/generation").c_str(), &st) == 0;
  RETURN_IF_ERROR(dp->Load());
  RETURN_IF_ERROR(dp->MapArrays());
  return dp;
}

absl::Status XdpDatapath::Load() {
  skel_ = lb_xdp::open();
  if (!skel_) return BpfStatus(-errno, "opening the XDP object");
  RETURN_IF_ERROR(PrepareMaps(skel_, options_));
  // libxdp loads the object itself when it attaches (as an extension of its
  // dispatcher); without an interface that needs attaching, load it here.
  return AttachAll();
}

absl::Status XdpDatapath::AttachAll() {
  bool loaded = false;
  for (const std::string& iface : options_.ifaces) {
    int ifindex = if_nametoindex(iface.c_str());
    if (!ifindex) return absl::NotFoundError(absl::StrCat("interface ", iface, " not found"));
    if (AlreadyAttached(ifindex)) continue;
    lb_xdp* skel = skel_;
    if (loaded) {
      // One program object per interface (libxdp binds it to that
      // interface's dispatcher); the maps are shared through their pins.
      skel = lb_xdp::open();
      if (!skel) return BpfStatus(-errno, "opening the XDP object");
      RETURN_IF_ERROR(PrepareMaps(skel, options_));
      extra_skels_.push_back(skel);
    }
    xdp_program* prog = xdp_program__from_bpf_obj(skel->obj, "xdp");
    if (int err = libxdp_get_error(prog)) return BpfStatus(err, "wrapping the XDP program");
    RETURN_IF_ERROR(AttachOne(prog, ifindex, iface, options_.mode));
    attached_.push_back(prog);
    loaded = true;
  }
  if (!loaded) {
    // With interfaces, each already runs our program (an earlier lbd's, left
    // in place): only the maps are needed, not a second verification.
    if (!options_.ifaces.empty()) bpf_program__set_autoload(skel_->progs.sluice_xdp, false);
    RETURN_IF_ERROR(BpfStatus(lb_xdp::load(skel_), "loading the XDP object"));
  }
  return absl::OkStatus();
}

absl::Status XdpDatapath::MapArrays() {
  auto map = [this](bpf_map* m, uint64_t entries, const char* what) -> absl::StatusOr<uint64_t*> {
    size_t page = sysconf(_SC_PAGESIZE);
    size_t bytes = (entries * sizeof(uint64_t) + page - 1) / page * page;
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(m), 0);
    if (p == MAP_FAILED) return absl::ErrnoToStatus(errno, absl::StrCat("mapping the ", what));
    mappings_.push_back({p, bytes});
    return static_cast<uint64_t*>(p);
  };
  ASSIGN_OR_RETURN(ring_pool_, map(skel_->maps.ring_pool, options_.ring_pool_entries,
                                   "Maglev ring pool"));
  ASSIGN_OR_RETURN(v4_records_[0], map(skel_->maps.src_v4_record_gen0, options_.max_prefixes + 1ull,
                                       "IPv4 blacklist record"));
  ASSIGN_OR_RETURN(v4_records_[1], map(skel_->maps.src_v4_record_gen1, options_.max_prefixes + 1ull,
                                       "IPv4 blacklist record"));
  return absl::OkStatus();
}

XdpDatapath::~XdpDatapath() {
  for (const Mapping& m : mappings_) munmap(m.addr, m.bytes);
  // Closing our handles does not detach: libxdp's dispatcher and the pinned
  // maps keep the datapath running without lbd.
  for (xdp_program* p : attached_) xdp_program__close(p);
  for (lb_xdp* s : extra_skels_) lb_xdp::destroy(s);
  if (skel_) lb_xdp::destroy(skel_);
}

GenerationMaps XdpDatapath::generation_maps(uint32_t gen) const {
  const auto& m = skel_->maps;
  if (gen == 0) {
    return {bpf_map__fd(m.vips_gen0), bpf_map__fd(m.arp_blacklist_gen0),
            bpf_map__fd(m.src_v4_top_gen0), bpf_map__fd(m.src_v4_leaves_gen0),
            bpf_map__fd(m.src_blacklist_v6_gen0)};
  }
  return {bpf_map__fd(m.vips_gen1), bpf_map__fd(m.arp_blacklist_gen1),
          bpf_map__fd(m.src_v4_top_gen1), bpf_map__fd(m.src_v4_leaves_gen1),
          bpf_map__fd(m.src_blacklist_v6_gen1)};
}

int XdpDatapath::generation_fd() const { return bpf_map__fd(skel_->maps.generation); }
int XdpDatapath::config_fd() const { return bpf_map__fd(skel_->maps.config); }
int XdpDatapath::backends_fd() const { return bpf_map__fd(skel_->maps.backends); }
int XdpDatapath::conntrack_fd() const { return bpf_map__fd(skel_->maps.conntrack); }
int XdpDatapath::counters_fd() const { return bpf_map__fd(skel_->maps.counters); }
int XdpDatapath::drop_counters_fd() const { return bpf_map__fd(skel_->maps.drop_counters); }
int XdpDatapath::verdict_counters_fd() const { return bpf_map__fd(skel_->maps.verdict_counters); }
int XdpDatapath::vip_counters_fd() const { return bpf_map__fd(skel_->maps.vip_counters); }
int XdpDatapath::backend_counters_fd() const { return bpf_map__fd(skel_->maps.backend_counters); }
int XdpDatapath::program_fd() const { return bpf_program__fd(skel_->progs.sluice_xdp); }

}  // namespace sluice
