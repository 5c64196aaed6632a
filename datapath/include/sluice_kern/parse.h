/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Kernel side only. Packet parsing as a cursor over [data, data_end): each
 * helper checks bounds before it reads, advances the cursor and returns the
 * next protocol, or a drop reason when the packet is malformed. The result is
 * a struct sluice_pkt holding offsets (they survive bpf_xdp_adjust_head) and
 * the flow's addresses and ports.
 */
#ifndef SLUICE_KERN_PARSE_H
#define SLUICE_KERN_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "sluice/shared.h"

#define SLUICE_VLAN_MAX_DEPTH 2
#define SLUICE_IPV6_EXT_MAX 4

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#define IPV4_FRAG_OFFSET_MASK 0x1fff
#define IPV4_MORE_FRAGMENTS 0x2000

/* IPv6 fragment header (RFC 8200 4.5); the uapi headers do not export it. */
struct ipv6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;        /* offset << 3 | M flag */
	__be32 identification;
};

struct vlan_hdr {
	__be16 tci;
	__be16 encapsulated_proto;
};

enum sluice_frag {
	SLUICE_NOT_FRAGMENT = 0,
	SLUICE_FIRST_FRAGMENT,   /* carries the L4 header */
	SLUICE_LATER_FRAGMENT,   /* no L4 header */
};

/* What sluice_pkt.ip_options says (bits, so it stays a truth value for
 * "options or extension headers seen"; a byte of its own would overflow
 * the node datapath's 512-byte stack). */
enum sluice_ip_options {
	SLUICE_IP_OPTIONS = 1,     /* IPv4 options or IPv6 extension headers */
	/* An IPv6 routing header with segments left: the transport checksum's
	 * pseudo-header holds the final destination, not the header's. */
	SLUICE_IPV6_ROUTED = 2,
};

struct sluice_pkt {
	__u32 len;             /* frame length */
	__u16 eth_proto;       /* host order, after VLAN tags */
	__u16 l3_off;
	__u16 l4_off;
	__u16 ip_len;          /* IP header + payload, from the IP header */
	__u8 frag;             /* enum sluice_frag */
	__u8 ip_options;       /* enum sluice_ip_options bits */
	__u8 vlan;
	__u8 tcp_flags;
	struct sluice_flow_key flow;
};

/* Headers are read from [pos, end): the linear data. The IP lengths are
 * checked against frame_len, the whole packet: in tc, an skb's payload may
 * lie beyond the linear part (GSO, paged data). In XDP the two agree. */
struct cursor {
	void *start;
	void *pos;
	void *end;
	__u32 frame_len;
};

static __always_inline int beyond_frame(const struct cursor *c, __u32 len)
{
	return (__u32)(c->pos - c->start) + len > c->frame_len;
}

/* Returns: the EtherType (host order) after up to SLUICE_VLAN_MAX_DEPTH
 * tags, or -SLUICE_DROP_MALFORMED_L2. */
static __always_inline int parse_eth(struct cursor *c, struct sluice_pkt *p)
{
	struct ethhdr *eth = c->pos;
	__u16 proto;

	if ((void *)(eth + 1) > c->end)
		return -SLUICE_DROP_MALFORMED_L2;
	c->pos = eth + 1;
	proto = bpf_ntohs(eth->h_proto);

#pragma unroll
	for (int i = 0; i < SLUICE_VLAN_MAX_DEPTH; i++) {
		struct vlan_hdr *vh = c->pos;

		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		if ((void *)(vh + 1) > c->end)
			return -SLUICE_DROP_MALFORMED_L2;
		p->vlan = 1;
		proto = bpf_ntohs(vh->encapsulated_proto);
		c->pos = vh + 1;
	}
	return proto;
}

/* Returns: the IP protocol, or -SLUICE_DROP_MALFORMED_L3 when the header is
 * truncated, has ihl < 5, or claims more bytes than the frame holds. */
