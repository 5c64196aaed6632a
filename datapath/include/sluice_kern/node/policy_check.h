/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Kernel side only. The policy stage of the node datapath: the endpoint's
 * policy (sluice_kern/node/policy.h) applied to a packet of its context,
 * its allow event and its counters.
 */
#ifndef SLUICE_KERN_NODE_POLICY_CHECK_H
#define SLUICE_KERN_NODE_POLICY_CHECK_H

#include "sluice_kern/node/events.h"
#include "sluice_kern/node/policy.h"
#include "sluice_kern/node/stage_ctx.h"

/* Returns: 0 when a rule allows `flow`; else the drop reason (the deciding
 * rule in *rule_id). A new connection allowed by a rule is reported as an
 * event. Call through policy_check. */
SLUICE_STAGE int apply_policy(struct __sk_buff *skb, const struct ctx *c __arg_nonnull,
			      const struct sluice_flow_key *flow __arg_nonnull,
			      int new_conn, __u32 *rule_id __arg_nonnull)
{
	struct policy_verdict v;

	v = policy_decide(c->policy_id, &c->pkt, flow, c->direction);
	*rule_id = v.rule_id;
	if (v.reason == SLUICE_DROP_NONE) {
		node_count(SLUICE_NODE_CTR_POLICY_ALLOW, c->pkt.len);
		if (new_conn) {
			struct event_info info = {
				.type = SLUICE_EVENT_POLICY_ALLOW,
				.direction = c->direction,
				.endpoint_id = c->endpoint_id,
				.rule_id = v.rule_id,
			};
			report_event(skb, &info, flow);
		}
	}
	return v.reason;
}

/* Returns: 0 when the endpoint has no policy in this direction (then
 * without a call) or a rule allows `flow`; else the drop reason. */
static __always_inline int policy_check(struct __sk_buff *skb, const struct ctx *c,
					const struct sluice_flow_key *flow,
					int new_conn, __u32 *rule_id)
{
	if (!c->policy_id)
		return 0;
	return apply_policy(skb, c, flow, new_conn, rule_id);
}

#endif /* SLUICE_KERN_NODE_POLICY_CHECK_H */
