#include "lb/lb_config.h"

namespace sluice::lb {

sluice_vip_meta VipEntry::ToBpfMeta() const {
  sluice_vip_meta m{};
  m.vip_id = vip_id;
  m.flags = hash == HashMode::kSource ? SLUICE_VIP_HASH_SOURCE : 0;
  m.ring_offset = ring_offset;
  m.ring_size = ring_size;
  return m;
}

}  // namespace sluice::lb
