/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Kernel side only. Per-CPU counters indexed by the ids in sluice/shared.h,
 * and the one exit path that counts every verdict and drop reason.
 */
#ifndef SLUICE_KERN_COUNTERS_H
#define SLUICE_KERN_COUNTERS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "sluice/shared.h"
#include "sluice_kern/counter_add.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SLUICE_CTR_MAX);
	__type(key, __u32);
	__type(value, struct sluice_counter);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SLUICE_DROP_REASON_MAX);
	__type(key, __u32);
	__type(value, struct sluice_counter);
} drop_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SLUICE_VERDICT_MAX);
	__type(key, __u32);
	__type(value, struct sluice_counter);
} verdict_counters SEC(".maps");

static __always_inline void count(__u32 id, __u32 bytes)
{
	counter_add(&counters, id, bytes);
}

/* Every XDP verdict leaves through here. */
static __always_inline int xdp_exit(int action, __u32 bytes)
{
	counter_add(&verdict_counters, action, bytes);
	return action;
}

static __always_inline int xdp_drop(enum sluice_drop_reason reason,
				    __u32 bytes)
{
	counter_add(&drop_counters, reason, bytes);
	return xdp_exit(XDP_DROP, bytes);
}

#endif /* SLUICE_KERN_COUNTERS_H */
