/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Kernel side only. The node datapath's maps (datapath/tc/endpoint.bpf.c).
 * Sizes here are defaults; lbd sets them before loading.
 */
#ifndef SLUICE_KERN_NODE_MAPS_H
#define SLUICE_KERN_NODE_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "sluice/shared.h"
#include "sluice_kern/counter_add.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sluice_node_config);
} node_config SEC(".maps");

/* Endpoints by the ifindex of their host-side veth. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct sluice_endpoint);
} endpoints SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct sluice_vip_key);
	__type(value, struct sluice_service);
} services SEC(".maps");

/* Maglev tables by ring id. Not preallocated: only live tables use memory
 * (4 KiB each), and a table is replaced by writing a new id into its
 * service, never in place. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct sluice_svc_ring);
} svc_rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct sluice_svc_backend);
} svc_backends SEC(".maps");

/* Members of each table with their weights (struct sluice_svc_member_key
 * -> weight), for lbd only (restore). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 131072);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sluice_svc_member_key);
	__type(value, __u32);
} svc_members SEC(".maps");

/* One LRU list per CPU: no lock shared by the CPUs on insert. lbd deletes
 * idle entries; LRU eviction is only the last resort when it is full. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, struct sluice_ct_key);
	__type(value, struct sluice_ct_entry);
} conntrack SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sluice_policy_key);
	__type(value, struct sluice_policy_entry);
} policy SEC(".maps");

/* The rules as written, for lbd only (restore, show). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct sluice_policy_rule_spec);
} rule_specs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct sluice_counter);
} rule_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SLUICE_NODE_CTR_MAX);
	__type(key, __u32);
	__type(value, struct sluice_counter);
} node_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SLUICE_DROP_REASON_MAX);
	__type(key, __u32);
	__type(value, struct sluice_counter);
} node_drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SLUICE_NODE_VERDICT_MAX);
	__type(key, __u32);
	__type(value, struct sluice_counter);
} node_verdicts SEC(".maps");

static __always_inline void node_count(__u32 id, __u32 bytes)
{
	counter_add(&node_counters, id, bytes);
}

#endif /* SLUICE_KERN_NODE_MAPS_H */
