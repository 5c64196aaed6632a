/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Kernel side only. What the stages of the node datapath (datapath/tc/
 * endpoint.bpf.c; stages: sluice_kern/stage.h) share: the packet and whose
 * it is, and the exits every verdict leaves through (counted; a drop also
 * reports an event). Included once, by endpoint.bpf.c: stages are global
 * functions.
 */
#ifndef SLUICE_KERN_NODE_STAGE_CTX_H
#define SLUICE_KERN_NODE_STAGE_CTX_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "sluice/shared.h"
#include "sluice_kern/node/events.h"
#include "sluice_kern/node/maps.h"
#include "sluice_kern/parse.h"
#include "sluice_kern/stage.h"

/* A stage's answer when the packet goes on to the caller's next step
 * rather than leaving with a verdict (tc verdicts are >= 0 here). */
#define GO_ON (-1)

/* On the entry program's stack, passed to the stages by pointer. No
 * pointers inside: a stage would see them as plain numbers. */
struct ctx {
	struct sluice_pkt pkt;
	__u64 now;
	__u32 endpoint_id;      /* 0 = the interface is no endpoint's */
	__u32 policy_id;        /* the endpoint's, in `direction`; 0 = none */
	int direction;          /* enum sluice_direction */
};

static __always_inline int tc_exit(enum sluice_node_verdict verdict, int action,
				   __u32 bytes)
{
	counter_add(&node_verdicts, verdict, bytes);
	return action;
}

static __always_inline int pass(const struct ctx *c)
{
	return tc_exit(SLUICE_NODE_PASS, TC_ACT_OK, c->pkt.len);
}

/* Counts the drop, reports its event. Returns: the verdict. A stage: the
 * event's code is in one place, not in every caller's. */
SLUICE_STAGE int drop(struct __sk_buff *skb, const struct ctx *c __arg_nonnull,
		      int reason, __u32 rule_id)
{
	struct event_info info = {
		.type = SLUICE_EVENT_DROP,
		.reason = reason,
		.direction = c->direction,
		.endpoint_id = c->endpoint_id,
		.rule_id = rule_id,
	};

	counter_add(&node_drops, reason, c->pkt.len);
	report_event(skb, &info, &c->pkt.flow);
	return tc_exit(SLUICE_NODE_DROP, TC_ACT_SHOT, c->pkt.len);
}

/* The packet is now `ep`'s: its identity and its policy in c->direction. */
static __always_inline void set_endpoint(struct ctx *c,
					 const struct sluice_endpoint *ep)
{
	c->endpoint_id = ep->endpoint_id;
	c->policy_id = ep->policy_id[c->direction & 1];
}

#endif /* SLUICE_KERN_NODE_STAGE_CTX_H */
