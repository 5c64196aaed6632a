// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The XDP load balancer.
 *
 *   parse -> ARP blacklist -> source-prefix blacklist -> VIP?
 *     VIP:     connection table hit ? same backend : Maglev(VIP, flow)
 *              -> encapsulate -> XDP_TX
 *     not VIP: XDP_PASS
 *
 * Every packet gets a defined verdict and leaves through one counting exit:
 * malformed ones drop with a reason, non-VIP traffic passes untouched.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "sluice/shared.h"
#include "sluice_kern/counters.h"
#include "sluice_kern/encap.h"
#include "sluice_kern/hash.h"
#include "sluice_kern/icmp_inner.h"
#include "sluice_kern/lb_maps.h"
#include "sluice_kern/parse.h"

/* ARP for IPv4 over Ethernet. Our own struct: <linux/if_arp.h> needs
 * struct sockaddr from libc, and its arphdr stops before the addresses. */
struct arp_hdr {
	__be16 ar_hrd;
	__be16 ar_pro;
	__u8 ar_hln;
	__u8 ar_pln;
	__be16 ar_op;
};

struct arp_ipv4 {
	struct arp_hdr hdr;
	__u8 sender_mac[ETH_ALEN];
	__be32 sender_ip;
	__u8 target_mac[ETH_ALEN];
	__be32 target_ip;
} __attribute__((packed));

static __always_inline void count_classes(const struct sluice_pkt *p)
{
	if (p->vlan)
		count(SLUICE_CTR_VLAN, p->len);
	switch (p->eth_proto) {
	case ETH_P_ARP:
		count(SLUICE_CTR_ARP, p->len);
		return;
	case ETH_P_IP:
		count(SLUICE_CTR_IPV4, p->len);
		if (p->ip_options)
			count(SLUICE_CTR_IPV4_OPTIONS, p->len);
		break;
	case ETH_P_IPV6:
		count(SLUICE_CTR_IPV6, p->len);
		if (p->ip_options)
			count(SLUICE_CTR_IPV6_EXT_HEADERS, p->len);
		break;
	default:
		count(SLUICE_CTR_L3_OTHER, p->len);
		return;
	}
	if (p->frag)
		count(SLUICE_CTR_IP_FRAGMENT, p->len);
	switch (p->flow.proto) {
	case IPPROTO_TCP:
		count(SLUICE_CTR_TCP, p->len);
		break;
	case IPPROTO_UDP:
		count(SLUICE_CTR_UDP, p->len);
		break;
	case IPPROTO_ICMP:
		count(SLUICE_CTR_ICMP, p->len);
		break;
	case IPPROTO_ICMPV6:
		count(SLUICE_CTR_ICMPV6, p->len);
		break;
	default:
		count(SLUICE_CTR_L4_OTHER, p->len);
	}
}

/* Returns: an XDP verdict for an ARP packet. */
static __always_inline int handle_arp(void *data, void *data_end,
				      const struct sluice_pkt *p, __u32 gen)
{
	struct arp_hdr *hdr = data + (p->l3_off & 0x1f);
	struct arp_ipv4 *arp = (void *)hdr;
	void *table;

	if ((void *)(hdr + 1) > data_end)
		return xdp_drop(SLUICE_DROP_MALFORMED_ARP, p->len);
	/* ARP for anything but IPv4 over Ethernet is none of our business. */
	if (hdr->ar_hln != ETH_ALEN || hdr->ar_pln != 4)
		return xdp_exit(XDP_PASS, p->len);
	if ((void *)(arp + 1) > data_end)
		return xdp_drop(SLUICE_DROP_MALFORMED_ARP, p->len);
	table = current_table(&arp_blacklist_outer, gen);
	if (table && bpf_map_lookup_elem(table, &arp->sender_ip))
		return xdp_drop(SLUICE_DROP_ARP_BLACKLIST, p->len);
	return xdp_exit(XDP_PASS, p->len);
}

