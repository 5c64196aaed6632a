/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Kernel side only. Adds a packet to a per-CPU sluice_counter array. */
#ifndef SLUICE_KERN_COUNTER_ADD_H
#define SLUICE_KERN_COUNTER_ADD_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "sluice/shared.h"

static __always_inline void counter_add(void *map, __u32 id, __u32 bytes)
{
	struct sluice_counter *c = bpf_map_lookup_elem(map, &id);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

#endif /* SLUICE_KERN_COUNTER_ADD_H */
