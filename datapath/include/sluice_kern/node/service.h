/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Kernel side only. The service stage of from-endpoint: a workload's packet
 * to a service VIP:port is DNATed to a backend, the one its connection
 * already has while that is still in the service, else a Maglev pick; the
 * connection is remembered (a service entry naming the backend, and the
 * connection entry with what reverse NAT needs). A new connection to a
 * service without a backend is refused (sluice_kern/node/reject.h).
 *
 * Stages, called in turn by the entry program: pick_backend, then
 * refuse_connection or handle_service, then host delivery. Verifier: not
 * one calling the next, because the stacks of stages calling stages add
 * up, and the 512 bytes they share would not hold them together with the
 * entry program's and the policy stage's with room to spare.
 */
#ifndef SLUICE_KERN_NODE_SERVICE_H
#define SLUICE_KERN_NODE_SERVICE_H

#include "sluice_kern/hash.h"
#include "sluice_kern/node/conntrack.h"
#include "sluice_kern/node/nat.h"
#include "sluice_kern/node/policy_check.h"
#include "sluice_kern/node/reject.h"
#include "sluice_kern/node/stage_ctx.h"

/* A service connection as the service stages hand it on. */
struct service_conn {
	struct sluice_flow_key translated;  /* the flow after DNAT */
	__u32 backend_id;
	int created;            /* backend_id is a fresh pick */
	int new_conn;           /* the connection opens (for host delivery) */
};

/* The backend of the service connection in *backend_id: the one recorded
 * for it while it is still in the service, else a fresh Maglev pick.
 * Returns: 1 for a fresh pick, 0 for the recorded one, -1 when the service
 * has no backend to offer. */
SLUICE_STAGE int pick_backend(const struct ctx *c __arg_nonnull,
			      const struct sluice_service *svc __arg_nonnull,
			      __u32 *backend_id __arg_nonnull)
{
	struct sluice_ct_key svc_key;
	struct sluice_ct_entry *e;
	struct sluice_svc_backend *b;
	struct sluice_node_config *cfg;
	struct sluice_svc_ring *ring;
	__u32 zero = 0, slot;

	ct_key_of(&svc_key, &c->pkt.flow, SLUICE_CT_SERVICE);
	e = bpf_map_lookup_elem(&conntrack, &svc_key);
	if (e) {
		*backend_id = e->backend_id;
		b = bpf_map_lookup_elem(&svc_backends, backend_id);
		if (b && (b->flags & SLUICE_BACKEND_LIVE) && b->svc_id == svc->svc_id) {
			ct_touch(e, &c->pkt, 0, c->now);
			return 0;
		}
		node_count(SLUICE_NODE_CTR_SVC_STALE, c->pkt.len);
	}
	cfg = bpf_map_lookup_elem(&node_config, &zero);
	ring = bpf_map_lookup_elem(&svc_rings, &svc->ring_id);
	if (!cfg || !ring)
		return -1;
	slot = flow_hash(&c->pkt.flow, cfg->hash_seed, 0) % SLUICE_SVC_RING_SIZE;
	/* Verifier: clang computes the modulo as x - x / n * n, which loses
	 * the bound; restate it behind a barrier so clang keeps the check. */
	asm volatile("" : "+r"(slot));
	if (slot >= SLUICE_SVC_RING_SIZE)
		return -1;
	*backend_id = ring->backend[slot];
	b = bpf_map_lookup_elem(&svc_backends, backend_id);
	if (!b || !(b->flags & SLUICE_BACKEND_LIVE) || b->svc_id != svc->svc_id)
		return -1;
	return 1;
}

/* A new connection to a service without a backend: the packet becomes an
 * ICMP error sent back to the workload. Returns: the verdict. */
SLUICE_STAGE int refuse_connection(struct __sk_buff *skb, const struct ctx *c __arg_nonnull)
{
	/* The reject rewrites the packet: report it first. */
	struct event_info info = {
		.type = SLUICE_EVENT_DROP,
		.reason = SLUICE_DROP_SERVICE_NO_BACKEND,
		.direction = c->direction,
		.endpoint_id = c->endpoint_id,
	};
	int action;

	report_event(skb, &info, &c->pkt.flow);
	counter_add(&node_drops, SLUICE_DROP_SERVICE_NO_BACKEND, c->pkt.len);
	action = send_reject(skb, &c->pkt);
	if (action < 0)   /* options or extension headers: drop quietly */
		return tc_exit(SLUICE_NODE_DROP, TC_ACT_SHOT, c->pkt.len);
	node_count(SLUICE_NODE_CTR_REJECT_SENT, c->pkt.len);
	return tc_exit(SLUICE_NODE_REDIRECT, action, c->pkt.len);
}

/* A workload's packet to service `svc`, whose backend pick_backend chose
 * (sc->backend_id, sc->created): egress policy on the packet as it will
 * travel, the connection's entries, DNAT. Returns: the verdict, or GO_ON
 * when the packet, DNATed to sc->translated, goes on to host delivery. */
SLUICE_STAGE int handle_service(struct __sk_buff *skb, struct ctx *c __arg_nonnull,
				const struct sluice_service *svc __arg_nonnull,
				struct service_conn *sc __arg_nonnull)
{
	struct sluice_ct_key key;
	struct sluice_svc_backend *b;
	struct sluice_ct_entry *conn;
	__u32 rule_id = 0;
	int reason;

	b = bpf_map_lookup_elem(&svc_backends, &sc->backend_id);
	if (!b)   /* pick_backend found it: only for the verifier */
		return drop(skb, c, SLUICE_DROP_SERVICE_NO_BACKEND, 0);
	sc->translated = c->pkt.flow;
	__builtin_memcpy(sc->translated.dst, b->addr, sizeof(sc->translated.dst));
	sc->translated.dport = b->port;
	ct_key_of(&key, &sc->translated, SLUICE_CT_CONN);
	conn = bpf_map_lookup_elem(&conntrack, &key);

	reason = policy_check(skb, c, &sc->translated, sc->created, &rule_id);
	if (reason)
		return drop(skb, c, reason, rule_id);

	if (sc->created) {
		struct sluice_ct_entry svc_entry = {
			.backend_id = sc->backend_id,
			.svc_id = svc->svc_id,
		};

		node_count(SLUICE_NODE_CTR_SVC_NEW, c->pkt.len);
		ct_key_of(&key, &c->pkt.flow, SLUICE_CT_SERVICE);
		ct_create(&key, &c->pkt, &svc_entry, c->now);
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
		ct_key_of(&key, &sc->translated, SLUICE_CT_CONN);
		ct_create(&key, &c->pkt, &fresh, c->now);
	}
	if (dnat(skb, &c->pkt, b) < 0)
		return drop(skb, c, SLUICE_DROP_NAT_FAILED, 0);
	node_count(SLUICE_NODE_CTR_DNAT, c->pkt.len);
	sc->new_conn = !conn || is_tcp_syn(&c->pkt);
	return GO_ON;
}

#endif /* SLUICE_KERN_NODE_SERVICE_H */
