/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Shapes shared by the BPF datapath and the C++ control plane: map keys and
 * values, counter ids, drop reasons. Included by both sides; the C++ side
 * checks the sizes with static_assert (datapath/maps/shapes_check.cc). Plain C, fixed-
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
	/* The node datapath (tc, endpoints): */
	SLUICE_DROP_POLICY_DENY,        /* a deny rule matched */
	SLUICE_DROP_POLICY_DEFAULT,     /* the endpoint has a policy; no rule allows */
	SLUICE_DROP_SERVICE_NO_BACKEND, /* rejected: ICMP unreachable sent back */
	SLUICE_DROP_SOURCE_SPOOFED,     /* endpoint sent from an address not its own */
	SLUICE_DROP_NAT_FAILED,         /* rewriting the packet failed */
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

/* The IPv4 source blacklist in two levels, so a lookup costs the same for
 * one prefix as for millions (an LPM trie walks ~log2(N) nodes). lbd
 * expands the prefixes into them (datapath/maps/v4_blacklist_layout.h):
 * - `top`, an array indexed by the address's upper 16 bits: a /16 of
 *   nothing, a /16 some prefix of length <= 16 covers, or a /16 with
 *   leaves, and then which of its /24s have one (so the many packets from
 *   unlisted /24s skip the hash lookup);
 * - `leaves`, a hash keyed by the address's upper 24 bits (host order):
 *   a bitmap of the /24's 256 addresses, bit (a & 0xff) set when listed. */
enum sluice_v4_top_state {
	SLUICE_V4_TOP_NONE = 0,
	SLUICE_V4_TOP_ALL = 1,
	SLUICE_V4_TOP_LEAVES = 2,
};

#define SLUICE_V4_TOP_SLOTS 65536

struct sluice_v4_top {
	__u32 state;            /* enum sluice_v4_top_state */
	__u32 pad;
	__u64 blocks[4];        /* LEAVES: bit (a >> 8 & 0xff) set when that /24 has a leaf */
};

struct sluice_v4_leaf {
	__u64 hosts[4];
};

/* The IPv4 prefixes as given (the layout cannot be read back into them):
 * element 0 holds the count, elements 1..count one prefix each as
 * (length << 32) | address in host order. Packets never read it. */
#define SLUICE_V4_RECORD_ENTRY(addr, len) (((__u64)(len) << 32) | (addr))

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

/* ---- The node datapath (tc on endpoint veths) --------------------------
 *
 * Endpoints are workloads behind a veth pair; the host end carries
 * sluice_from_endpoint (tc ingress) and sluice_to_endpoint (tc egress).
 * See docs/tc-datapath.md.
 */

/* Per-packet counters of the node datapath (index of its `counters` map). */
enum sluice_node_counter_id {
	SLUICE_NODE_CTR_FROM_ENDPOINT = 0, /* packets the workloads sent */
	SLUICE_NODE_CTR_TO_ENDPOINT,       /* packets delivered to workloads */
	SLUICE_NODE_CTR_NOT_ENDPOINT,      /* on an interface with no endpoint */
	SLUICE_NODE_CTR_NON_IP,            /* ARP and other L2: passed */
	SLUICE_NODE_CTR_CT_NEW,            /* connection created */
	SLUICE_NODE_CTR_CT_FORWARD,        /* packet of a known connection */
	SLUICE_NODE_CTR_CT_REPLY,          /* reply of a known connection */
	SLUICE_NODE_CTR_CT_RELATED,        /* ICMP error about a known connection */
	SLUICE_NODE_CTR_SVC_NEW,           /* service connection: backend picked */
	SLUICE_NODE_CTR_SVC_STALE,         /* its backend was removed: re-picked */
	SLUICE_NODE_CTR_DNAT,              /* rewritten to a backend */
	SLUICE_NODE_CTR_REV_NAT,           /* reply rewritten back to the service */
	SLUICE_NODE_CTR_REJECT_SENT,       /* ICMP unreachable for a service without backends */
	SLUICE_NODE_CTR_POLICY_ALLOW,      /* a rule allowed a packet */
	SLUICE_NODE_CTR_EVENT_SENT,        /* event written to the ring buffer */
	SLUICE_NODE_CTR_EVENT_SAMPLED_OUT, /* event not reported: over the rate */
	SLUICE_NODE_CTR_EVENT_LOST,        /* event not reported: ring buffer full */
	SLUICE_NODE_CTR_HOST_ROUTED,       /* handed endpoint to endpoint (BPF host routing) */
	SLUICE_NODE_CTR_MAX,
};

