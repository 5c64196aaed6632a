/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Kernel side only. A new connection to a service without a backend is
 * refused at once rather than black-holed: the packet is turned into an ICMP
 * port unreachable (ICMPv6 port unreachable) from the service address and
 * sent back to the workload, whose TCP connect fails with ECONNREFUSED and
 * whose UDP socket sees the error. The reply quotes the IP header and the
 * first 8 bytes of the transport header, all a socket needs to match it.
 */
#ifndef SLUICE_KERN_NODE_REJECT_H
#define SLUICE_KERN_NODE_REJECT_H

#include <linux/pkt_cls.h>

#include "sluice_kern/csum.h"
#include "sluice_kern/parse.h"

#define REJECT_QUOTED_L4 8

struct reject_v4 {
	struct iphdr ip;
	struct icmphdr icmp;
	__u8 quote[sizeof(struct iphdr) + REJECT_QUOTED_L4];
};

struct reject_v6 {
	struct ipv6hdr ip;
	struct icmp6hdr icmp;
	__u8 quote[sizeof(struct ipv6hdr) + REJECT_QUOTED_L4];
};

/* The ICMPv6 pseudo header's length and next-header words. */
struct icmp6_pseudo_tail {
	__be32 len;
	__be32 nexthdr;
};

/* Swaps the Ethernet addresses: the frame goes back where it came from. */
static __always_inline int reject_swap_macs(struct __sk_buff *skb)
{
	__u8 macs[12], swapped[12];

	if (bpf_skb_load_bytes(skb, 0, macs, sizeof(macs)))
		return -1;
	__builtin_memcpy(swapped, macs + 6, 6);
	__builtin_memcpy(swapped + 6, macs, 6);
	return bpf_skb_store_bytes(skb, 0, swapped, sizeof(swapped), 0);
}

static __always_inline int build_reject_v4(struct __sk_buff *skb,
					   const struct sluice_pkt *p)
{
	struct reject_v4 r = {};

	if (bpf_skb_load_bytes(skb, p->l3_off, r.quote, sizeof(r.quote)))
		return -1;
	if (bpf_skb_change_tail(skb, p->l3_off + sizeof(r), 0))
		return -1;
	r.ip.version = 4;
	r.ip.ihl = 5;
	r.ip.ttl = 64;
	r.ip.protocol = IPPROTO_ICMP;
	r.ip.tot_len = bpf_htons(sizeof(r));
	r.ip.saddr = p->flow.dst[0];
	r.ip.daddr = p->flow.src[0];
	r.ip.check = ipv4_header_csum(&r.ip);
	r.icmp.type = ICMP_DEST_UNREACH;
	r.icmp.code = ICMP_PORT_UNREACH;
	r.icmp.checksum = csum_fold32(bpf_csum_diff(NULL, 0, (__be32 *)&r.icmp,
						    sizeof(r) - sizeof(r.ip), 0));
	return bpf_skb_store_bytes(skb, p->l3_off, &r, sizeof(r), 0);
}

static __always_inline int build_reject_v6(struct __sk_buff *skb,
					   const struct sluice_pkt *p)
{
	struct reject_v6 r = {};
	struct icmp6_pseudo_tail tail = {
		.len = bpf_htonl(sizeof(r) - sizeof(r.ip)),
		.nexthdr = bpf_htonl(IPPROTO_ICMPV6),
	};
	__s64 sum;

	if (bpf_skb_load_bytes(skb, p->l3_off, r.quote, sizeof(r.quote)))
		return -1;
	if (bpf_skb_change_tail(skb, p->l3_off + sizeof(r), 0))
		return -1;
	r.ip.version = 6;
	r.ip.nexthdr = IPPROTO_ICMPV6;
	r.ip.hop_limit = 64;
	r.ip.payload_len = bpf_htons(sizeof(r) - sizeof(r.ip));
	__builtin_memcpy(&r.ip.saddr, p->flow.dst, 16);
	__builtin_memcpy(&r.ip.daddr, p->flow.src, 16);
	r.icmp.icmp6_type = ICMPV6_DEST_UNREACH;
	r.icmp.icmp6_code = ICMPV6_PORT_UNREACH;
	sum = bpf_csum_diff(NULL, 0, (__be32 *)&r.ip.saddr, 32, 0);
	sum = bpf_csum_diff(NULL, 0, (__be32 *)&tail, sizeof(tail), sum);
	sum = bpf_csum_diff(NULL, 0, (__be32 *)&r.icmp, sizeof(r) - sizeof(r.ip), sum);
	r.icmp.icmp6_cksum = csum_fold32(sum);
	return bpf_skb_store_bytes(skb, p->l3_off, &r, sizeof(r), 0);
}

/* Turns the packet into the ICMP error and sends it back out of the
 * interface it came in on (towards the workload). Only option-free headers
 * are quoted: the caller drops other packets instead. Returns: a tc action,
 * or -1 when the packet could not be rewritten (drop it). */
static __always_inline int send_reject(struct __sk_buff *skb,
				       const struct sluice_pkt *p)
{
	int err;

	if (p->ip_options)
		return -1;
	if (p->flow.family == SLUICE_FAMILY_V4)
		err = build_reject_v4(skb, p);
	else
		err = build_reject_v6(skb, p);
	if (err || reject_swap_macs(skb))
		return -1;
	skb->mark = SLUICE_MARK_REJECT;
	return bpf_redirect(skb->ifindex, 0);
}

#endif /* SLUICE_KERN_NODE_REJECT_H */
