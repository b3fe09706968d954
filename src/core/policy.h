/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The policy compiler: a pure function from the tunnel state and the
 * settings to the complete firewall wanted for it. It does no I/O; the
 * nftables applier turns its result into one netlink batch, and the unit
 * tests evaluate it against packets without a kernel.
 */
#include "guard.h"
#include "range.h"

enum fx_state {
	FX_STATE_DISCONNECTED,
	FX_STATE_CONNECTING,
	FX_STATE_CONNECTED,
	FX_STATE_RECONNECTING,
	FX_STATE_BLOCKED,
};

const char *fx_state_name(enum fx_state s);

struct fx_settings {
	bool allow_lan;  /* default true */
	bool lockdown;   /* default false: disconnected means no table */
	bool killswitch; /* default true; false: tunnels without firewall rules */
};

void fx_settings_default(struct fx_settings *s);

/*
 * Postrouting judges a packet by the interface it really leaves through:
 * a packet re-routed after the output chain (a mark or a DNAT set by
 * another table) would otherwise leave by a way output never saw.
 */
/*
 * The ARP chains live in a second table, arp fexyn (the inet family never
 * sees ARP): they keep the tunnel's IPv4 address from being answered or
 * announced on other interfaces. Their policy is accept: ARP itself is
 * not filtered.
 */
/*
 * Split tunnelling (issue 15) adds a third table, inet fexyn_split, while
 * some program is excluded: its chains mark the excluded sockets' packets
 * so that routing keeps them out of the tunnel (a route chain on output,
 * before the filter), mark the replies the same way (prerouting), and
 * give them the physical interface's address (nat, postrouting). Their
 * policy is accept: they decide nothing; table inet fexyn lets out
 * exactly the packets they marked.
 */
enum fx_chain { FX_CHAIN_INPUT, FX_CHAIN_OUTPUT, FX_CHAIN_FORWARD, FX_CHAIN_POSTROUTING,
		FX_CHAIN_ARP_INPUT, FX_CHAIN_ARP_OUTPUT,
		FX_CHAIN_SPLIT_MARK, FX_CHAIN_SPLIT_REPLY, FX_CHAIN_SPLIT_NAT, FX_CHAIN_COUNT };

enum fx_set_id {
	FX_SET_ENDPOINTS4, /* ipv4_addr . inet_proto . inet_service */
	FX_SET_ENDPOINTS6, /* ipv6_addr . inet_proto . inet_service */
	FX_SET_LAN4,       /* ipv4_addr intervals */
	FX_SET_LAN6,       /* ipv6_addr intervals */
	FX_SET_RESOLVERS4, /* ipv4_addr */
	FX_SET_RESOLVERS6, /* ipv6_addr */
	FX_SET_TUNNEL4,    /* ipv4_addr: the tunnel's own addresses */
	FX_SET_TUNNEL6,    /* ipv6_addr */
	FX_SET_ARP_TUNNEL4, /* the same IPv4 addresses, in table arp fexyn */
	FX_SET_EXCLUDED,   /* cgroupsv2 ids, in table inet fexyn_split */
	FX_SET_COUNT,
	FX_SET_NONE = -1,
};

/* FX_MARK sets the packet's mark (and its connection's, when set_ct_mark
 * is not 0) and goes on to the next rule; FX_MASQUERADE gives the packet
 * the address of the interface it leaves by. */
enum fx_verdict { FX_ACCEPT, FX_DROP, FX_REJECT, FX_MARK, FX_MASQUERADE };

/* The connection mark of what excluded programs send ("fxn"). */
#define FX_SPLIT_CT_MARK 0x66786eu
/* Their packet mark when no tunnel's fwmark routes around it. */
#define FX_SPLIT_MARK 0x66786eu
#define FX_MAX_EXCLUDED 64

