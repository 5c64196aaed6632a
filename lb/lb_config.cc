#include "lb/lb_config.h"

#include "datapath/xdp/lb_xdp_maps.h"

namespace sluice::lb {

sluice_vip_meta VipEntry::ToBpfMeta() const {
  return VipMeta(vip_id, ring_offset, ring_size,
                 hash == HashMode::kSource ? SLUICE_VIP_HASH_SOURCE : 0);
}

}  // namespace sluice::lb
