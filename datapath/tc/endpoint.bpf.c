// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The node datapath: tc programs on the host side of each endpoint's veth.
 *
 *   sluice_from_endpoint (tc ingress: what the workload sends)
 *     parse -> source check -> service? (DNAT to a Maglev-picked backend,
 *     remembered per connection) -> egress policy on the packet as it will
 *     travel (after DNAT) -> connection table -> pass
 *   sluice_to_endpoint (tc egress: what is delivered to the workload)
 *     parse -> reply of a connection? (reverse NAT, pass) -> ingress policy
 *     -> connection table -> pass
 *
 * With BPF host routing on, a packet of from-endpoint that is for another
 * endpoint of the node gets the receiver's to-endpoint verdict (ingress
 * policy or reverse NAT) in from-endpoint and is handed to it directly
 * (deliver_to_endpoint); to-endpoint then only sees what the host sends.
 *
 * Replies and ICMP errors of a known connection pass without policy (the
 * policy is stateful). Every drop has a reason, a counter and an event.
 * Design and semantics: docs/tc-datapath.md, docs/policy.md.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "sluice/shared.h"
#include "sluice_kern/hash.h"
#include "sluice_kern/icmp_inner.h"
#include "sluice_kern/node/conntrack.h"
#include "sluice_kern/node/events.h"
#include "sluice_kern/node/host_route.h"
#include "sluice_kern/node/maps.h"
#include "sluice_kern/node/nat.h"
#include "sluice_kern/node/policy.h"
#include "sluice_kern/node/reject.h"
#include "sluice_kern/parse.h"

/* Enough linear bytes for every header we read, the quoted headers of an
 * ICMP error included (Ethernet, 2 VLAN tags, IPv6 + 4 extension headers
 * is beyond this: such packets are parsed as far as they are linear). */
#define HEADERS_WANTED 192

struct ctx {
	struct __sk_buff *skb;
	struct sluice_pkt pkt;
	struct sluice_endpoint *ep;
	int direction;
	__u64 now;
};

static __always_inline int tc_exit(enum sluice_node_verdict verdict, int action,
				   __u32 bytes)
{
	counter_add(&node_verdicts, verdict, bytes);
	return action;
}

static __always_inline int drop(const struct ctx *c, int reason, __u32 rule_id)
{
	struct event_info info = {
		.type = SLUICE_EVENT_DROP,
		.reason = reason,
		.direction = c->direction,
		.endpoint_id = c->ep ? c->ep->endpoint_id : 0,
		.rule_id = rule_id,
	};

	counter_add(&node_drops, reason, c->pkt.len);
	report_event(c->skb, &info, &c->pkt.flow);
	return tc_exit(SLUICE_NODE_DROP, TC_ACT_SHOT, c->pkt.len);
}

static __always_inline int pass(const struct ctx *c)
{
	return tc_exit(SLUICE_NODE_PASS, TC_ACT_OK, c->pkt.len);
}

/* Returns: 0 when the endpoint has no policy in this direction or a rule
 * allows `flow`; else the drop reason (the deciding rule in *rule_id). A
 * new connection allowed by a rule is reported as an event. */
static __always_inline int policy_check(const struct ctx *c,
					const struct sluice_flow_key *flow,
					int new_conn, __u32 *rule_id)
{
	__u32 policy_id = c->ep->policy_id[c->direction & 1];
	struct policy_verdict v;

	if (!policy_id)
		return 0;
	v = policy_decide(policy_id, &c->pkt, flow, c->direction);
	*rule_id = v.rule_id;
	if (v.reason == SLUICE_DROP_NONE) {
		node_count(SLUICE_NODE_CTR_POLICY_ALLOW, c->pkt.len);
		if (new_conn) {
			struct event_info info = {
				.type = SLUICE_EVENT_POLICY_ALLOW,
				.direction = c->direction,
				.endpoint_id = c->ep->endpoint_id,
				.rule_id = v.rule_id,
			};
			report_event(c->skb, &info, flow);
		}
	}
	return v.reason;
}

