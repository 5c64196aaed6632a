/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Kernel side only. The node's connection table. A connection is stored
 * once, in the orientation of its first packet (after DNAT); a packet whose
 * reversed tuple is stored is a reply. Service connections also have a
 * service entry keyed by the tuple before DNAT, naming the backend.
 * Entries record when they were last used and the TCP state lbd needs to
 * expire them (it sweeps the table; LRU eviction is only the last resort).
 */
#ifndef SLUICE_KERN_NODE_CONNTRACK_H
#define SLUICE_KERN_NODE_CONNTRACK_H

#include "sluice_kern/node/maps.h"
#include "sluice_kern/parse.h"

/* last_seen is rewritten at most this often: fewer writes to a line every
 * CPU of a busy flow reads. Timeouts are seconds or more. */
#define CT_TOUCH_GRANULARITY_NS 1000000000ull

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10

static __always_inline void ct_key_of(struct sluice_ct_key *k,
				      const struct sluice_flow_key *f, __u8 kind)
{
	__builtin_memcpy(k->src, f->src, sizeof(k->src));
	__builtin_memcpy(k->dst, f->dst, sizeof(k->dst));
	k->sport = f->sport;
	k->dport = f->dport;
	k->proto = f->proto;
	k->family = f->family;
	k->kind = kind;
	k->pad = 0;
}

static __always_inline void ct_key_reversed(struct sluice_ct_key *k,
					    const struct sluice_flow_key *f)
{
	__builtin_memcpy(k->src, f->dst, sizeof(k->src));
	__builtin_memcpy(k->dst, f->src, sizeof(k->dst));
	k->sport = f->dport;
	k->dport = f->sport;
	k->proto = f->proto;
	k->family = f->family;
	k->kind = SLUICE_CT_CONN;
	k->pad = 0;
}

/* Returns: whether the packet opens a TCP connection (SYN without ACK). */
static __always_inline int is_tcp_syn(const struct sluice_pkt *p)
{
	return p->flow.proto == IPPROTO_TCP &&
	       (p->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN;
}

/* Records a packet of the connection: its time, whether it is a reply, and
 * FIN/RST. A new SYN on a closed tuple starts the connection over. */
static __always_inline void ct_touch(struct sluice_ct_entry *e,
				     const struct sluice_pkt *p, int reply,
				     __u64 now)
{
	__u8 flags = e->flags;

	if (p->flow.proto == IPPROTO_TCP) {
		if (is_tcp_syn(p))
			flags &= ~(SLUICE_CT_TCP_FIN | SLUICE_CT_TCP_RST |
				   SLUICE_CT_SEEN_REPLY);
		if (p->tcp_flags & TCP_FLAG_FIN)
			flags |= SLUICE_CT_TCP_FIN;
		if (p->tcp_flags & TCP_FLAG_RST)
			flags |= SLUICE_CT_TCP_RST;
	}
	if (reply)
		flags |= SLUICE_CT_SEEN_REPLY;
	if (flags != e->flags)
		e->flags = flags;
	if (now - e->last_seen_ns > CT_TOUCH_GRANULARITY_NS)
		e->last_seen_ns = now;
}

static __always_inline void ct_create(const struct sluice_ct_key *k,
				      const struct sluice_pkt *p,
				      struct sluice_ct_entry *e, __u64 now)
{
	e->last_seen_ns = now;
	if (p->flow.proto == IPPROTO_TCP) {
		if (p->tcp_flags & TCP_FLAG_FIN)
			e->flags |= SLUICE_CT_TCP_FIN;
		if (p->tcp_flags & TCP_FLAG_RST)
			e->flags |= SLUICE_CT_TCP_RST;
	}
	/* Fails only on an allocation failure; the packet still passes and
	 * its reply is then judged as a new connection. */
	bpf_map_update_elem(&conntrack, k, e, BPF_ANY);
	node_count(SLUICE_NODE_CTR_CT_NEW, p->len);
}

#endif /* SLUICE_KERN_NODE_CONNTRACK_H */
