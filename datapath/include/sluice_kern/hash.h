/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Kernel side only. The flow hash that picks a Maglev entry. Every LB
 * instance computes the same value for a flow (the seed comes from the
 * shared configuration), so any of them picks the same backend.
 * Murmur3's 32-bit mixing, over whole words.
 */
#ifndef SLUICE_KERN_HASH_H
#define SLUICE_KERN_HASH_H

#include <linux/types.h>

#include "sluice/shared.h"

static __always_inline __u32 rotl32(__u32 x, int r)
{
	return (x << r) | (x >> (32 - r));
}

static __always_inline __u32 mix_word(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51;
	k = rotl32(k, 15);
	k *= 0x1b873593;
	h ^= k;
	h = rotl32(h, 13);
	return h * 5 + 0xe6546b64;
}

static __always_inline __u32 finalize(__u32 h, __u32 len)
{
	h ^= len;
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/* Returns: the hash of the whole 5-tuple, or of the source address only. */
static __always_inline __u32 flow_hash(const struct sluice_flow_key *f,
				       __u32 seed, int source_only)
{
	__u32 h = seed;

	h = mix_word(h, f->src[0]);
	h = mix_word(h, f->src[1]);
	h = mix_word(h, f->src[2]);
	h = mix_word(h, f->src[3]);
	if (source_only)
		return finalize(h, 16);
	h = mix_word(h, f->dst[0]);
	h = mix_word(h, f->dst[1]);
	h = mix_word(h, f->dst[2]);
	h = mix_word(h, f->dst[3]);
	h = mix_word(h, ((__u32)f->sport << 16) | f->dport);
	h = mix_word(h, f->proto);
	return finalize(h, 40);
}

#endif /* SLUICE_KERN_HASH_H */