/* Parses the skb into c->pkt, pulling headers into the linear part first
 * when they are not (GSO and paged skbs). ICMP echo ids stand in for ports
 * so pings are tracked like connections. */
static __always_inline int parse_skb(struct ctx *c)
{
	struct __sk_buff *skb = c->skb;
	__u32 want = skb->len < HEADERS_WANTED ? skb->len : HEADERS_WANTED;
	void *data, *data_end;
	int err;

	if (skb->data_end - skb->data < want)
		bpf_skb_pull_data(skb, want);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	err = parse_frame_len(data, data_end, skb->len, &c->pkt);
	if (err)
		return err;
	if (c->pkt.flow.proto == IPPROTO_ICMP || c->pkt.flow.proto == IPPROTO_ICMPV6) {
		/* Verifier: bound the offset (parse_frame_len checked it). */
		struct icmphdr *ih = data + (c->pkt.l4_off & 0x3fff);

		if ((void *)(ih + 1) > data_end || c->pkt.frag == SLUICE_LATER_FRAGMENT)
			return 0;
		if (ih->type == ICMP_ECHO || ih->type == ICMP_ECHOREPLY ||
		    ih->type == ICMPV6_ECHO_REQUEST || ih->type == ICMPV6_ECHO_REPLY) {
			c->pkt.flow.sport = ih->un.echo.id;
			c->pkt.flow.dport = ih->un.echo.id;
		}
	}
	return 0;
}

#define ND_ROUTER_SOLICIT 133
#define ND_ROUTER_ADVERT 134
#define ND_NEIGHBOUR_SOLICIT 135
#define ND_NEIGHBOUR_ADVERT 136
#define ND_REDIRECT 137

/* Neighbour discovery must always flow, whatever the policy says: address
 * resolution both ways, router discovery and redirects only towards the
 * workload (a workload does not get to advertise itself as a router). A
 * later fragment has no ICMPv6 header, whatever its first bytes say. */
static __always_inline int is_neighbour_discovery(const struct ctx *c)
{
	void *data = (void *)(long)c->skb->data;
	void *data_end = (void *)(long)c->skb->data_end;
	struct icmp6hdr *ih = data + (c->pkt.l4_off & 0x3fff);
	__u8 type;

	if (c->pkt.flow.proto != IPPROTO_ICMPV6 || c->pkt.frag != SLUICE_NOT_FRAGMENT ||
	    (void *)(ih + 1) > data_end)
		return 0;
	type = ih->icmp6_type;
	if (type == ND_ROUTER_SOLICIT || type == ND_NEIGHBOUR_SOLICIT ||
	    type == ND_NEIGHBOUR_ADVERT)
		return 1;
	return c->direction == SLUICE_INGRESS &&
	       (type == ND_ROUTER_ADVERT || type == ND_REDIRECT);
}

/* An ICMP error about a known connection (either orientation) is related to
 * it and passes. Returns: 1 if handled as such (*verdict set), 0 if not.
 * Verifier: rev_nat_allowed is a literal at each call, not derived from
 * c->direction, so from-endpoint's walk skips the quoted-packet reverse NAT;
 * derived, the program exceeds the 1M-instruction limit. */
