/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Kernel side only. Internet checksum helpers. */
#ifndef SLUICE_KERN_CSUM_H
#define SLUICE_KERN_CSUM_H

#include <linux/types.h>
#include <linux/ip.h>

static __always_inline __u16 csum_fold32(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Returns: the header checksum of an option-less IPv4 header whose check
 * field is zero. */
static __always_inline __u16 ipv4_header_csum(const struct iphdr *iph)
{
	const __u16 *w = (const __u16 *)iph;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < (int)sizeof(*iph) / 2; i++)
		sum += w[i];
	return csum_fold32(sum);
}

#endif /* SLUICE_KERN_CSUM_H */
