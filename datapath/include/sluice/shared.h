/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Shapes shared by the BPF datapath and the C++ control plane: map keys and
 * values, counter ids, drop reasons. Included by both sides; the C++ side
 * checks the sizes with static_assert (lb/shapes_check.cc). Plain C, fixed-
 * width kernel types only, explicit padding so both compilers agree.
 */
#ifndef SLUICE_SHARED_H
#define SLUICE_SHARED_H

#include <linux/types.h>

/* Address families as stored in keys (not AF_* so the BPF side needs no libc). */
enum sluice_family {
	SLUICE_FAMILY_NONE = 0,
	SLUICE_FAMILY_V4 = 4,
	SLUICE_FAMILY_V6 = 6,
};

/* Why a packet was dropped. Shared by the datapath, metrics and events. */
enum sluice_drop_reason {
	SLUICE_DROP_NONE = 0,
	SLUICE_DROP_MALFORMED_L2,       /* Ethernet or VLAN header truncated */
	SLUICE_DROP_MALFORMED_ARP,      /* ARP for IPv4/Ethernet, truncated */
	SLUICE_DROP_MALFORMED_L3,       /* IP header truncated or inconsistent */
	SLUICE_DROP_MALFORMED_L4,       /* TCP/UDP/ICMP header truncated */
	SLUICE_DROP_ARP_BLACKLIST,      /* ARP sender IP is blacklisted */
	SLUICE_DROP_SRC_BLACKLIST_V4,   /* IPv4 source in a blacklisted prefix */
	SLUICE_DROP_SRC_BLACKLIST_V6,   /* IPv6 source in a blacklisted prefix */
	SLUICE_DROP_VIP_FRAGMENT,       /* fragment to a VIP: no ports to hash */
	SLUICE_DROP_VIP_IP_OPTIONS,     /* IPv4 options on a VIP packet */
	SLUICE_DROP_VIP_NO_BACKEND,     /* VIP has no backend able to take it */
	SLUICE_DROP_VIP_OVERSIZE,       /* encapsulated packet would exceed max */
	SLUICE_DROP_ENCAP_FAILED,       /* growing the headroom failed */
	SLUICE_DROP_NO_NEXT_HOP,        /* backend's next-hop MAC unresolved */
	SLUICE_DROP_REASON_MAX,
};

/* Per-packet classification and lookup counters (index of counters map). */
enum sluice_counter_id {
	SLUICE_CTR_RX = 0,              /* every packet the program saw */
	SLUICE_CTR_VLAN,
	SLUICE_CTR_ARP,
	SLUICE_CTR_IPV4,
	SLUICE_CTR_IPV6,
	SLUICE_CTR_L3_OTHER,            /* ethertype we do not parse */
	SLUICE_CTR_TCP,
	SLUICE_CTR_UDP,
	SLUICE_CTR_ICMP,
	SLUICE_CTR_ICMPV6,
	SLUICE_CTR_L4_OTHER,
	SLUICE_CTR_IP_FRAGMENT,         /* IPv4 or IPv6 fragment (any) */
	SLUICE_CTR_IPV4_OPTIONS,
	SLUICE_CTR_IPV6_EXT_HEADERS,
	SLUICE_CTR_CT_HIT,              /* connection table: established flow */
	SLUICE_CTR_CT_MISS,             /* connection table: new flow */
	SLUICE_CTR_CT_STALE,            /* entry named a removed backend: re-picked */
	SLUICE_CTR_ICMP_ERROR_TO_VIP,   /* ICMP error about a VIP flow, forwarded */
	SLUICE_CTR_MAX,
};

/* Verdict counters are indexed by the XDP action (XDP_ABORTED..XDP_REDIRECT). */
#define SLUICE_VERDICT_MAX 5

struct sluice_counter {
	__u64 packets;
	__u64 bytes;
};

/* A flow as seen on the wire (network byte order). IPv4 uses word 0 of
 * src/dst and leaves the rest zero. Key of the connection table. */
struct sluice_flow_key {
	__be32 src[4];
	__be32 dst[4];
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 family;            /* enum sluice_family */
	__u8 pad[2];
};

/* Value of the connection table (an LRU hash keyed by sluice_flow_key). */
struct sluice_flow_state {
	__u32 backend_id;
	__u32 pad;
};

/* ---- The XDP load balancer's configuration maps ------------------------
 *
 * Tables a commit changes as a whole (VIPs, blacklists) exist twice, as the
 * two slots of an ARRAY_OF_MAPS; the `generation` map says which slot
 * packets use. See docs/atomic-commits.md.
 */
#define SLUICE_GENERATIONS 2

/* Entry of a Maglev table that names no backend (no backend has weight). */
#define SLUICE_NO_BACKEND 0xffffffffu

/* A VIP. The entry with port 0 and proto 0 is the address marker lbd keeps
 * while any VIP lives on the address: later fragments carry no ports and are
 * matched by address alone (they drop as vip_fragment). */
struct sluice_vip_key {
	__be32 addr[4];         /* IPv4 in word 0 */
	__be16 port;            /* 0 = every port */
	__u8 proto;             /* IPPROTO_TCP or IPPROTO_UDP; 0 = address marker */
	__u8 family;            /* enum sluice_family */
};

enum sluice_vip_flags {
	SLUICE_VIP_HASH_SOURCE = 1 << 0,   /* hash on the source address only */
};

struct sluice_vip_meta {
	__u32 vip_id;           /* index into vip_counters */
	__u32 flags;            /* enum sluice_vip_flags */
	__u32 ring_offset;      /* first entry of the VIP's Maglev table in ring_pool */
	__u32 ring_size;        /* prime; 0 = no table */
};

enum sluice_backend_flags {
	SLUICE_BACKEND_LIVE = 1 << 0,      /* in use; cleared when removed */
	SLUICE_BACKEND_RESOLVED = 1 << 1,  /* next_hop_mac is valid */
	SLUICE_BACKEND_COMMITTED = 1 << 2, /* its commit completed (for restore) */
};

/* A backend of one VIP (a real server), indexed by backend id. vip_id and
 * weight are not used by packets: they let a restarted lbd rebuild its
 * configuration from the pinned maps alone. */
struct sluice_backend {
	__be32 addr[4];
	__u8 family;
	__u8 flags;             /* enum sluice_backend_flags */
	__u8 next_hop_mac[6];
	__u32 vip_id;
	__u32 weight;
};

struct sluice_lpm_v4_key {
	__u32 prefixlen;
	__be32 addr;
};

struct sluice_lpm_v6_key {
	__u32 prefixlen;
	__be32 addr[4];
};

/* Knobs the daemon sets once at start (element 0 of `config`). */
struct sluice_config {
	__u32 hash_seed;        /* shared by every LB instance */
	__u32 max_frame_len;    /* larger encapsulated frames drop (OVERSIZE) */
	__be32 encap_src_v4;    /* outer IPv4 source prefix... */
	__u32 encap_src_v4_host_mask;  /* ...host bits taken from the flow hash */
	__be32 encap_src_v6[4]; /* outer IPv6 source prefix... */
	__u32 encap_src_v6_host_mask;  /* ...host bits of the last word from the hash */
	__u32 pad;
};

#endif /* SLUICE_SHARED_H */
