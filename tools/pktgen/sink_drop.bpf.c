// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The benchmarks' sink: a tc ingress program that drops every packet. The
 * sink counts arrivals with its device's own rx_packets, which a veth
 * transmit and a bpf_redirect_peer() into the sink both add to; an XDP
 * sink would not see the second (it enters past the veth's NAPI).
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int sluice_sink_drop(struct __sk_buff *skb)
{
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
