// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The packet generator's XDP program. pktgen runs it with BPF_PROG_RUN in
 * live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES) on a template frame, `repeat`
 * times per call: each run turns the frame into the next of config.flows
 * flows (source port or source address + 0, 1, ..., flows - 1, cycling per
 * CPU) and returns XDP_TX, which the kernel turns into a transmit out of the
 * interface given as the run's ingress_ifindex.
 *
 * pktgen also attaches it to lo while it runs, only to keep it in the
 * kernel's XDP dispatcher (docs/pktgen.md): there it passes every frame.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "pktgen_config.h"
#include "sluice_kern/csum.h"

const volatile struct pktgen_config config;

/* The flow the next frame on this CPU gets; threads are pinned to distinct
 * CPUs, so each one cycles through all flows on its own. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} next_flow SEC(".maps");

static __always_inline __u32 take_flow(void)
{
	__u32 zero = 0;
	__u32 *next = bpf_map_lookup_elem(&next_flow, &zero);

	/* Never NULL for key 0 of an array; the verifier wants the check. */
	if (!next)
		return 0;
	__u32 flow = *next;
	*next = flow + 1 >= config.flows ? 0 : flow + 1;
	return flow;
}

/* A checksum over a field that changed from `from` to `to` (RFC 1624,
 * eqn. 3: HC' = ~(~HC + ~m + m')). All values as they lie in the frame:
 * one's-complement sums do not depend on byte order. A 16-bit field is
 * passed with zero upper halves, which add ~0 + 0 = 0xffff, that is -0. */
static __always_inline __u16 csum_replace32(__u16 check, __u32 from, __u32 to)
{
	__u32 sum = (__u16)~check;

	sum += (~from & 0xffff) + (~from >> 16);
	sum += (to & 0xffff) + (to >> 16);
	return csum_fold32(sum);
}

/* Copies config.headers[off, off + len) to the frame. Byte by byte through
 * the volatile config: a plain memcpy from it would be folded by clang into
 * the zeros of its initializer (the loader fills it in after compiling). */
static __always_inline void restore(__u8 *frame, __u32 off, __u32 len)
{
#pragma unroll
	for (__u32 i = 0; i < PKTGEN_RESTORED_BYTES; i++) {
		if (i >= len)
			break;
		frame[off + i] = config.headers[off + i];
	}
}

SEC("xdp")
int pktgen_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	const __u32 l3_off = sizeof(struct ethhdr);
	const __u32 l4_off = l3_off + (config.ipv6 ? sizeof(struct ipv6hdr)
						   : sizeof(struct iphdr));
	__u16 *l4_csum = data + l4_off + config.l4_csum_off;
	__u32 from, to;
	__u16 csum;

	/* Attached to lo only to stay in the XDP dispatcher: pass lo's traffic. */
	if (ctx->ingress_ifindex != config.ifindex)
		return XDP_PASS;
	/* The frame may be a recycled one whose headers the receiver rewrote
	 * in place (a veth hands our pages over without copying: routing
	 * changes MACs and TTL, a load balancer encapsulates): write the
	 * template's headers back. Frames are at least 64 bytes; a longer
	 * header's tail is restored separately. */
	if (data + PKTGEN_RESTORED_BYTES > data_end)
		return XDP_ABORTED;
	restore(data, 0, PKTGEN_RESTORED_BYTES);
	if (config.header_len > PKTGEN_RESTORED_BYTES) {
		const __u32 tail = PKTGEN_MAX_HEADER_BYTES - PKTGEN_RESTORED_BYTES;
		const __u32 tail_off = config.header_len - tail;

		if (tail_off + tail > PKTGEN_MAX_HEADER_BYTES ||
		    data + tail_off + tail > data_end)
			return XDP_ABORTED;
		restore(data, tail_off, tail);
	}
	if (config.flows <= 1)
		return XDP_TX;
	/* Covers every field written below: all lie before the checksum. */
	if ((void *)(l4_csum + 1) > data_end)
		return XDP_ABORTED;

	__u32 flow = take_flow();

	if (config.vary == PKTGEN_VARY_SRC_PORT) {
		__be16 *src_port = data + l4_off;

		from = bpf_htons((__u16)config.src_port);
		to = bpf_htons((__u16)(config.src_port + flow));
		*src_port = to;
	} else if (config.ipv6) {
		struct ipv6hdr *ip6 = data + l3_off;

		from = bpf_htonl(config.src_addr_low);
		to = bpf_htonl(config.src_addr_low + flow);
		ip6->saddr.in6_u.u6_addr32[3] = to;
	} else {
		struct iphdr *ip = data + l3_off;

		from = bpf_htonl(config.src_addr_low);
		to = bpf_htonl(config.src_addr_low + flow);
		ip->saddr = to;
		ip->check = csum_replace32(config.ip_csum, from, to);
	}
	/* The address is in the TCP/UDP pseudo-header: that checksum changes
	 * either way. */
	csum = csum_replace32(config.l4_csum, from, to);
	if (config.udp && csum == 0)
		csum = 0xffff; /* 0 would mean "no checksum" (RFC 768) */
	*l4_csum = csum;
	return XDP_TX;
}

/* Drops its frame. pktgen runs it once in live-frames mode to learn whether
 * the kernel supports that mode on the interface, without sending anything. */
SEC("xdp")
int pktgen_probe(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
