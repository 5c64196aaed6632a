// The shapes in sluice/shared.h are read by BPF C (clang -target bpf) and by
// C++ (g++). Both must agree on every size and offset; these checks fail the
// C++ build when someone changes a struct in a way the two compilers would
// lay out differently.
#include <cstddef>

#include "sluice/shared.h"

static_assert(sizeof(sluice_counter) == 16);
static_assert(sizeof(sluice_flow_key) == 40);
static_assert(offsetof(sluice_flow_key, sport) == 32);
static_assert(offsetof(sluice_flow_key, family) == 37);
static_assert(sizeof(sluice_flow_state) == 8);
static_assert(sizeof(sluice_vip_key) == 20);
static_assert(sizeof(sluice_vip_meta) == 16);
static_assert(sizeof(sluice_backend) == 32);
static_assert(offsetof(sluice_backend, next_hop_mac) == 18);
static_assert(sizeof(sluice_v4_leaf) == 32);
static_assert(sizeof(sluice_v4_top) == 40);
static_assert(sizeof(sluice_lpm_v6_key) == 20);
static_assert(sizeof(sluice_config) == 40);
