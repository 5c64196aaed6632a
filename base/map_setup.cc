#include "base/map_setup.h"

#include <bpf/bpf.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "base/bpf_errors.h"
#include "base/status_macros.h"

namespace sluice {

namespace {

// The size of the map pinned at `path`, or 0 when nothing is pinned there.
uint32_t PinnedEntries(const std::string& path) {
  int fd = bpf_obj_get(path.c_str());
  if (fd < 0) return 0;
  bpf_map_info info{};
  uint32_t len = sizeof(info);
  uint32_t entries = bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.max_entries : 0;
  close(fd);
  return entries;
}

}  // namespace

absl::Status SizeMaps(absl::Span<const MapSize> sizes, const std::string& pin_dir) {
  for (const MapSize& s : sizes) {
    const std::string path = absl::StrCat(pin_dir, "/", bpf_map__name(s.map));
    const uint32_t pinned = PinnedEntries(path);
    if (pinned != 0 && pinned != s.entries) {
      return absl::FailedPreconditionError(absl::StrCat(
          "map ", bpf_map__name(s.map), " pinned at ", path, " holds ", pinned,
          " entries but this lbd sizes it ", s.entries,
          s.flag ? absl::StrCat(" (", s.flag, ")") : std::string(" (built in)"),
          ": start lbd with the sizing flags it ran with before, or remove ", pin_dir,
          " to start empty (that drops the whole configuration and every connection)"));
    }
    RETURN_IF_ERROR(BpfStatus(bpf_map__set_max_entries(s.map, s.entries),
                              absl::StrCat("sizing map ", bpf_map__name(s.map))));
  }
  return absl::OkStatus();
}

absl::Status PinMapsUnder(bpf_object* obj, const std::string& pin_dir) {
  bpf_map* map;
  bpf_object__for_each_map(map, obj) {
    std::string path = absl::StrCat(pin_dir, "/", bpf_map__name(map));
    RETURN_IF_ERROR(BpfStatus(bpf_map__set_pin_path(map, path.c_str()),
                              absl::StrCat("pin path ", path)));
  }
  return absl::OkStatus();
}

}  // namespace sluice
