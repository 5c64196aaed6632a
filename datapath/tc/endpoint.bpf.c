// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The node datapath: tc programs on the host side of each endpoint's veth.
 *
 *   sluice_from_endpoint (tc ingress: what the workload sends)
 *     parse -> source check -> service? (DNAT to a Maglev-picked backend,
 *     remembered per connection) -> egress policy on the packet as it will
 *     travel (after DNAT) -> connection table -> host delivery
 *   sluice_to_endpoint (tc egress: what is delivered to the workload)
 *     parse -> reply of a connection? (reverse NAT, pass) -> ingress policy
 *     -> connection table -> pass
 *
 * Host delivery (sluice_kern/node/deliver.h): with BPF host routing on, a
 * packet of from-endpoint that is for another endpoint of the node gets the
 * receiver's to-endpoint verdict (ingress policy or reverse NAT) in
 * from-endpoint and is handed to it directly; to-endpoint then only sees
 * what the host sends. Anything else passes to the host.
 *
 * Each entry program calls stages (sluice_kern/stage.h: global functions,
 * each verified once, on its own): parse_skb, handle_icmp_error,
 * handle_service (sluice_kern/node/service.h), handle_forward,
 * host_delivery, apply_policy (sluice_kern/node/policy_check.h) and drop.
 * Stages called from stages share the 512 bytes of stack with their
 * callers: the deepest chains are entry -> handle_service, handle_forward
 * or host_delivery -> apply_policy, and entry -> handle_icmp_error -> drop.
 * docs/tc-datapath.md, "Stages".
 *
 * Replies and ICMP errors of a known connection pass without policy (the
 * policy is stateful). Every drop has a reason, a counter and an event.
 * Design and semantics: docs/tc-datapath.md, docs/policy.md.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "sluice/shared.h"
#include "sluice_kern/icmp_inner.h"
#include "sluice_kern/node/conntrack.h"
#include "sluice_kern/node/deliver.h"
#include "sluice_kern/node/maps.h"
#include "sluice_kern/node/nat.h"
#include "sluice_kern/node/policy_check.h"
#include "sluice_kern/node/service.h"
#include "sluice_kern/node/stage_ctx.h"
#include "sluice_kern/parse.h"
#include "sluice_kern/stage.h"

/* Enough linear bytes for every header we read, the quoted headers of an
 * ICMP error included (Ethernet, 2 VLAN tags, IPv6 + 4 extension headers
 * is beyond this: such packets are parsed as far as they are linear). */
#define HEADERS_WANTED 192

/* Parses the skb into *pkt, pulling headers into the linear part first
 * when they are not (GSO and paged skbs). ICMP echo ids stand in for ports
 * so pings are tracked like connections. Returns: 0 or a negative drop
 * reason. */
