/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Kernel side only. ICMP errors about a load-balanced flow (fragmentation
 * needed, packet too big, unreachable) arrive at the LB addressed to the VIP:
 * some router answered a packet the real sent from the VIP to the client.
 * The embedded header is that reply; reversing it gives the client's flow,
 * so the error reaches the same backend as the flow (PMTU discovery works).
 */
#ifndef SLUICE_KERN_ICMP_INNER_H
#define SLUICE_KERN_ICMP_INNER_H

#include <linux/icmp.h>
#include <linux/icmpv6.h>

#include "sluice_kern/parse.h"

/* Ports of the embedded transport header: RFC 792 guarantees 8 bytes. */
struct l4_ports {
	__be16 source;
	__be16 dest;
};

static __always_inline int is_icmp_error_v4(__u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED;
}

static __always_inline int is_icmp_error_v6(__u8 type)
{
	return type == ICMPV6_DEST_UNREACH || type == ICMPV6_PKT_TOOBIG ||
	       type == ICMPV6_TIME_EXCEED;
}

/* Fills *flow with the client's flow the ICMP error is about.
 * Returns: 1 when the packet is such an error, 0 when it is not (a later
 * fragment, whose bytes are no ICMP header; a quoted packet of another IP
 * version, or a later fragment, which has no ports), or
 * -SLUICE_DROP_MALFORMED_L4 when the embedded headers are truncated (by the
 * frame or by the IP length: bytes after it are padding, not the quote). */
static __always_inline int icmp_error_flow(void *data, void *data_end,
					   const struct sluice_pkt *p,
					   struct sluice_flow_key *flow)
{
	/* Verifier: a packet offset must stay below 64 KiB including the
	 * header read, so bound it by a mask (l4_off < 16 KiB always holds:
	 * parse_frame checked it lies inside the frame). */
	struct icmphdr *ih = data + (p->l4_off & 0x3fff);
	struct l4_ports *ports;
	__u32 quoted_len;

	if (p->frag == SLUICE_LATER_FRAGMENT)
		return 0;
	if ((void *)(ih + 1) > data_end)
		return -SLUICE_DROP_MALFORMED_L4;

	if (p->flow.family == SLUICE_FAMILY_V4) {
		struct iphdr *inner = (void *)(ih + 1);

		if (p->flow.proto != IPPROTO_ICMP || !is_icmp_error_v4(ih->type))
			return 0;
		if ((void *)(inner + 1) > data_end || inner->ihl < 5)
			return -SLUICE_DROP_MALFORMED_L4;
		if (inner->version != 4 ||
		    (inner->frag_off & bpf_htons(IPV4_FRAG_OFFSET_MASK)))
			return 0;
		ports = (void *)inner + inner->ihl * 4;
		if ((void *)(ports + 1) > data_end)
			return -SLUICE_DROP_MALFORMED_L4;
		quoted_len = sizeof(*ih) + inner->ihl * 4 + sizeof(*ports);
		flow->family = SLUICE_FAMILY_V4;
		flow->proto = inner->protocol;
		flow->src[0] = inner->daddr;
		flow->dst[0] = inner->saddr;
	} else {
		struct ipv6hdr *inner = (void *)(ih + 1);

		if (p->flow.proto != IPPROTO_ICMPV6 || !is_icmp_error_v6(ih->type))
			return 0;
		/* Extension headers in the embedded packet are not followed:
		 * the real sends plain TCP/UDP replies. */
		ports = (void *)(inner + 1);
		if ((void *)(ports + 1) > data_end)
			return -SLUICE_DROP_MALFORMED_L4;
		if (inner->version != 6)
			return 0;
		quoted_len = sizeof(*ih) + sizeof(*inner) + sizeof(*ports);
		flow->family = SLUICE_FAMILY_V6;
		flow->proto = inner->nexthdr;
		__builtin_memcpy(flow->src, &inner->daddr, 16);
		__builtin_memcpy(flow->dst, &inner->saddr, 16);
	}
	if (!l4_inside_ip(p, quoted_len))
		return -SLUICE_DROP_MALFORMED_L4;
	flow->sport = ports->dest;
	flow->dport = ports->source;
	return 1;
}

#endif /* SLUICE_KERN_ICMP_INNER_H */