/* Returns: 1 when the packet's source is in a blacklisted prefix. */
static __always_inline int source_blacklisted(const struct sluice_pkt *p,
					      __u32 gen)
{
	void *table;

	if (p->flow.family == SLUICE_FAMILY_V4) {
		__u32 addr = bpf_ntohl(p->flow.src[0]);
		__u32 slot = addr >> 16, block = addr >> 8;
		__u32 in_slot = block & 0xff, host = addr & 0xff;
		struct sluice_v4_leaf *leaf;
		struct sluice_v4_top *top;

		table = current_table(&src_v4_top_outer, gen);
		top = table ? bpf_map_lookup_elem(table, &slot) : NULL;
		if (!top || top->state == SLUICE_V4_TOP_NONE)
			return 0;
		if (top->state == SLUICE_V4_TOP_ALL)
			return 1;
		if (!((top->blocks[in_slot >> 6] >> (in_slot & 63)) & 1))
			return 0;
		table = current_table(&src_v4_leaves_outer, gen);
		leaf = table ? bpf_map_lookup_elem(table, &block) : NULL;
		return leaf && ((leaf->hosts[host >> 6] >> (host & 63)) & 1);
	} else {
		struct sluice_lpm_v6_key k = { .prefixlen = 128 };

		__builtin_memcpy(k.addr, p->flow.src, 16);
		table = current_table(&src_blacklist_v6_outer, gen);
		return table && bpf_map_lookup_elem(table, &k);
	}
}

/* Returns: the VIP serving (dst, dport, proto), exact port first, then the
 * VIP's every-port entry; NULL when the packet is not for a VIP. */
static __always_inline struct sluice_vip_meta *
find_vip(const struct sluice_flow_key *f, __u32 gen)
{
	struct sluice_vip_key k = { .port = f->dport, .proto = f->proto,
				    .family = f->family };
	struct sluice_vip_meta *vip;
	void *table;

	table = current_table(&vips_outer, gen);
	if (!table)
		return NULL;
	__builtin_memcpy(k.addr, f->dst, 16);
	vip = bpf_map_lookup_elem(table, &k);
	if (vip)
		return vip;
	k.port = 0;
	return bpf_map_lookup_elem(table, &k);
}

/* Returns: 1 when some VIP lives on the destination address (its marker). */
static __always_inline int is_vip_address(const struct sluice_flow_key *f, __u32 gen)
{
	struct sluice_vip_key k = { .family = f->family };
	void *table = current_table(&vips_outer, gen);

	__builtin_memcpy(k.addr, f->dst, 16);
	return table && bpf_map_lookup_elem(table, &k);
}

/* Returns: the live backend the Maglev table names for `hash`, or NULL. */
static __always_inline struct sluice_backend *
maglev_pick(const struct sluice_vip_meta *vip, __u32 hash, __u32 *backend_id)
{
	__u32 index, *id;

	if (!vip->ring_size)
		return NULL;
	index = vip->ring_offset + hash % vip->ring_size;
	id = bpf_map_lookup_elem(&ring_pool, &index);
	if (!id || *id == SLUICE_NO_BACKEND)
		return NULL;
	*backend_id = *id;
	return bpf_map_lookup_elem(&backends, id);
}

/* Returns: the backend for the flow: the connection table's when the entry
 * names a live backend, otherwise Maglev's choice (recorded unless
 * `lookup_only`). NULL when the VIP has no backend to give. */
static __always_inline struct sluice_backend *
choose_backend(const struct sluice_flow_key *flow,
	       const struct sluice_vip_meta *vip, __u32 hash, int lookup_only,
	       __u32 *backend_id)
{
	struct sluice_flow_state *st, fresh = {};
	struct sluice_backend *b;

	st = bpf_map_lookup_elem(&conntrack, flow);
	if (st) {
		b = bpf_map_lookup_elem(&backends, &st->backend_id);
		if (b && (b->flags & SLUICE_BACKEND_LIVE)) {
			count(SLUICE_CTR_CT_HIT, 0);
			*backend_id = st->backend_id;
			return b;
		}
		count(SLUICE_CTR_CT_STALE, 0);
	} else {
		count(SLUICE_CTR_CT_MISS, 0);
	}

	b = maglev_pick(vip, hash, backend_id);
	if (!b || !(b->flags & SLUICE_BACKEND_LIVE))
		return NULL;
	if (!lookup_only) {
		fresh.backend_id = *backend_id;
		bpf_map_update_elem(&conntrack, flow, &fresh, BPF_ANY);
	}
	return b;
}

/* Returns: the verdict for a packet to a VIP (or an ICMP error about a VIP
 * flow; `flow` is then the client's flow the error is about). */