/* tc verdicts as counted (index of the node's verdict_counters map). */
enum sluice_node_verdict {
	SLUICE_NODE_PASS = 0,
	SLUICE_NODE_DROP,
	SLUICE_NODE_REDIRECT,    /* a reject sent back, or BPF host routing */
	SLUICE_NODE_VERDICT_MAX,
};

/* Counters of the real server's decapsulation program (tc ingress,
 * datapath/tc/decap.bpf.c; index of its decap_counters map). */
enum sluice_decap_counter_id {
	SLUICE_DECAP_CTR_SEEN = 0,     /* every packet */
	SLUICE_DECAP_CTR_IPIP,         /* IPv4 in IPv4, stripped */
	SLUICE_DECAP_CTR_IP6IP6,       /* IPv6 in IPv6, stripped */
	SLUICE_DECAP_CTR_IP4IP6,       /* IPv4 in IPv6, stripped */
	SLUICE_DECAP_CTR_NOT_OURS,     /* tunnel packet for another address: passed */
	SLUICE_DECAP_CTR_FAILED,       /* could not strip (malformed): dropped */
	SLUICE_DECAP_CTR_MAX,
};

/* skb->mark of the ICMP unreachable the node sends to a workload: the
 * to-endpoint program lets it through unexamined. */
#define SLUICE_MARK_REJECT 0x5c1ce000u

enum sluice_direction {
	SLUICE_INGRESS = 0,      /* towards the endpoint (to-endpoint program) */
	SLUICE_EGRESS = 1,       /* from the endpoint (from-endpoint program) */
};

enum sluice_endpoint_flags {
	/* The host-side device is a veth whose peer is in another network
	 * namespace: packets can be handed to the peer (bpf_redirect_peer). */
	SLUICE_ENDPOINT_VETH_PEER = 1 << 0,
};

/* An endpoint, keyed by the ifindex of its host-side veth. policy_id 0 =
 * no policy in that direction (everything allowed). name and addresses are
 * for lbd (restore, listing) apart from the spoofing check. */
#define SLUICE_ENDPOINT_NAME_MAX 48
struct sluice_endpoint {
	__u32 endpoint_id;
	__u32 flags;               /* enum sluice_endpoint_flags */
	__u32 policy_id[2];        /* by enum sluice_direction */
	__be32 ip4;                /* 0 = none */
	__be32 ip6[4];             /* all zero = none */
	char name[SLUICE_ENDPOINT_NAME_MAX];
};

enum sluice_node_config_flags {
	/* A packet from one endpoint to another goes straight from the
	 * sender's program into the receiver (lbd --host-routing bpf). */
	SLUICE_NODE_BPF_HOST_ROUTING = 1 << 0,
};

struct sluice_node_config {
	__u32 hash_seed;           /* Maglev and flow hashing */
	__u32 flags;               /* enum sluice_node_config_flags */
};

/* A service is keyed by struct sluice_vip_key (address, port, protocol). */
#define SLUICE_SVC_RING_SIZE 1021   /* Maglev table size of a service, prime */

struct sluice_service {
	__u32 svc_id;
	__u32 ring_id;             /* key of its Maglev table in svc_rings */
};

/* A service's Maglev table: backend ids (SLUICE_NO_BACKEND = none). */
struct sluice_svc_ring {
	__u32 backend[SLUICE_SVC_RING_SIZE];
};

/* A service backend, indexed by backend id. */
struct sluice_svc_backend {
	__be32 addr[4];
	__be16 port;
	__u8 family;
	__u8 flags;                /* SLUICE_BACKEND_LIVE */
	__u32 svc_id;
	__u32 weight;              /* as last written; lbd restores from svc_members */
};