static __always_inline int parse_ipv4(struct cursor *c, struct sluice_pkt *p)
{
	struct iphdr *iph = c->pos;
	__u32 hdr_len, tot_len;
	__u16 frag;

	if ((void *)(iph + 1) > c->end)
		return -SLUICE_DROP_MALFORMED_L3;
	hdr_len = iph->ihl * 4;
	tot_len = bpf_ntohs(iph->tot_len);
	if (iph->version != 4 || hdr_len < sizeof(*iph) || tot_len < hdr_len)
		return -SLUICE_DROP_MALFORMED_L3;
	if (beyond_frame(c, tot_len))
		return -SLUICE_DROP_MALFORMED_L3;

	p->ip_len = tot_len;
	p->ip_options = hdr_len > sizeof(*iph);
	frag = bpf_ntohs(iph->frag_off);
	if (frag & IPV4_FRAG_OFFSET_MASK)
		p->frag = SLUICE_LATER_FRAGMENT;
	else if (frag & IPV4_MORE_FRAGMENTS)
		p->frag = SLUICE_FIRST_FRAGMENT;

	p->flow.family = SLUICE_FAMILY_V4;
	p->flow.proto = iph->protocol;
	p->flow.src[0] = iph->saddr;
	p->flow.dst[0] = iph->daddr;
	c->pos += hdr_len;
	return iph->protocol;
}

/* Returns: the upper-layer protocol after skipping up to SLUICE_IPV6_EXT_MAX
 * extension headers, or -SLUICE_DROP_MALFORMED_L3 when the header is
 * truncated, claims more bytes than the frame holds, or its extension chain
 * runs past its payload length. A chain longer than SLUICE_IPV6_EXT_MAX is
 * reported as protocol IPPROTO_NONE (passed, never treated as L4). */
static __always_inline int parse_ipv6(struct cursor *c, struct sluice_pkt *p)
{
	struct ipv6hdr *ip6h = c->pos;
	__u32 ip_len;
	__u8 next;

	if ((void *)(ip6h + 1) > c->end)
		return -SLUICE_DROP_MALFORMED_L3;
	ip_len = sizeof(*ip6h) + bpf_ntohs(ip6h->payload_len);
	if (ip6h->version != 6 || beyond_frame(c, ip_len))
		return -SLUICE_DROP_MALFORMED_L3;

	p->ip_len = ip_len;
	p->flow.family = SLUICE_FAMILY_V6;
	__builtin_memcpy(p->flow.src, &ip6h->saddr, 16);
	__builtin_memcpy(p->flow.dst, &ip6h->daddr, 16);
	c->pos = ip6h + 1;
	next = ip6h->nexthdr;

#pragma unroll
	for (int i = 0; i < SLUICE_IPV6_EXT_MAX; i++) {
		struct ipv6_opt_hdr *eh = c->pos;
		struct ipv6_frag_hdr *fh = c->pos;
		struct ipv6_rt_hdr *rh = c->pos;

		switch (next) {
		case IPPROTO_ROUTING:
			if ((void *)(rh + 1) > c->end)
				return -SLUICE_DROP_MALFORMED_L3;
			if (rh->segments_left)
				p->ip_options |= SLUICE_IPV6_ROUTED;
			/* fall through: skipped like the other options */
		case IPPROTO_HOPOPTS:
		case IPPROTO_DSTOPTS:
			if ((void *)(eh + 1) > c->end)
				return -SLUICE_DROP_MALFORMED_L3;
			p->ip_options |= SLUICE_IP_OPTIONS;
			next = eh->nexthdr;
			c->pos += (eh->hdrlen + 1) * 8;
			break;
		case IPPROTO_FRAGMENT:
			if ((void *)(fh + 1) > c->end)
				return -SLUICE_DROP_MALFORMED_L3;
			p->ip_options |= SLUICE_IP_OPTIONS;
			p->frag = (bpf_ntohs(fh->frag_off) & ~0x7) ?
				  SLUICE_LATER_FRAGMENT : SLUICE_FIRST_FRAGMENT;
			next = fh->nexthdr;
			c->pos = fh + 1;
			break;
		default:
			goto done;
		}
	}
	/* SLUICE_IPV6_EXT_MAX headers skipped. If yet another extension header
	 * follows, the chain is longer than we follow: say so rather than
	 * guess. (A chain of exactly SLUICE_IPV6_EXT_MAX ends in L4.) */
	if (next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING ||
	    next == IPPROTO_DSTOPTS || next == IPPROTO_FRAGMENT)
		next = IPPROTO_NONE;
done:
	if (c->pos > c->end)
		return -SLUICE_DROP_MALFORMED_L3;
	/* The chain (so the L4 header's start) lies inside the packet the
	 * payload length gives, not merely inside the frame: bytes after the
	 * packet (Ethernet padding, junk) are no extension header. */
	if ((__u32)(c->pos - (void *)ip6h) > ip_len)
		return -SLUICE_DROP_MALFORMED_L3;
	p->flow.proto = next;
	return next;
}

