/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Kernel side only. BPF host routing: a packet from one endpoint to another
 * endpoint of this node is routed by the sending endpoint's program and
 * handed straight into the receiving endpoint's namespace
 * (bpf_redirect_peer), as the host would have delivered it (its route, its
 * neighbour entry, TTL less one) but without the host's IP layer, its
 * netfilter hooks and a second veth transmit. Whatever the kernel must
 * handle itself (no route or neighbour entry yet, a packet too big for the
 * receiver's MTU, an expiring TTL, fragments, VLAN tags) takes the host
 * path as before, and so does IPv6 for now (no end-to-end test covers it
 * yet). docs/tc-datapath.md, "BPF host routing".
 */
#ifndef SLUICE_KERN_NODE_HOST_ROUTE_H
#define SLUICE_KERN_NODE_HOST_ROUTE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>

#include "sluice_kern/parse.h"

#define HOST_ROUTE_AF_INET 2

/* Routes the packet as it will leave (`flow`: its addresses and ports
 * after any NAT). Returns: the ifindex the host would send it out of, with
 * the MACs to use in *fib; 0 when the host has to handle it. */
static __always_inline __u32 host_route_lookup(struct __sk_buff *skb,
					       const struct sluice_pkt *p,
					       const struct sluice_flow_key *flow,
					       struct bpf_fib_lookup *fib)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip = data + ETH_HLEN;

	if (flow->family != SLUICE_FAMILY_V4 || p->l3_off != ETH_HLEN ||
	    p->frag != SLUICE_NOT_FRAGMENT)
		return 0;
	if ((void *)(ip + 1) > data_end || ip->ttl <= 1)
		return 0;
	__builtin_memset(fib, 0, sizeof(*fib));
	fib->family = HOST_ROUTE_AF_INET;
	fib->ifindex = skb->ifindex;
	fib->tos = ip->tos;
	fib->l4_protocol = flow->proto;
	fib->sport = flow->sport;
	fib->dport = flow->dport;
	fib->ipv4_src = flow->src[0];
	fib->ipv4_dst = flow->dst[0];
	/* tot_len stays 0: the kernel then checks the skb itself against the
	 * out device's MTU, GSO packets included. */
	if (bpf_fib_lookup(skb, fib, sizeof(*fib), 0) != BPF_FIB_LKUP_RET_SUCCESS)
		return 0;
	return fib->ifindex;
}

/* What the host's forwarding would have done to the frame: TTL less one,
 * the route's MACs. Returns: 0, or -1 if the headers are no longer where
 * host_route_lookup found them. */
static __always_inline int host_route_rewrite(struct __sk_buff *skb,
					      const struct bpf_fib_lookup *fib)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + ETH_HLEN;
	__u32 sum;

	if ((void *)(ip + 1) > data_end)
		return -1;
	/* As the kernel's ip_decrease_ttl(): TTL is the high byte of its
	 * checksum word, so the sum grows by 0x0100. */
	sum = ip->check + bpf_htons(0x0100);
	ip->check = sum + (sum >= 0xffff);
	ip->ttl--;
	__builtin_memcpy(eth->h_dest, fib->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib->smac, ETH_ALEN);
	return 0;
}

#endif /* SLUICE_KERN_NODE_HOST_ROUTE_H */
