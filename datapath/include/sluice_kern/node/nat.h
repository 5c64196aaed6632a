/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Kernel side only. Service NAT rewrites on an skb: DNAT of a client's
 * packet to the backend, reverse NAT of the backend's reply (and of ICMP
 * errors about the connection) back to the service address. Checksums are
 * updated incrementally by the kernel's helpers, which also handle packets
 * whose L4 checksum the NIC is still to fill in (CHECKSUM_PARTIAL).
 */
#ifndef SLUICE_KERN_NODE_NAT_H
#define SLUICE_KERN_NODE_NAT_H

#include <linux/pkt_cls.h>

#include "sluice_kern/parse.h"

#define IPV4_CSUM_OFF 10
#define IPV4_SADDR_OFF 12
#define IPV4_DADDR_OFF 16
#define IPV6_SADDR_OFF 8
#define IPV6_DADDR_OFF 24

/* Where the transport checksum lives and how it treats zero: 0 = none. */
struct l4_csum {
	__u32 off;
	__u64 flags;
};

static __always_inline struct l4_csum l4_csum_of(const struct sluice_pkt *p)
{
	struct l4_csum c = {};

	if (p->flow.proto == IPPROTO_TCP) {
		c.off = p->l4_off + 16;
	} else if (p->flow.proto == IPPROTO_UDP) {
		c.off = p->l4_off + 6;
		/* An IPv4 UDP checksum of 0 means "none": keep it so. */
		c.flags = BPF_F_MARK_MANGLED_0;
	} else if (p->flow.proto == IPPROTO_ICMPV6) {
		c.off = p->l4_off + 2;
	}
	return c;
}

/* Replaces an address at `off` (source or destination of the IP header at
 * l3_off), fixing the IPv4 header checksum and, through the pseudo header,
 * the transport checksum. Returns: 0 or a negative error. */
static __always_inline int nat_addr(struct __sk_buff *skb, __u32 l3_off,
				    __u32 off, __u8 family, const __be32 *from,
				    const __be32 *to, struct l4_csum c)
{
	if (family == SLUICE_FAMILY_V4) {
		if (c.off && bpf_l4_csum_replace(skb, c.off, from[0], to[0],
						 c.flags | BPF_F_PSEUDO_HDR | 4))
			return -1;
		if (bpf_l3_csum_replace(skb, l3_off + IPV4_CSUM_OFF, from[0], to[0], 4))
			return -1;
		return bpf_skb_store_bytes(skb, off, to, 4, 0);
	}
	if (c.off) {
		__s64 diff = bpf_csum_diff((__be32 *)from, 16, (__be32 *)to, 16, 0);

		/* BPF_F_IPV6 keeps skb->csum right for CHECKSUM_COMPLETE
		 * IPv6 packets (kernel 6.16+, which we require). */
		if (bpf_l4_csum_replace(skb, c.off, 0, diff,
					c.flags | BPF_F_PSEUDO_HDR | BPF_F_IPV6))
			return -1;
	}
	return bpf_skb_store_bytes(skb, off, to, 16, 0);
}

static __always_inline int nat_port(struct __sk_buff *skb, __u32 off,
				    __be16 from, __be16 to, struct l4_csum c)
{
	if (from == to)
		return 0;
	if (c.off && bpf_l4_csum_replace(skb, c.off, from, to, c.flags | 2))
		return -1;
	return bpf_skb_store_bytes(skb, off, &to, sizeof(to), 0);
}

static __always_inline __u32 saddr_off(const struct sluice_pkt *p)
{
	return p->l3_off + (p->flow.family == SLUICE_FAMILY_V4 ? IPV4_SADDR_OFF
							       : IPV6_SADDR_OFF);
}

static __always_inline __u32 daddr_off(const struct sluice_pkt *p)
{
	return p->l3_off + (p->flow.family == SLUICE_FAMILY_V4 ? IPV4_DADDR_OFF
							       : IPV6_DADDR_OFF);
}