static __always_inline int forward_to_backend(struct xdp_md *ctx,
					      const struct sluice_pkt *p,
					      const struct sluice_flow_key *flow,
					      const struct sluice_vip_meta *vip,
					      int is_icmp_error)
{
	struct sluice_config *cfg;
	struct sluice_backend *b;
	__u32 key = 0, hash, backend_id = 0;
	int err;

	if (!is_icmp_error) {
		if (p->frag)
			return xdp_drop(SLUICE_DROP_VIP_FRAGMENT, p->len);
		if (p->ip_options)
			return xdp_drop(SLUICE_DROP_VIP_IP_OPTIONS, p->len);
	}
	cfg = bpf_map_lookup_elem(&config, &key);
	if (!cfg)
		return xdp_exit(XDP_ABORTED, p->len);

	hash = flow_hash(flow, cfg->hash_seed, vip->flags & SLUICE_VIP_HASH_SOURCE);
	b = choose_backend(flow, vip, hash, is_icmp_error, &backend_id);
	if (!b)
		return xdp_drop(SLUICE_DROP_VIP_NO_BACKEND, p->len);
	if (!(b->flags & SLUICE_BACKEND_RESOLVED))
		return xdp_drop(SLUICE_DROP_NO_NEXT_HOP, p->len);
	if (p->len + encap_len(b) > cfg->max_frame_len)
		return xdp_drop(SLUICE_DROP_VIP_OVERSIZE, p->len);

	counter_add(&vip_counters, vip->vip_id, p->len);
	counter_add(&backend_counters, backend_id, p->len);
	if (is_icmp_error)
		count(SLUICE_CTR_ICMP_ERROR_TO_VIP, p->len);

	err = encapsulate(ctx, p, b, cfg, hash);
	if (err)
		return xdp_drop(-err, p->len);
	return xdp_exit(XDP_TX, p->len + encap_len(b));
}

SEC("xdp")
int sluice_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct sluice_pkt pkt = {};
	struct sluice_flow_key icmp_flow = {};
	struct sluice_vip_meta *vip;
	__u32 zero = 0, gen, *genp;
	int err;

	count(SLUICE_CTR_RX, data_end - data);
	err = parse_frame(data, data_end, &pkt);
	if (err < 0)
		return xdp_drop(-err, pkt.len);
	count_classes(&pkt);

	/* One read of the generation per packet: every table this packet
	 * consults belongs to the same commit. */
	genp = bpf_map_lookup_elem(&generation, &zero);
	if (!genp)
		return xdp_exit(XDP_ABORTED, pkt.len);
	gen = *genp;

	if (pkt.eth_proto == ETH_P_ARP)
		return handle_arp(data, data_end, &pkt, gen);
	if (pkt.eth_proto != ETH_P_IP && pkt.eth_proto != ETH_P_IPV6)
		return xdp_exit(XDP_PASS, pkt.len);

	if (source_blacklisted(&pkt, gen))
		return xdp_drop(pkt.flow.family == SLUICE_FAMILY_V4 ?
					SLUICE_DROP_SRC_BLACKLIST_V4 :
					SLUICE_DROP_SRC_BLACKLIST_V6,
				pkt.len);

	/* A later fragment has no ports: only its address can say it is VIP
	 * traffic, and a VIP gets no fragments (see forward_to_backend). */
	if (pkt.frag == SLUICE_LATER_FRAGMENT) {
		if (is_vip_address(&pkt.flow, gen))
			return xdp_drop(SLUICE_DROP_VIP_FRAGMENT, pkt.len);
		return xdp_exit(XDP_PASS, pkt.len);
	}
	if (pkt.flow.proto == IPPROTO_TCP || pkt.flow.proto == IPPROTO_UDP) {
		vip = find_vip(&pkt.flow, gen);
		if (vip)
			return forward_to_backend(ctx, &pkt, &pkt.flow, vip, 0);
		return xdp_exit(XDP_PASS, pkt.len);
	}
	if (pkt.flow.proto == IPPROTO_ICMP || pkt.flow.proto == IPPROTO_ICMPV6) {
		err = icmp_error_flow(data, data_end, &pkt, &icmp_flow);
		if (err < 0)
			return xdp_drop(-err, pkt.len);
		if (err > 0) {
			vip = find_vip(&icmp_flow, gen);
			if (vip)
				return forward_to_backend(ctx, &pkt, &icmp_flow, vip, 1);
		}
	}
	return xdp_exit(XDP_PASS, pkt.len);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
