/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Kernel side only. Endpoint policy: one longest-prefix match on (policy,
 * family, peer address) yields every rule that applies to the peer (lbd
 * folds the rules of covering prefixes into each entry); a bounded scan of
 * those rules decides. Deny rules win; without an allowing rule the packet
 * is denied by default.
 */
#ifndef SLUICE_KERN_NODE_POLICY_H
#define SLUICE_KERN_NODE_POLICY_H

#include "sluice_kern/node/maps.h"
#include "sluice_kern/parse.h"

struct policy_verdict {
	int reason;             /* SLUICE_DROP_NONE when allowed */
	__u32 rule_id;          /* the deciding rule; 0 = none (default deny) */
};

/* Returns: whether the rule covers the packet's protocol and port. A
 * packet without ports (ICMP, later fragments) only matches rules that do
 * not narrow the port. */
static __always_inline int rule_matches(const struct sluice_policy_rule *r,
					__u8 proto, int has_port, __u16 port)
{
	int every_port = r->port_min == 0 && r->port_max == 0xffff;

	if (r->proto && r->proto != proto)
		return 0;
	if (every_port)
		return 1;
	return has_port && port >= r->port_min && port <= r->port_max;
}

/* Decides a packet of `flow` (as it travels; after DNAT) in `direction`
 * under policy `policy_id`, and counts the deciding rule's hit. */
static __always_inline struct policy_verdict
policy_decide(__u32 policy_id, const struct sluice_pkt *p,
	      const struct sluice_flow_key *flow, int direction)
{
	struct policy_verdict v = { .reason = SLUICE_DROP_POLICY_DEFAULT };
	const __be32 *peer = direction == SLUICE_INGRESS ? flow->src : flow->dst;
	struct sluice_policy_key k = {
		.policy_id = policy_id,
		.family = flow->family,
	};
	struct sluice_policy_entry *e;
	int has_port = p->frag != SLUICE_LATER_FRAGMENT &&
		       (flow->proto == IPPROTO_TCP || flow->proto == IPPROTO_UDP);
	__u16 port = bpf_ntohs(flow->dport);
	__u32 allow_rule = 0;
	__u32 count;

	k.prefixlen = SLUICE_POLICY_KEY_FIXED_BITS +
		      (flow->family == SLUICE_FAMILY_V4 ? 32 : 128);
	__builtin_memcpy(k.addr, peer, sizeof(k.addr));
	e = bpf_map_lookup_elem(&policy, &k);
	if (!e)
		return v;
	count = e->count;
	for (__u32 i = 0; i < SLUICE_POLICY_MAX_RULES; i++) {
		const struct sluice_policy_rule *r = &e->rules[i];

		if (i >= count)
			break;
		if (!rule_matches(r, flow->proto, has_port, port))
			continue;
		if (r->action == SLUICE_POLICY_DENY) {
			v.reason = SLUICE_DROP_POLICY_DENY;
			v.rule_id = r->rule_id;
			counter_add(&rule_counters, v.rule_id, p->len);
			return v;
		}
		if (!allow_rule)
			allow_rule = r->rule_id;
	}
	if (allow_rule) {
		v.reason = SLUICE_DROP_NONE;
		v.rule_id = allow_rule;
		counter_add(&rule_counters, allow_rule, p->len);
	}
	return v;
}

#endif /* SLUICE_KERN_NODE_POLICY_H */