/* Returns: whether two addresses (four words, IPv4 in word 0) are equal. */
static __always_inline int addr_equal(const __be32 *a, const __be32 *b)
{
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])) == 0;
}

/* Returns: whether `len` bytes from the L4 offset lie inside the IP packet,
 * not only inside the frame (which may carry Ethernet padding after it).
 * Scalar offsets: the verifier needs the pointer checks against c->end too. */
static __always_inline int l4_inside_ip(const struct sluice_pkt *p, __u32 len)
{
	return (__u32)p->l4_off + len <= (__u32)p->l3_off + p->ip_len;
}

/* Parses the L4 header of TCP, UDP, ICMP and ICMPv6 and records the ports.
 * Returns: 0, or -SLUICE_DROP_MALFORMED_L4 when the header is truncated
 * (by the frame or by the IP length). Other protocols and later fragments
 * have no L4 header to check. */
static __always_inline int parse_l4(struct cursor *c, struct sluice_pkt *p,
				    int proto)
{
	if (p->frag == SLUICE_LATER_FRAGMENT)
		return 0;

	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = c->pos;

		if ((void *)(th + 1) > c->end || th->doff < 5 ||
		    c->pos + th->doff * 4 > c->end ||
		    !l4_inside_ip(p, th->doff * 4))
			return -SLUICE_DROP_MALFORMED_L4;
		p->flow.sport = th->source;
		p->flow.dport = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *uh = c->pos;

		if ((void *)(uh + 1) > c->end || !l4_inside_ip(p, sizeof(*uh)))
			return -SLUICE_DROP_MALFORMED_L4;
		p->flow.sport = uh->source;
		p->flow.dport = uh->dest;
	} else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		struct icmphdr *ih = c->pos;

		/* ICMP and ICMPv6 headers share this 8-byte layout. */
		if ((void *)(ih + 1) > c->end || !l4_inside_ip(p, sizeof(*ih)))
			return -SLUICE_DROP_MALFORMED_L4;
	}
	return 0;
}

/* Parses a frame of frame_len bytes, whose headers are in [data, data_end),
 * from L2 to L4 into *p.
 * Returns: 0 for a parsed frame (IP or not), or -reason for a malformed one. */
static __always_inline int parse_frame_len(void *data, void *data_end,
					   __u32 frame_len, struct sluice_pkt *p)
{
	struct cursor c = {
		.start = data, .pos = data, .end = data_end, .frame_len = frame_len,
	};
	int proto;

	p->len = frame_len;
	proto = parse_eth(&c, p);
	if (proto < 0)
		return proto;
	p->eth_proto = proto;
	p->l3_off = c.pos - data;

	if (proto == ETH_P_IP)
		proto = parse_ipv4(&c, p);
	else if (proto == ETH_P_IPV6)
		proto = parse_ipv6(&c, p);
	else
		return 0;
	if (proto < 0)
		return proto;
	p->l4_off = c.pos - data;
	return parse_l4(&c, p, proto);
}

/* A frame all in [data, data_end) (XDP). */
static __always_inline int parse_frame(void *data, void *data_end,
				       struct sluice_pkt *p)
{
	return parse_frame_len(data, data_end, data_end - data, p);
}

#endif /* SLUICE_KERN_PARSE_H */
