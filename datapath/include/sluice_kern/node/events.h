/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Kernel side only. Drop and policy events to a ring buffer, sampled: each
 * CPU reports at most SLUICE_EVENTS_PER_WINDOW per window, so a flood costs
 * a counter increment per packet and cannot swamp lbd. What is not reported
 * is counted (event_sampled_out, event_lost) and the next event a CPU sends
 * says how many it skipped.
 */
#ifndef SLUICE_KERN_NODE_EVENTS_H
#define SLUICE_KERN_NODE_EVENTS_H

#include "sluice_kern/node/maps.h"

struct event_budget {
	__u64 window_start_ns;
	__u32 sent;
	__u32 suppressed;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct event_budget);
} event_budget SEC(".maps");

struct event_info {
	__u8 type;              /* enum sluice_event_type */
	__u8 reason;            /* enum sluice_drop_reason */
	__u8 direction;         /* enum sluice_direction */
	__u32 endpoint_id;
	__u32 rule_id;
};

static __always_inline void report_event(const struct __sk_buff *skb,
					 const struct event_info *info,
					 const struct sluice_flow_key *flow)
{
	__u32 zero = 0;
	struct event_budget *b = bpf_map_lookup_elem(&event_budget, &zero);
	struct sluice_event *e;
	__u64 now = bpf_ktime_get_ns();

	if (!b)
		return;
	if (now - b->window_start_ns > SLUICE_EVENT_WINDOW_NS) {
		b->window_start_ns = now;
		b->sent = 0;
	}
	if (b->sent >= SLUICE_EVENTS_PER_WINDOW) {
		b->suppressed++;
		node_count(SLUICE_NODE_CTR_EVENT_SAMPLED_OUT, 0);
		return;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		b->suppressed++;
		node_count(SLUICE_NODE_CTR_EVENT_LOST, 0);
		return;
	}
	b->sent++;
	e->time_ns = now;
	e->endpoint_id = info->endpoint_id;
	e->ifindex = skb->ifindex;
	e->rule_id = info->rule_id;
	e->suppressed = b->suppressed;
	e->type = info->type;
	e->reason = info->reason;
	e->direction = info->direction;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	e->flow = *flow;
	bpf_ringbuf_submit(e, 0);
	b->suppressed = 0;
	node_count(SLUICE_NODE_CTR_EVENT_SENT, 0);
}

#endif /* SLUICE_KERN_NODE_EVENTS_H */
