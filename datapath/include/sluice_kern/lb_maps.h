/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Kernel side only. Maps of the XDP load balancer. Sizes here are defaults;
 * lbd sets the real ones before load (bpf_map__set_max_entries).
 *
 * The tables a commit replaces as a whole come in two generations, *_gen0
 * and *_gen1, reached through the slots of *_outer; `generation` names the
 * slot packets use. (The generation maps are real, statically placed maps
 * rather than only an inner-map template: clang emits the key types of a
 * template-only inner map as BTF forward declarations, which libbpf rejects.)
 */
#ifndef SLUICE_KERN_LB_MAPS_H
#define SLUICE_KERN_LB_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "sluice/shared.h"

/* Which slot of the *_outer maps packets use; read once per packet. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} generation SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sluice_config);
} config SEC(".maps");

struct vip_table {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct sluice_vip_key);
	__type(value, struct sluice_vip_meta);
} vips_gen0 SEC(".maps"), vips_gen1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, SLUICE_GENERATIONS);
	__type(key, __u32);
	__array(values, struct vip_table);
} vips_outer SEC(".maps") = {
	.values = { &vips_gen0, &vips_gen1 },
};

struct arp_table {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __be32);
	__type(value, __u8);
} arp_blacklist_gen0 SEC(".maps"), arp_blacklist_gen1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, SLUICE_GENERATIONS);
	__type(key, __u32);
	__array(values, struct arp_table);
} arp_blacklist_outer SEC(".maps") = {
	.values = { &arp_blacklist_gen0, &arp_blacklist_gen1 },
};

/* IPv4 source blacklist: see struct sluice_v4_leaf in shared.h. */
struct v4_top_table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SLUICE_V4_TOP_SLOTS);
	__type(key, __u32);
	__type(value, struct sluice_v4_top);
} src_v4_top_gen0 SEC(".maps"), src_v4_top_gen1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, SLUICE_GENERATIONS);
	__type(key, __u32);
	__array(values, struct v4_top_table);
} src_v4_top_outer SEC(".maps") = {
	.values = { &src_v4_top_gen0, &src_v4_top_gen1 },
};

struct v4_leaf_table {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct sluice_v4_leaf);
} src_v4_leaves_gen0 SEC(".maps"), src_v4_leaves_gen1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, SLUICE_GENERATIONS);
	__type(key, __u32);
	__array(values, struct v4_leaf_table);
} src_v4_leaves_outer SEC(".maps") = {
	.values = { &src_v4_leaves_gen0, &src_v4_leaves_gen1 },
};

/* The prefixes behind top and leaves, per generation, for lbd's restart
 * (SLUICE_V4_RECORD_ENTRY); lbd writes them through mmap. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} src_v4_record_gen0 SEC(".maps"), src_v4_record_gen1 SEC(".maps");

struct lpm_v6_table {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sluice_lpm_v6_key);
	__type(value, __u8);
} src_blacklist_v6_gen0 SEC(".maps"), src_blacklist_v6_gen1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, SLUICE_GENERATIONS);
	__type(key, __u32);
	__array(values, struct lpm_v6_table);
} src_blacklist_v6_outer SEC(".maps") = {
	.values = { &src_blacklist_v6_gen0, &src_blacklist_v6_gen1 },
};

/* Maglev tables of every VIP, back to back: copy-on-write regions the
 * daemon fills through mmap before a commit points a VIP at them. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65537);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u32);
} ring_pool SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct sluice_backend);
} backends SEC(".maps");

/* Shared LRU table with per-CPU LRU lists (no lock contention on update);
 * a flow stays on one CPU through RSS, and a moved flow still finds it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, struct sluice_flow_key);
	__type(value, struct sluice_flow_state);
} conntrack SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct sluice_counter);
} vip_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct sluice_counter);
} backend_counters SEC(".maps");

/* Returns: the table of the current generation in `outer`, or NULL. */
static __always_inline void *current_table(void *outer, __u32 gen)
{
	return bpf_map_lookup_elem(outer, &gen);
}

#endif /* SLUICE_KERN_LB_MAPS_H */
