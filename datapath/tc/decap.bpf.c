// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Decapsulation for real servers (tc ingress). Packets from the load
 * balancer arrive as IPv4-in-IPv4, IPv6-in-IPv6 or IPv4-in-IPv6; this strips
 * the outer header so the inner packet (client -> VIP) enters the stack as
 * if it had come straight from the client, and the real answers the client
 * directly (direct server return). No ipip/ip6_tunnel module is needed.
 *
 * Only tunnel packets addressed to this host are stripped: the outer
 * destination must be one of the addresses lbd wrote into decap_addrs.
 * Everything else passes untouched.
 *
 * Large packets are the rule, not the exception: with GRO on (every real
 * NIC), the segments of a TCP upload arrive merged into one skb of up to
 * 64 KB whose payload lies in pages, and a jumbo frame may arrive with
 * little more than its Ethernet header in the linear part. The headers are
 * pulled into the linear part before parsing, lengths are checked against
 * the whole skb, and bpf_skb_adjust_room strips the outer header of a GSO
 * skb as well, keeping its segment size.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "sluice/shared.h"
#include "sluice_kern/parse.h"

/* Debian 12's uapi headers predate this flag (Linux 6.3); the kernels we
 * run on know it. It tells bpf_skb_adjust_room that the packet's L3 family
 * changes (IPv6 outer, IPv4 inner) so skb->protocol follows. */
#ifndef BPF_F_ADJ_ROOM_DECAP_L3_IPV4
#define BPF_F_ADJ_ROOM_DECAP_L3_IPV4 (1ULL << 7)
#endif

/* What the parser reads: Ethernet, two VLAN tags and the outer IP header
 * with its options (IPv4, at most 60 bytes) or extension headers (IPv6: 40
 * bytes + up to 194 bytes of them). A tunnel packet whose outer headers are
 * longer does not parse and passes untouched. */
#define DECAP_HEADERS_WANTED 256

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SLUICE_DECAP_CTR_MAX);
	__type(key, __u32);
	__type(value, struct sluice_counter);
} decap_counters SEC(".maps");

/* Local addresses tunnel packets may be addressed to (key: family + addr). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct sluice_vip_key);
	__type(value, __u8);
} decap_addrs SEC(".maps");

/* id: enum sluice_decap_counter_id */
static __always_inline void decap_count(__u32 id, __u32 bytes)
{
	struct sluice_counter *c = bpf_map_lookup_elem(&decap_counters, &id);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

static __always_inline int addressed_to_us(const struct sluice_pkt *p)
{
	struct sluice_vip_key k = { .family = p->flow.family };

	__builtin_memcpy(k.addr, p->flow.dst, 16);
	return bpf_map_lookup_elem(&decap_addrs, &k) != NULL;
}

/* Parses the skb's headers into *p, pulling them into the linear part first
 * when they are not (GRO-merged and paged skbs).
 * Returns: 0, or -reason for a frame that does not parse. */
static __always_inline int parse_skb(struct __sk_buff *skb, struct sluice_pkt *p)
{
	__u32 want = skb->len < DECAP_HEADERS_WANTED ? skb->len : DECAP_HEADERS_WANTED;

	/* A failed pull (no memory) leaves the linear part as it was; if the
	 * headers are not all in it, the parse fails and the packet passes as
	 * not ours. */
	if (skb->data_end - skb->data < want)
		bpf_skb_pull_data(skb, want);
	/* Verifier: every packet pointer dies with bpf_skb_pull_data; take
	 * data and data_end only now. */
	return parse_frame_len((void *)(long)skb->data, (void *)(long)skb->data_end,
			       skb->len, p);
}

SEC("tc")
int sluice_decap(struct __sk_buff *skb)
{
	struct sluice_pkt pkt = {};
	/* The segment size of a GRO-merged skb is the inner TCP payload of each
	 * segment; the outer header going away does not change it. */
	__u64 flags = BPF_F_ADJ_ROOM_FIXED_GSO;
	__u32 outer_len, counter;
	__be16 inner_proto;

	decap_count(SLUICE_DECAP_CTR_SEEN, skb->len);
	if (parse_skb(skb, &pkt) < 0)
		return TC_ACT_OK;   /* not ours to judge: the stack decides */
	if (pkt.frag)
		return TC_ACT_OK;

	if (pkt.flow.family == SLUICE_FAMILY_V4 && pkt.flow.proto == IPPROTO_IPIP) {
		counter = SLUICE_DECAP_CTR_IPIP;
		inner_proto = bpf_htons(ETH_P_IP);
	} else if (pkt.flow.family == SLUICE_FAMILY_V6 && pkt.flow.proto == IPPROTO_IPV6) {
		counter = SLUICE_DECAP_CTR_IP6IP6;
		inner_proto = bpf_htons(ETH_P_IPV6);
	} else if (pkt.flow.family == SLUICE_FAMILY_V6 && pkt.flow.proto == IPPROTO_IPIP) {
		counter = SLUICE_DECAP_CTR_IP4IP6;
		inner_proto = bpf_htons(ETH_P_IP);
		flags |= BPF_F_ADJ_ROOM_DECAP_L3_IPV4;
	} else {
		return TC_ACT_OK;
	}
	if (!addressed_to_us(&pkt)) {
		decap_count(SLUICE_DECAP_CTR_NOT_OURS, skb->len);
		return TC_ACT_OK;
	}

	outer_len = pkt.l4_off - pkt.l3_off;
	if (bpf_skb_adjust_room(skb, -(__s32)outer_len, BPF_ADJ_ROOM_MAC, flags)) {
		decap_count(SLUICE_DECAP_CTR_FAILED, skb->len);
		return TC_ACT_SHOT;
	}
	/* The EtherType must name the inner family (IPv4 in IPv6 changes it). */
	if (bpf_skb_store_bytes(skb, pkt.l3_off - sizeof(__be16), &inner_proto,
				sizeof(inner_proto), 0)) {
		decap_count(SLUICE_DECAP_CTR_FAILED, skb->len);
		return TC_ACT_SHOT;
	}
	decap_count(counter, skb->len);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
