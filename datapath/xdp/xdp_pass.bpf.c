// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The smallest XDP program: passes everything. Two uses: a veth only
 * delivers frames that its peer sends with XDP_TX when an XDP program is
 * attached on this end too (tests attach it to the router side), and the
 * benchmarks' floor (the cost of running any XDP program at all).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int sluice_xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
