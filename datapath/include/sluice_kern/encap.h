/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Kernel side only. Encapsulation of a packet to its backend: IPv4 in IPv4,
 * IPv6 in IPv6, IPv4 in IPv6. The L2 header (with its VLAN tags) moves to
 * the new front, its addresses become (our MAC -> next hop), and the outer
 * IP header goes between it and the original IP packet.
 */
#ifndef SLUICE_KERN_ENCAP_H
#define SLUICE_KERN_ENCAP_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "sluice/shared.h"
#include "sluice_kern/csum.h"
#include "sluice_kern/parse.h"

#define SLUICE_L2_MAX (sizeof(struct ethhdr) + \
		       SLUICE_VLAN_MAX_DEPTH * sizeof(struct vlan_hdr))
#define SLUICE_ENCAP_TTL 64

/* Returns: the bytes of outer header the backend's family needs. */
static __always_inline __u32 encap_len(const struct sluice_backend *b)
{
	return b->family == SLUICE_FAMILY_V6 ? sizeof(struct ipv6hdr) :
					       sizeof(struct iphdr);
}

static __always_inline void fill_outer_v4(struct iphdr *o,
					  const struct sluice_pkt *p,
					  const struct sluice_backend *b,
					  const struct sluice_config *cfg,
					  __u32 hash)
{
	o->version = 4;
	o->ihl = 5;
	o->tos = 0;
	o->tot_len = bpf_htons(p->ip_len + sizeof(*o));
	o->id = 0;
	o->frag_off = 0;
	o->ttl = SLUICE_ENCAP_TTL;
	o->protocol = IPPROTO_IPIP;
	o->check = 0;
	o->saddr = cfg->encap_src_v4 |
		   bpf_htonl(hash & cfg->encap_src_v4_host_mask);
	o->daddr = b->addr[0];
	o->check = ipv4_header_csum(o);
}

static __always_inline void fill_outer_v6(struct ipv6hdr *o,
					  const struct sluice_pkt *p,
					  const struct sluice_backend *b,
					  const struct sluice_config *cfg,
					  __u32 hash)
{
	__be32 *src = (__be32 *)&o->saddr;

	o->version = 6;
	o->priority = 0;
	/* The flow label carries the hash too: ECMP and RSS on the way. */
	o->flow_lbl[0] = (hash >> 16) & 0x0f;
	o->flow_lbl[1] = hash >> 8;
	o->flow_lbl[2] = hash;
	o->payload_len = bpf_htons(p->ip_len);
	o->nexthdr = p->flow.family == SLUICE_FAMILY_V6 ? IPPROTO_IPV6 :
							  IPPROTO_IPIP;
	o->hop_limit = SLUICE_ENCAP_TTL;
	src[0] = cfg->encap_src_v6[0];
	src[1] = cfg->encap_src_v6[1];
	src[2] = cfg->encap_src_v6[2];
	src[3] = cfg->encap_src_v6[3] |
		 bpf_htonl(hash & cfg->encap_src_v6_host_mask);
	__builtin_memcpy(&o->daddr, b->addr, 16);
}

/* Grows the packet at the front and writes L2 + outer IP.
 * Returns: 0, or -SLUICE_DROP_ENCAP_FAILED. */
static __always_inline int encapsulate(struct xdp_md *ctx,
				       const struct sluice_pkt *p,
				       const struct sluice_backend *b,
				       const struct sluice_config *cfg,
				       __u32 hash)
{
	__u8 l2[SLUICE_L2_MAX];
	__u32 outer_len = encap_len(b);
	__u32 l2_len = p->l3_off, tag_bytes;
	void *data, *data_end;
	struct ethhdr *eth;
	__be16 *proto;

	/* Save the old L2 header before it is overwritten: old and new overlap
	 * when VLAN tags make it longer than the outer IP header. */
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + SLUICE_L2_MAX > data_end || l2_len > SLUICE_L2_MAX)
		return -SLUICE_DROP_ENCAP_FAILED;
	__builtin_memcpy(l2, data, SLUICE_L2_MAX);

	if (bpf_xdp_adjust_head(ctx, -(int)outer_len))
		return -SLUICE_DROP_ENCAP_FAILED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + SLUICE_L2_MAX + sizeof(struct ipv6hdr) > data_end)
		return -SLUICE_DROP_ENCAP_FAILED;

	/* Copy the L2 header in its exact length (constant sizes keep the
	 * verifier's bounds simple). */
	if (l2_len == sizeof(struct ethhdr))
		__builtin_memcpy(data, l2, sizeof(struct ethhdr));
	else if (l2_len == sizeof(struct ethhdr) + sizeof(struct vlan_hdr))
		__builtin_memcpy(data, l2, sizeof(struct ethhdr) + sizeof(struct vlan_hdr));
	else
		__builtin_memcpy(data, l2, SLUICE_L2_MAX);

	eth = data;
	__builtin_memcpy(eth->h_source, l2, ETH_ALEN);  /* old destination: us */
	__builtin_memcpy(eth->h_dest, b->next_hop_mac, ETH_ALEN);

	/* The EtherType is the last field of the L2 header: after the MACs
	 * and any VLAN tags. An unsigned tag_bytes bounded above keeps the
	 * verifier from seeing a negative offset. */
	tag_bytes = l2_len - sizeof(struct ethhdr);
	if (tag_bytes > SLUICE_VLAN_MAX_DEPTH * sizeof(struct vlan_hdr))
		return -SLUICE_DROP_ENCAP_FAILED;
	proto = data + 2 * ETH_ALEN + tag_bytes;
	if ((void *)(proto + 1) > data_end)
		return -SLUICE_DROP_ENCAP_FAILED;
	if (b->family == SLUICE_FAMILY_V6) {
		struct ipv6hdr *o = (void *)(proto + 1);

		if ((void *)(o + 1) > data_end)
			return -SLUICE_DROP_ENCAP_FAILED;
		*proto = bpf_htons(ETH_P_IPV6);
		fill_outer_v6(o, p, b, cfg, hash);
	} else {
		struct iphdr *o = (void *)(proto + 1);

		if ((void *)(o + 1) > data_end)
			return -SLUICE_DROP_ENCAP_FAILED;
		*proto = bpf_htons(ETH_P_IP);
		fill_outer_v4(o, p, b, cfg, hash);
	}
	return 0;
}

#endif /* SLUICE_KERN_ENCAP_H */