static __always_inline int handle_icmp_error(struct ctx *c, int rev_nat_allowed,
					     int *verdict)
{
	void *data = (void *)(long)c->skb->data;
	void *data_end = (void *)(long)c->skb->data_end;
	struct sluice_flow_key quoted;
	struct sluice_ct_key k;
	struct sluice_ct_entry *e;
	int err;

	if (c->pkt.flow.proto != IPPROTO_ICMP && c->pkt.flow.proto != IPPROTO_ICMPV6)
		return 0;
	__builtin_memset(&quoted, 0, sizeof(quoted));
	err = icmp_error_flow(data, data_end, &c->pkt, &quoted);
	if (err <= 0)
		return 0;
	/* An error goes to the sender of the packet it quotes (quoted.dst,
	 * the flow being reversed); anything else is judged like any packet,
	 * or a workload could smuggle ICMP past its egress policy. */
	if (!addr_equal(c->pkt.flow.dst, quoted.dst))
		return 0;
	/* icmp_error_flow answers with the quoted packet reversed; reversing
	 * again gives the quoted packet as it was sent. */
	ct_key_reversed(&k, &quoted);
	e = bpf_map_lookup_elem(&conntrack, &k);
	if (e) {
		struct sluice_flow_key sent;

		node_count(SLUICE_NODE_CTR_CT_RELATED, c->pkt.len);
		if (rev_nat_allowed && (e->flags & SLUICE_CT_NAT)) {
			__builtin_memcpy(sent.src, k.src, 16);
			__builtin_memcpy(sent.dst, k.dst, 16);
			sent.sport = k.sport;
			sent.dport = k.dport;
			if (rev_nat_icmp_error(c->skb, &c->pkt, &sent, e) < 0) {
				*verdict = drop(c, SLUICE_DROP_NAT_FAILED, 0);
				return 1;
			}
			node_count(SLUICE_NODE_CTR_REV_NAT, c->pkt.len);
		}
		*verdict = pass(c);
		return 1;
	}
	ct_key_of(&k, &quoted, SLUICE_CT_CONN);
	if (bpf_map_lookup_elem(&conntrack, &k)) {
		node_count(SLUICE_NODE_CTR_CT_RELATED, c->pkt.len);
		*verdict = pass(c);
		return 1;
	}
	return 0;
}

static __always_inline int deliver_to_endpoint(struct ctx *c,
					       const struct sluice_flow_key *flow,
					       const struct sluice_ct_entry *reply_of,
					       int new_conn);

/* Returns: whether the packet is the reply of a known connection; then the
 * entry is updated and (to the client) reverse NATed, by to-endpoint or,
 * for a reply from-endpoint hands to another endpoint, by the hand-over.
 * *verdict is set. */
static __always_inline int handle_reply(struct ctx *c, int *verdict)
{
	struct sluice_ct_key k;
	struct sluice_ct_entry *e;

	ct_key_reversed(&k, &c->pkt.flow);
	e = bpf_map_lookup_elem(&conntrack, &k);
	if (!e)
		return 0;
	node_count(SLUICE_NODE_CTR_CT_REPLY, c->pkt.len);
	ct_touch(e, &c->pkt, 1, c->now);
	if (c->direction == SLUICE_EGRESS) {
		*verdict = deliver_to_endpoint(c, &c->pkt.flow, e, 0);
		return 1;
	}
	if (e->flags & SLUICE_CT_NAT) {
		if (rev_nat(c->skb, &c->pkt, e) < 0) {
			*verdict = drop(c, SLUICE_DROP_NAT_FAILED, 0);
			return 1;
		}
		node_count(SLUICE_NODE_CTR_REV_NAT, c->pkt.len);
	}
	*verdict = pass(c);
	return 1;
}

/* A packet that is not a reply: policy for every packet (so a changed
 * policy applies to open connections too), then the connection table. */
static __always_inline int handle_forward(struct ctx *c)
{
	struct sluice_ct_key k;
	struct sluice_ct_entry *e;
	__u32 rule_id = 0;
	int reason, new_conn;

	ct_key_of(&k, &c->pkt.flow, SLUICE_CT_CONN);
	e = bpf_map_lookup_elem(&conntrack, &k);
	/* A connection is new to this endpoint at its SYN even when the
	 * client's side already made the entry. */
	new_conn = !e || is_tcp_syn(&c->pkt);
	reason = policy_check(c, &c->pkt.flow, new_conn, &rule_id);
	if (reason)
		return drop(c, reason, rule_id);
	if (e) {
		node_count(SLUICE_NODE_CTR_CT_FORWARD, c->pkt.len);
		ct_touch(e, &c->pkt, 0, c->now);
	} else {
		struct sluice_ct_entry fresh = {};

		ct_create(&k, &c->pkt, &fresh, c->now);
	}
	if (c->direction == SLUICE_EGRESS)
		return deliver_to_endpoint(c, &c->pkt.flow, NULL, new_conn);
	return pass(c);
}

