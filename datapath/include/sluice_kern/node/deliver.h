/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Kernel side only. Host delivery, the last stage of from-endpoint: with
 * BPF host routing on (sluice_kern/node/host_route.h), a packet for another
 * endpoint of this node gets what that endpoint's to-endpoint would have
 * done to it and is handed to it; anything else passes to the host.
 */
#ifndef SLUICE_KERN_NODE_DELIVER_H
#define SLUICE_KERN_NODE_DELIVER_H

#include "sluice_kern/node/host_route.h"
#include "sluice_kern/node/nat.h"
#include "sluice_kern/node/policy_check.h"
#include "sluice_kern/node/stage_ctx.h"

/* From-endpoint's packet `flow` (as it is now, after DNAT), when it is for
 * another endpoint of this node: reverse NAT when it is a reply of
 * `reply_of`, else the endpoint's ingress policy (`new_conn`: the
 * connection opens, for the policy's event), and the hand-over. Anything
 * else passes to the host. Returns: the verdict. Call through
 * deliver_to_endpoint. */
SLUICE_STAGE int host_delivery(struct __sk_buff *skb, struct ctx *c __arg_nonnull,
			       const struct sluice_flow_key *flow __arg_nonnull,
			       const struct sluice_ct_entry *reply_of, int new_conn)
{
	struct sluice_flow_key sent = *flow;
	struct sluice_endpoint *to;
	struct bpf_fib_lookup fib;
	__u32 ifindex, rule_id = 0;
	int reason;

	if (reply_of && (reply_of->flags & SLUICE_CT_NAT)) {
		__builtin_memcpy(sent.src, reply_of->rev_addr, sizeof(sent.src));
		sent.sport = reply_of->rev_port;
	}
	ifindex = host_route_lookup(skb, &c->pkt, &sent, &fib);
	if (!ifindex)
		return pass(c);
	to = bpf_map_lookup_elem(&endpoints, &ifindex);
	if (!to || !(to->flags & SLUICE_ENDPOINT_VETH_PEER))
		return pass(c);

	/* From here on the packet is the receiver's: its verdicts, counters
	 * and events are those to-endpoint would have given. */
	c->direction = SLUICE_INGRESS;
	set_endpoint(c, to);
	node_count(SLUICE_NODE_CTR_TO_ENDPOINT, c->pkt.len);
	if (reply_of) {
		if (reply_of->flags & SLUICE_CT_NAT) {
			if (rev_nat(skb, &c->pkt, reply_of) < 0)
				return drop(skb, c, SLUICE_DROP_NAT_FAILED, 0);
			node_count(SLUICE_NODE_CTR_REV_NAT, c->pkt.len);
		}
	} else {
		reason = policy_check(skb, c, flow, new_conn, &rule_id);
		if (reason)
			return drop(skb, c, reason, rule_id);
	}
	if (host_route_rewrite(skb, &fib) < 0)
		return drop(skb, c, SLUICE_DROP_MALFORMED_L3, 0);
	node_count(SLUICE_NODE_CTR_HOST_ROUTED, c->pkt.len);
	return tc_exit(SLUICE_NODE_REDIRECT, bpf_redirect_peer(ifindex, 0), c->pkt.len);
}

/* Host delivery when BPF host routing is on (then through the stage), else
 * the packet passes to the host. Returns: the verdict. */
static __always_inline int deliver_to_endpoint(struct __sk_buff *skb, struct ctx *c,
					       const struct sluice_flow_key *flow,
					       const struct sluice_ct_entry *reply_of,
					       int new_conn)
{
	struct sluice_node_config *cfg;
	__u32 zero = 0;

	cfg = bpf_map_lookup_elem(&node_config, &zero);
	if (!cfg || !(cfg->flags & SLUICE_NODE_BPF_HOST_ROUTING))
		return pass(c);
	return host_delivery(skb, c, flow, reply_of, new_conn);
}

#endif /* SLUICE_KERN_NODE_DELIVER_H */