/* Client -> service becomes client -> backend. */
static __always_inline int dnat(struct __sk_buff *skb, const struct sluice_pkt *p,
				const struct sluice_svc_backend *b)
{
	struct l4_csum c = l4_csum_of(p);
	/* The destination is in the pseudo-header unless a routing header
	 * names another final destination (RFC 8200 8.1). */
	struct l4_csum addr_csum =
		(p->ip_options & SLUICE_IPV6_ROUTED) ? (struct l4_csum){} : c;
	__be32 to[4];

	__builtin_memcpy(to, b->addr, sizeof(to));
	if (nat_addr(skb, p->l3_off, daddr_off(p), p->flow.family,
		     p->flow.dst, to, addr_csum))
		return -1;
	return nat_port(skb, p->l4_off + 2, p->flow.dport, b->port, c);
}

/* Backend -> client becomes service -> client. */
static __always_inline int rev_nat(struct __sk_buff *skb, const struct sluice_pkt *p,
				   const struct sluice_ct_entry *e)
{
	struct l4_csum c = l4_csum_of(p);
	__be32 to[4];

	__builtin_memcpy(to, e->rev_addr, sizeof(to));
	if (nat_addr(skb, p->l3_off, saddr_off(p), p->flow.family,
		     p->flow.src, to, c))
		return -1;
	return nat_port(skb, p->l4_off, p->flow.sport, e->rev_port, c);
}

/* An ICMP error about a client's packet to a backend, on its way to the
 * client: the quoted packet's destination (and the error's source, when the
 * backend sent it) become the service's again, so the client's socket
 * recognises it. The ICMP checksum covers the quoted bytes and is fixed
 * with them; the quoted transport checksum is left as the backend saw it
 * (nothing verifies it). Returns: 0 or a negative error. */
static __always_inline int rev_nat_icmp_error(struct __sk_buff *skb,
					      const struct sluice_pkt *p,
					      const struct sluice_flow_key *inner,
					      const struct sluice_ct_entry *e)
{
	__u32 icmp_csum = p->l4_off + 2;
	__u32 inner_l3 = p->l4_off + 8;
	__be32 to[4];

	__builtin_memcpy(to, e->rev_addr, sizeof(to));
	if (p->flow.family == SLUICE_FAMILY_V4) {
		struct iphdr ip;
		__be16 old_check;
		struct l4_csum outer_csum = {};   /* ICMPv4: no pseudo header */

		if (bpf_skb_load_bytes(skb, inner_l3, &ip, sizeof(ip)))
			return -1;
		if (p->flow.src[0] == inner->dst[0] &&
		    nat_addr(skb, p->l3_off, saddr_off(p), SLUICE_FAMILY_V4,
			     p->flow.src, to, outer_csum))
			return -1;
		old_check = ip.check;
		if (bpf_l3_csum_replace(skb, inner_l3 + IPV4_CSUM_OFF, inner->dst[0],
					to[0], 4) ||
		    bpf_l4_csum_replace(skb, icmp_csum, inner->dst[0], to[0], 4) ||
		    bpf_skb_store_bytes(skb, inner_l3 + IPV4_DADDR_OFF, to, 4, 0) ||
		    bpf_skb_load_bytes(skb, inner_l3 + IPV4_CSUM_OFF, &ip.check, 2) ||
		    bpf_l4_csum_replace(skb, icmp_csum, old_check, ip.check, 2))
			return -1;
		return nat_port(skb, inner_l3 + ip.ihl * 4 + 2, inner->dport,
				e->rev_port, (struct l4_csum){ .off = icmp_csum });
	} else {
		struct l4_csum pseudo = { .off = icmp_csum };
		__s64 diff;

		if (addr_equal(p->flow.src, inner->dst) &&
		    nat_addr(skb, p->l3_off, saddr_off(p), SLUICE_FAMILY_V6,
			     p->flow.src, to, pseudo))
			return -1;
		/* Quoted bytes: a plain (not pseudo-header) checksum change. */
		diff = bpf_csum_diff((__be32 *)inner->dst, 16, to, 16, 0);
		if (bpf_l4_csum_replace(skb, icmp_csum, 0, diff, 0) ||
		    bpf_skb_store_bytes(skb, inner_l3 + IPV6_DADDR_OFF, to, 16, 0))
			return -1;
		return nat_port(skb, inner_l3 + sizeof(struct ipv6hdr) + 2,
				inner->dport, e->rev_port,
				(struct l4_csum){ .off = icmp_csum });
	}
}

#endif /* SLUICE_KERN_NODE_NAT_H */