/* Returns: the backend of the service connection: the one recorded for it
 * while it is still in the service, else a fresh Maglev pick (NULL when the
 * service has no backend to offer). *created says which. */
static __always_inline struct sluice_svc_backend *
service_backend(struct ctx *c, const struct sluice_service *svc,
		const struct sluice_ct_key *svc_key, __u32 *backend_id, int *created)
{
	struct sluice_ct_entry *e = bpf_map_lookup_elem(&conntrack, svc_key);
	struct sluice_svc_backend *b;
	struct sluice_node_config *cfg;
	struct sluice_svc_ring *ring;
	__u32 zero = 0, slot;

	*created = 0;
	if (e) {
		*backend_id = e->backend_id;
		b = bpf_map_lookup_elem(&svc_backends, backend_id);
		if (b && (b->flags & SLUICE_BACKEND_LIVE) && b->svc_id == svc->svc_id) {
			ct_touch(e, &c->pkt, 0, c->now);
			return b;
		}
		node_count(SLUICE_NODE_CTR_SVC_STALE, c->pkt.len);
	}
	cfg = bpf_map_lookup_elem(&node_config, &zero);
	ring = bpf_map_lookup_elem(&svc_rings, &svc->ring_id);
	if (!cfg || !ring)
		return NULL;
	slot = flow_hash(&c->pkt.flow, cfg->hash_seed, 0) % SLUICE_SVC_RING_SIZE;
	/* Verifier: clang computes the modulo as x - x / n * n, which loses
	 * the bound; restate it behind a barrier so clang keeps the check. */
	asm volatile("" : "+r"(slot));
	if (slot >= SLUICE_SVC_RING_SIZE)
		return NULL;
	*backend_id = ring->backend[slot];
	b = bpf_map_lookup_elem(&svc_backends, backend_id);
	if (!b || !(b->flags & SLUICE_BACKEND_LIVE) || b->svc_id != svc->svc_id)
		return NULL;
	*created = 1;
	return b;
}

/* A workload's packet to a service: DNAT to its backend. */
static __always_inline int handle_service(struct ctx *c,
					  const struct sluice_service *svc)
{
	struct sluice_ct_key svc_key, conn_key;
	struct sluice_flow_key translated = c->pkt.flow;
	struct sluice_svc_backend *b;
	struct sluice_ct_entry *conn;
	__u32 backend_id = 0, rule_id = 0;
	int created, reason, action;

	ct_key_of(&svc_key, &c->pkt.flow, SLUICE_CT_SERVICE);
	b = service_backend(c, svc, &svc_key, &backend_id, &created);
	if (!b) {
		/* The reject rewrites the packet: report it first. */
		struct event_info info = {
			.type = SLUICE_EVENT_DROP,
			.reason = SLUICE_DROP_SERVICE_NO_BACKEND,
			.direction = c->direction,
			.endpoint_id = c->ep->endpoint_id,
		};

		report_event(c->skb, &info, &c->pkt.flow);
		counter_add(&node_drops, SLUICE_DROP_SERVICE_NO_BACKEND, c->pkt.len);
		action = send_reject(c->skb, &c->pkt);
		if (action < 0)   /* options or extension headers: drop quietly */
			return tc_exit(SLUICE_NODE_DROP, TC_ACT_SHOT, c->pkt.len);
		node_count(SLUICE_NODE_CTR_REJECT_SENT, c->pkt.len);
		return tc_exit(SLUICE_NODE_REDIRECT, action, c->pkt.len);
	}
	__builtin_memcpy(translated.dst, b->addr, sizeof(translated.dst));
	translated.dport = b->port;
	ct_key_of(&conn_key, &translated, SLUICE_CT_CONN);
	conn = bpf_map_lookup_elem(&conntrack, &conn_key);

	reason = policy_check(c, &translated, created, &rule_id);
	if (reason)
		return drop(c, reason, rule_id);

	if (created) {
		struct sluice_ct_entry svc_entry = {
			.backend_id = backend_id,
			.svc_id = svc->svc_id,
		};

		node_count(SLUICE_NODE_CTR_SVC_NEW, c->pkt.len);
		ct_create(&svc_key, &c->pkt, &svc_entry, c->now);
	}
	if (conn) {
		node_count(SLUICE_NODE_CTR_CT_FORWARD, c->pkt.len);
		ct_touch(conn, &c->pkt, 0, c->now);
	} else {
		struct sluice_ct_entry fresh = {
			.flags = SLUICE_CT_NAT,
			.rev_port = c->pkt.flow.dport,
			.svc_id = svc->svc_id,
		};

		__builtin_memcpy(fresh.rev_addr, c->pkt.flow.dst, sizeof(fresh.rev_addr));
		ct_create(&conn_key, &c->pkt, &fresh, c->now);
	}
	if (dnat(c->skb, &c->pkt, b) < 0)
		return drop(c, SLUICE_DROP_NAT_FAILED, 0);
	node_count(SLUICE_NODE_CTR_DNAT, c->pkt.len);
	return deliver_to_endpoint(c, &translated, NULL, !conn || is_tcp_syn(&c->pkt));
}