/* Every field is a condition; a zero/none field matches anything. */
struct fx_rule {
	enum fx_chain chain;
	uint8_t nfproto;          /* 0, NFPROTO_IPV4 or NFPROTO_IPV6 */
	char iif[IFNAMSIZ];       /* "" = any */
	char oif[IFNAMSIZ];
	bool iif_not, oif_not;    /* any interface but the one named */
	bool match_mark;
	uint32_t mark;
	uint8_t l4proto;          /* 0 = any */
	uint16_t sport, dport;    /* 0 = any; host order */
	bool match_icmp_type;     /* ICMP or ICMPv6, by l4proto */
	uint8_t icmp_lo, icmp_hi;
	/* Constant prefixes ("fe80::/10"), for addresses that never change. */
	const char *saddr_net, *daddr_net;
	bool hop_limit_255;       /* IPv6 hop limit 255: sent on this link (RFC 4861) */
	bool ct_established;      /* ct state established,related */
	bool ct_new;              /* ct state new */
	bool match_ct_mark;
	uint32_t ct_mark;
	bool socket_excluded;     /* socket cgroupv2 level 2 @excluded */
	uint32_t set_mark, set_ct_mark; /* FX_MARK's */
	/* Address lookups; an endpoint set also matches protocol and port. In
	 * the ARP chains they are the target and sender protocol addresses. */
	enum fx_set_id daddr_set;
	enum fx_set_id saddr_set;
	enum fx_set_id nd_target_set; /* the target of a neighbour solicitation or advert */
	enum fx_verdict verdict;
	const char *why;          /* a static string: the leak this rule closes */
};

/* Room for the LAN ranges cut by every address, resolver and route a guard holds. */
#define FX_MAX_SET_ELEMS (16 + 2 * (FX_MAX_TUNNEL_ADDRS + FX_MAX_RESOLVERS + FX_MAX_TUNNEL_ROUTES))
#define FX_MAX_RULES 112

struct fx_set {
	size_t n;
	union {
		struct fx_endpoint endpoints[FX_MAX_SET_ELEMS]; /* endpoint sets */
		struct fx_range ranges[FX_MAX_SET_ELEMS];       /* interval (LAN) sets */
		struct fx_addr addrs[FX_MAX_SET_ELEMS];         /* the others */
		uint64_t ids[FX_MAX_SET_ELEMS];                 /* cgroup ids */
	};
};

struct fx_ruleset {
	bool present; /* false: no fexyn table at all */
	bool split;   /* table inet fexyn_split, with its chains and set */
	struct fx_set sets[FX_SET_COUNT];
	struct fx_rule rules[FX_MAX_RULES];
	size_t n_rules;
};

struct fx_policy_input {
	enum fx_state state;
	struct fx_settings settings;
	const struct fx_guard *guard; /* NULL when nothing is guarded */
	/* Addresses the guarded link holds now, beyond the guard's own (a
	 * tunnel whose server assigns its address, as OpenVPN's does); at
	 * most FX_MAX_TUNNEL_ADDRS, else the policy does not fit. */
	const struct fx_prefix *link_addrs;
	size_t n_link_addrs;
	/* The cgroups (their ids, the cgroup2 inode numbers) whose sockets'
	 * packets go around the tunnel; at most FX_MAX_EXCLUDED. */
	const uint64_t *excluded;
	size_t n_excluded;
};

/* Fills out completely. Returns 0, or -E2BIG if the policy does not fit. */
int fx_policy_compile(const struct fx_policy_input *in, struct fx_ruleset *out);

/* Whether two rulesets hold the same sets and rules (a rule's reason aside). */
bool fx_ruleset_equal(const struct fx_ruleset *a, const struct fx_ruleset *b);

/*
 * Whether a tunnel route (an AllowedIPs prefix) takes anything out of the
 * LAN allowance: it must overlap a LAN range without covering it whole. A
 * prefix that covers a whole range (0.0.0.0/1, 10.0.0.0/8) is a default
 * route as far as that range goes, and leaves it to the LAN as ::/0 does.
 */
bool fx_policy_route_cuts_lan(const struct fx_prefix *route);

bool fx_set_is_endpoints(enum fx_set_id id);
bool fx_set_is_interval(enum fx_set_id id);
int fx_set_family(enum fx_set_id id);
const char *fx_set_name(enum fx_set_id id);
bool fx_set_in_arp_table(enum fx_set_id id);
bool fx_set_in_split_table(enum fx_set_id id);
const char *fx_chain_name(enum fx_chain c);
bool fx_chain_in_arp_table(enum fx_chain c);
bool fx_chain_in_split_table(enum fx_chain c);
/* The mark that routes excluded programs' packets around the tunnel: the
 * guarded tunnel's fwmark (its routing rules send marked packets by the
 * main table), FX_SPLIT_MARK when nothing is guarded, 0 when the tunnel
 * has no fwmark: its routes are not fexyn's, and excluded programs then
 * stay in the tunnel. */
uint32_t fx_policy_split_mark(const struct fx_guard *g);