SLUICE_STAGE int parse_skb(struct __sk_buff *skb, struct sluice_pkt *pkt __arg_nonnull)
{
	__u32 want = skb->len < HEADERS_WANTED ? skb->len : HEADERS_WANTED;
	void *data, *data_end;
	int err;

	if (skb->data_end - skb->data < want)
		bpf_skb_pull_data(skb, want);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	err = parse_frame_len(data, data_end, skb->len, pkt);
	if (err)
		return err;
	if (pkt->flow.proto == IPPROTO_ICMP || pkt->flow.proto == IPPROTO_ICMPV6) {
		/* Verifier: bound the offset (parse_frame_len checked it). */
		struct icmphdr *ih = data + (pkt->l4_off & 0x3fff);

		if ((void *)(ih + 1) > data_end || pkt->frag == SLUICE_LATER_FRAGMENT)
			return 0;
		if (ih->type == ICMP_ECHO || ih->type == ICMP_ECHOREPLY ||
		    ih->type == ICMPV6_ECHO_REQUEST || ih->type == ICMPV6_ECHO_REPLY) {
			pkt->flow.sport = ih->un.echo.id;
			pkt->flow.dport = ih->un.echo.id;
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
static __always_inline int is_neighbour_discovery(const struct __sk_buff *skb,
						  const struct ctx *c)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
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
 * it and passes; towards the workload (to-endpoint) the quoted packet of a
 * service connection is reverse NATed. Returns: the verdict, or GO_ON when
 * the packet is no such error. Call through related_icmp_error. */
SLUICE_STAGE int handle_icmp_error(struct __sk_buff *skb, const struct ctx *c __arg_nonnull)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct sluice_flow_key quoted;
	struct sluice_ct_key k;
	struct sluice_ct_entry *e;
	int err;

	__builtin_memset(&quoted, 0, sizeof(quoted));
	err = icmp_error_flow(data, data_end, &c->pkt, &quoted);
	if (err <= 0)
		return GO_ON;
	/* An error goes to the sender of the packet it quotes (quoted.dst,
	 * the flow being reversed); anything else is judged like any packet,
	 * or a workload could smuggle ICMP past its egress policy. */
	if (!addr_equal(c->pkt.flow.dst, quoted.dst))
		return GO_ON;
	/* icmp_error_flow answers with the quoted packet reversed; reversing
	 * again gives the quoted packet as it was sent. */
	ct_key_reversed(&k, &quoted);
	e = bpf_map_lookup_elem(&conntrack, &k);
	if (e) {
		struct sluice_flow_key sent;

		node_count(SLUICE_NODE_CTR_CT_RELATED, c->pkt.len);
		if (c->direction == SLUICE_INGRESS && (e->flags & SLUICE_CT_NAT)) {
			__builtin_memcpy(sent.src, k.src, 16);
			__builtin_memcpy(sent.dst, k.dst, 16);
			sent.sport = k.sport;
			sent.dport = k.dport;
			if (rev_nat_icmp_error(skb, &c->pkt, &sent, e) < 0)
				return drop(skb, c, SLUICE_DROP_NAT_FAILED, 0);
			node_count(SLUICE_NODE_CTR_REV_NAT, c->pkt.len);
		}
		return pass(c);
	}
	ct_key_of(&k, &quoted, SLUICE_CT_CONN);
	if (bpf_map_lookup_elem(&conntrack, &k)) {
		node_count(SLUICE_NODE_CTR_CT_RELATED, c->pkt.len);
		return pass(c);
	}
	return GO_ON;
}

/* Returns: handle_icmp_error's answer; GO_ON without a call for a packet
 * that is not ICMP. */
static __always_inline int related_icmp_error(struct __sk_buff *skb, const struct ctx *c)
{
	if (c->pkt.flow.proto != IPPROTO_ICMP && c->pkt.flow.proto != IPPROTO_ICMPV6)
		return GO_ON;
	return handle_icmp_error(skb, c);
}

/* Returns: the connection entry the packet is a reply of, updated; NULL
 * when it is no reply. */
static __always_inline struct sluice_ct_entry *reply_entry(const struct ctx *c)
{
	struct sluice_ct_key k;
	struct sluice_ct_entry *e;

	ct_key_reversed(&k, &c->pkt.flow);
	e = bpf_map_lookup_elem(&conntrack, &k);
	if (!e)
		return NULL;
	node_count(SLUICE_NODE_CTR_CT_REPLY, c->pkt.len);
	ct_touch(e, &c->pkt, 1, c->now);
	return e;
}

/* A packet that is not a reply: policy for every packet (so a changed
 * policy applies to open connections too), then the connection table.
 * Returns: the verdict, or for from-endpoint's packet GO_ON: it goes on to
 * host delivery (*new_conn: the connection opens). */
SLUICE_STAGE int handle_forward(struct __sk_buff *skb, struct ctx *c __arg_nonnull,
				int *new_conn __arg_nonnull)
{
	struct sluice_ct_key k;
	struct sluice_ct_entry *e;
	__u32 rule_id = 0;
	int reason;

	ct_key_of(&k, &c->pkt.flow, SLUICE_CT_CONN);
	e = bpf_map_lookup_elem(&conntrack, &k);
	/* A connection is new to this endpoint at its SYN even when the
	 * client's side already made the entry. */
	*new_conn = !e || is_tcp_syn(&c->pkt);
	reason = policy_check(skb, c, &c->pkt.flow, *new_conn, &rule_id);
	if (reason)
		return drop(skb, c, reason, rule_id);
	if (e) {
		node_count(SLUICE_NODE_CTR_CT_FORWARD, c->pkt.len);
		ct_touch(e, &c->pkt, 0, c->now);
	} else {
		struct sluice_ct_entry fresh = {};

		ct_create(&k, &c->pkt, &fresh, c->now);
	}
	if (c->direction == SLUICE_EGRESS)
		return GO_ON;
	return pass(c);
}

/* Returns: whether the endpoint may send from this source address. IPv6
 * link-local and unspecified sources (neighbour discovery, DAD) always may. */
static __always_inline int source_is_endpoints(const struct ctx *c,
					       const struct sluice_endpoint *ep)
{
	const struct sluice_flow_key *f = &c->pkt.flow;

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

/* Looks up the interface's endpoint (*ep) and parses. Returns: GO_ON, or
 * the verdict. */
static __always_inline int enter(struct __sk_buff *skb, struct ctx *c, __u32 ctr,
				 struct sluice_endpoint **ep)
{
	__u32 ifindex = skb->ifindex;
	int err;

	*ep = bpf_map_lookup_elem(&endpoints, &ifindex);
	c->pkt.len = skb->len;
	if (!*ep) {
		node_count(SLUICE_NODE_CTR_NOT_ENDPOINT, skb->len);
		return pass(c);
	}
	set_endpoint(c, *ep);
	node_count(ctr, skb->len);
	err = parse_skb(skb, &c->pkt);
	if (err < 0)
		return drop(skb, c, -err, 0);
	if (c->pkt.eth_proto != ETH_P_IP && c->pkt.eth_proto != ETH_P_IPV6) {
		node_count(SLUICE_NODE_CTR_NON_IP, c->pkt.len);
		return pass(c);
	}
	if (is_neighbour_discovery(skb, c))
		return pass(c);
	c->now = bpf_ktime_get_coarse_ns();
	return GO_ON;
}

/* Returns: the service the workload's packet is for, NULL if none. */
static __always_inline struct sluice_service *service_of(const struct ctx *c)
{
	struct sluice_vip_key k = {};

	if (c->pkt.frag == SLUICE_LATER_FRAGMENT)
		return NULL;
	__builtin_memcpy(k.addr, c->pkt.flow.dst, sizeof(k.addr));
	k.port = c->pkt.flow.dport;
	k.proto = c->pkt.flow.proto;
	k.family = c->pkt.flow.family;
	return bpf_map_lookup_elem(&services, &k);
}

SEC("tc")
int sluice_from_endpoint(struct __sk_buff *skb)
{
	struct ctx c = { .direction = SLUICE_EGRESS };
	struct sluice_endpoint *ep;
	struct sluice_service *svc;
	struct sluice_ct_entry *e;
	int verdict, new_conn = 0;

	verdict = enter(skb, &c, SLUICE_NODE_CTR_FROM_ENDPOINT, &ep);
	if (verdict != GO_ON)
		return verdict;
	if (!source_is_endpoints(&c, ep))
		return drop(skb, &c, SLUICE_DROP_SOURCE_SPOOFED, 0);
	verdict = related_icmp_error(skb, &c);
	if (verdict != GO_ON)
		return verdict;
	svc = service_of(&c);
	if (svc) {
		struct service_conn sc = {};

		sc.created = pick_backend(&c, svc, &sc.backend_id);
		if (sc.created < 0)
			return refuse_connection(skb, &c);
		verdict = handle_service(skb, &c, svc, &sc);
		if (verdict != GO_ON)
			return verdict;
		return deliver_to_endpoint(skb, &c, &sc.translated, NULL, sc.new_conn);
	}
	e = reply_entry(&c);
	if (e)
		return deliver_to_endpoint(skb, &c, &c.pkt.flow, e, 0);
	verdict = handle_forward(skb, &c, &new_conn);
	if (verdict != GO_ON)
		return verdict;
	return deliver_to_endpoint(skb, &c, &c.pkt.flow, NULL, new_conn);
}

SEC("tc")
int sluice_to_endpoint(struct __sk_buff *skb)
{
	struct ctx c = { .direction = SLUICE_INGRESS };
	struct sluice_endpoint *ep;
	struct sluice_ct_entry *e;
	int verdict, new_conn = 0;

	/* Our own ICMP reject, sent back to the workload that asked. */
	if (skb->mark == SLUICE_MARK_REJECT) {
		c.pkt.len = skb->len;
		return pass(&c);
	}
	verdict = enter(skb, &c, SLUICE_NODE_CTR_TO_ENDPOINT, &ep);
	if (verdict != GO_ON)
		return verdict;
	verdict = related_icmp_error(skb, &c);
	if (verdict != GO_ON)
		return verdict;
	e = reply_entry(&c);
	if (e) {
		/* To the client: the service's address again. */
		if (e->flags & SLUICE_CT_NAT) {
			if (rev_nat(skb, &c.pkt, e) < 0)
				return drop(skb, &c, SLUICE_DROP_NAT_FAILED, 0);
			node_count(SLUICE_NODE_CTR_REV_NAT, c.pkt.len);
		}
		return pass(&c);
	}
	return handle_forward(skb, &c, &new_conn);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