/* The members of one Maglev table and their weights (svc_members, for lbd
 * only): written with the table, so the table a service points at names
 * its whole backend set, drained backends included, and a restarted lbd
 * restores exactly the set of the last switch. */
struct sluice_svc_member_key {
	__u32 ring_id;
	__u32 backend_id;
};

/* Connection table. Keys are flows as on the wire; kind tells the service
 * entry (client -> service address, value names the backend) from the
 * connection entry (client -> backend after DNAT, or any unNATed flow). */
enum sluice_ct_kind {
	SLUICE_CT_CONN = 0,
	SLUICE_CT_SERVICE = 1,
};

struct sluice_ct_key {
	__be32 src[4];
	__be32 dst[4];
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 family;
	__u8 kind;                 /* enum sluice_ct_kind */
	__u8 pad;
};

enum sluice_ct_flags {
	SLUICE_CT_NAT = 1 << 0,        /* rev_addr/rev_port: the service */
	SLUICE_CT_SEEN_REPLY = 1 << 1,
	SLUICE_CT_TCP_FIN = 1 << 2,
	SLUICE_CT_TCP_RST = 1 << 3,
};

struct sluice_ct_entry {
	__u64 last_seen_ns;        /* bpf_ktime_get_coarse_ns() */
	__be32 rev_addr[4];        /* service address replies are rewritten to */
	__be16 rev_port;
	__u8 flags;                /* enum sluice_ct_flags */
	__u8 pad;
	__u32 backend_id;          /* service entries: the chosen backend */
	__u32 svc_id;
};

/* Policy: one LPM trie for every endpoint and direction. The key's
 * prefix covers policy_id and family (64 bits) then the peer address. */
#define SLUICE_POLICY_KEY_FIXED_BITS 64
#define SLUICE_POLICY_MAX_RULES 32  /* rules that apply to one peer prefix */

struct sluice_policy_key {
	__u32 prefixlen;
	__u32 policy_id;
	__u8 family;
	__u8 pad[3];
	__be32 addr[4];
};

enum sluice_policy_action {
	SLUICE_POLICY_ALLOW = 1,
	SLUICE_POLICY_DENY = 2,
};

struct sluice_policy_rule {
	__u32 rule_id;             /* index of policy_rule_counters */
	__u16 port_min;            /* host order; 0..65535 = every port */
	__u16 port_max;
	__u8 proto;                /* IPPROTO_*; 0 = any */
	__u8 action;               /* enum sluice_policy_action */
	__u8 pad[2];
};

/* Every rule whose peer prefix covers the key's prefix (lbd folds the
 * covering prefixes in, so the longest match alone sees all that apply). */
struct sluice_policy_entry {
	__u32 count;
	__u32 pad;
	struct sluice_policy_rule rules[SLUICE_POLICY_MAX_RULES];
};

/* A rule as the operator wrote it, kept for lbd (restore and show), keyed
 * by rule id. Packets never read it. */
struct sluice_policy_rule_spec {
	__u32 policy_id;
	__u16 index;               /* position in the policy file */
	__u8 direction;            /* enum sluice_direction */
	__u8 prefixlen;
	__u8 family;
	__u8 proto;
	__u8 action;
	__u8 pad;
	__u16 port_min;
	__u16 port_max;
	__be32 addr[4];
};

/* Drop and policy events (ring buffer `events`). */
enum sluice_event_type {
	SLUICE_EVENT_DROP = 1,
	SLUICE_EVENT_POLICY_ALLOW = 2,
};

struct sluice_event {
	__u64 time_ns;
	__u32 endpoint_id;
	__u32 ifindex;
	__u32 rule_id;             /* deciding rule; 0 = none */
	__u32 suppressed;          /* events this CPU did not report since its last */
	__u8 type;                 /* enum sluice_event_type */
	__u8 reason;               /* enum sluice_drop_reason */
	__u8 direction;            /* enum sluice_direction */
	__u8 pad[5];
	struct sluice_flow_key flow;
};

/* At most this many events per CPU per window; the rest are counted. */
#define SLUICE_EVENTS_PER_WINDOW 32
#define SLUICE_EVENT_WINDOW_NS 10000000ull   /* 10 ms: 3200 events/s/CPU */

#endif /* SLUICE_SHARED_H */