/* BPF host routing (sluice_kern/node/host_route.h): from-endpoint's packet
 * `flow` (as it is now, after DNAT), when it is for another endpoint of
 * this node, gets what that endpoint's to-endpoint would have done to it:
 * reverse NAT when it is a reply of `reply_of`, else the endpoint's ingress
 * policy (`new_conn`: the connection opens, for the policy's event), and
 * is handed to it. Anything else passes to the host. Returns: the verdict. */
static __always_inline int deliver_to_endpoint(struct ctx *c,
					       const struct sluice_flow_key *flow,
					       const struct sluice_ct_entry *reply_of,
					       int new_conn)
{
	struct sluice_flow_key sent = *flow;
	struct sluice_node_config *cfg;
	struct sluice_endpoint *to;
	struct bpf_fib_lookup fib;
	__u32 zero = 0, ifindex, rule_id = 0;
	int reason;

	cfg = bpf_map_lookup_elem(&node_config, &zero);
	if (!cfg || !(cfg->flags & SLUICE_NODE_BPF_HOST_ROUTING))
		return pass(c);
	if (reply_of && (reply_of->flags & SLUICE_CT_NAT)) {
		__builtin_memcpy(sent.src, reply_of->rev_addr, sizeof(sent.src));
		sent.sport = reply_of->rev_port;
	}
	ifindex = host_route_lookup(c->skb, &c->pkt, &sent, &fib);
	if (!ifindex)
		return pass(c);
	to = bpf_map_lookup_elem(&endpoints, &ifindex);
	if (!to || !(to->flags & SLUICE_ENDPOINT_VETH_PEER))
		return pass(c);

	/* From here on the packet is the receiver's: its verdicts, counters
	 * and events are those to-endpoint would have given. */
	c->ep = to;
	c->direction = SLUICE_INGRESS;
	node_count(SLUICE_NODE_CTR_TO_ENDPOINT, c->pkt.len);
	if (reply_of) {
		if (reply_of->flags & SLUICE_CT_NAT) {
			if (rev_nat(c->skb, &c->pkt, reply_of) < 0)
				return drop(c, SLUICE_DROP_NAT_FAILED, 0);
			node_count(SLUICE_NODE_CTR_REV_NAT, c->pkt.len);
		}
	} else {
		reason = policy_check(c, flow, new_conn, &rule_id);
		if (reason)
			return drop(c, reason, rule_id);
	}
	if (host_route_rewrite(c->skb, &fib) < 0)
		return drop(c, SLUICE_DROP_MALFORMED_L3, 0);
	node_count(SLUICE_NODE_CTR_HOST_ROUTED, c->pkt.len);
	return tc_exit(SLUICE_NODE_REDIRECT, bpf_redirect_peer(ifindex, 0), c->pkt.len);
}

