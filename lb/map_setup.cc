#include "lb/map_setup.h"

#include "absl/strings/str_cat.h"
#include "lb/bpf_errors.h"
#include "lb/status_macros.h"

namespace sluice::lb {

absl::Status SizeMaps(absl::Span<const MapSize> sizes) {
  for (const MapSize& s : sizes) {
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

}  // namespace sluice::lb
