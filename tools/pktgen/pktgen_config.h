/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What pktgen.bpf.c needs to know about the template frame, shared with the
 * C++ loader, which writes it into the program's read-only data before
 * loading: the verifier then sees every field as a constant, so offsets
 * built from them need no run-time bounds arithmetic and unused branches
 * are pruned.
 */
#ifndef SLUICE_TOOLS_PKTGEN_PKTGEN_CONFIG_H
#define SLUICE_TOOLS_PKTGEN_PKTGEN_CONFIG_H

#include <linux/types.h>

/* The template's first bytes (every header, padded with its payload to the
 * 64-byte minimum frame) that each run writes back into its frame. */
#define PKTGEN_RESTORED_BYTES 64
#define PKTGEN_MAX_HEADER_BYTES 80   /* Ethernet + IPv6 + TCP = 74 */

enum pktgen_vary {
	PKTGEN_VARY_SRC_PORT = 0,
	PKTGEN_VARY_SRC_ADDR = 1,
};

struct pktgen_config {
	__u32 ifindex;     /* the sending interface; frames from others pass */
	__u32 flows;       /* values the varied field takes; 1: no rewrite */
	__u32 vary;        /* enum pktgen_vary */
	__u32 ipv6;        /* 0: Ethernet + IPv4 without options; 1: + IPv6 */
	__u32 udp;         /* 1: UDP (a zero checksum goes out as 0xffff); 0: TCP */
	__u32 l4_csum_off; /* of the checksum within the TCP/UDP header */
	/* The template's values, host order. Every frame is computed from
	 * these, never from the bytes the program is handed: in live-frames
	 * mode those may be the template or an earlier run's output. */
	__u32 src_port;
	__u32 src_addr_low; /* IPv4 source, or the IPv6 source's last 32 bits */
	/* The template's checksums exactly as in the frame (network order). */
	__u16 ip_csum;      /* IPv4 header */
	__u16 l4_csum;
	__u32 header_len;   /* Ethernet + IP + TCP/UDP header */
	__u8 headers[PKTGEN_MAX_HEADER_BYTES];   /* the template's first bytes */
};

#endif /* SLUICE_TOOLS_PKTGEN_PKTGEN_CONFIG_H */