/* Returns: whether the endpoint may send from this source address. IPv6
 * link-local and unspecified sources (neighbour discovery, DAD) always may. */
static __always_inline int source_is_endpoints(const struct ctx *c)
{
	const struct sluice_flow_key *f = &c->pkt.flow;
	const struct sluice_endpoint *ep = c->ep;

	if (f->family == SLUICE_FAMILY_V4)
		return !ep->ip4 || f->src[0] == ep->ip4;
	if (!(ep->ip6[0] | ep->ip6[1] | ep->ip6[2] | ep->ip6[3]))
		return 1;
	if ((bpf_ntohl(f->src[0]) & 0xffc00000) == 0xfe800000)
		return 1;
	if (!(f->src[0] | f->src[1] | f->src[2] | f->src[3]))
		return 1;
	return addr_equal(f->src, ep->ip6);
}

/* Looks up the endpoint and parses. Returns: -1 to go on, else the verdict. */
static __always_inline int enter(struct ctx *c, __u32 ctr)
{
	__u32 ifindex = c->skb->ifindex;
	int err;

	c->ep = bpf_map_lookup_elem(&endpoints, &ifindex);
	c->pkt.len = c->skb->len;
	if (!c->ep) {
		node_count(SLUICE_NODE_CTR_NOT_ENDPOINT, c->skb->len);
		return pass(c);
	}
	node_count(ctr, c->skb->len);
	err = parse_skb(c);
	if (err < 0)
		return drop(c, -err, 0);
	if (c->pkt.eth_proto != ETH_P_IP && c->pkt.eth_proto != ETH_P_IPV6) {
		node_count(SLUICE_NODE_CTR_NON_IP, c->pkt.len);
		return pass(c);
	}
	if (is_neighbour_discovery(c))
		return pass(c);
	c->now = bpf_ktime_get_coarse_ns();
	return -1;
}

SEC("tc")
int sluice_from_endpoint(struct __sk_buff *skb)
{
	struct ctx c = { .skb = skb, .direction = SLUICE_EGRESS };
	struct sluice_vip_key svc_key = {};
	struct sluice_service *svc;
	int verdict = enter(&c, SLUICE_NODE_CTR_FROM_ENDPOINT);

	if (verdict >= 0)
		return verdict;
	if (!source_is_endpoints(&c))
		return drop(&c, SLUICE_DROP_SOURCE_SPOOFED, 0);
	if (handle_icmp_error(&c, 0, &verdict))
		return verdict;

	__builtin_memcpy(svc_key.addr, c.pkt.flow.dst, sizeof(svc_key.addr));
	svc_key.port = c.pkt.flow.dport;
	svc_key.proto = c.pkt.flow.proto;
	svc_key.family = c.pkt.flow.family;
	svc = bpf_map_lookup_elem(&services, &svc_key);
	if (svc && c.pkt.frag != SLUICE_LATER_FRAGMENT)
		return handle_service(&c, svc);

	if (handle_reply(&c, &verdict))
		return verdict;
	return handle_forward(&c);
}

SEC("tc")
int sluice_to_endpoint(struct __sk_buff *skb)
{
	struct ctx c = { .skb = skb, .direction = SLUICE_INGRESS };
	int verdict;

	/* Our own ICMP reject, sent back to the workload that asked. */
	if (skb->mark == SLUICE_MARK_REJECT) {
		c.pkt.len = skb->len;
		return pass(&c);
	}
	verdict = enter(&c, SLUICE_NODE_CTR_TO_ENDPOINT);
	if (verdict >= 0)
		return verdict;
	if (handle_icmp_error(&c, 1, &verdict))
		return verdict;
	if (handle_reply(&c, &verdict))
		return verdict;
	return handle_forward(&c);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
