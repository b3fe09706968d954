/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "policy.h"

#include <errno.h>
#include <linux/netfilter.h>
#include <stdio.h>
#include <string.h>

static const char *const state_names[] = {
	[FX_STATE_DISCONNECTED] = "disconnected",
	[FX_STATE_CONNECTING] = "connecting",
	[FX_STATE_CONNECTED] = "connected",
	[FX_STATE_RECONNECTING] = "reconnecting",
	[FX_STATE_BLOCKED] = "blocked",
};

const char *fx_state_name(enum fx_state s)
{
	if ((size_t)s >= sizeof(state_names) / sizeof(state_names[0]))
		return "unknown";
	return state_names[s];
}

void fx_settings_default(struct fx_settings *s)
{
	s->allow_lan = true;
	s->lockdown = false;
	s->killswitch = true;
}

bool fx_set_is_endpoints(enum fx_set_id id)
{
	return id == FX_SET_ENDPOINTS4 || id == FX_SET_ENDPOINTS6;
}

bool fx_set_is_interval(enum fx_set_id id)
{
	return id == FX_SET_LAN4 || id == FX_SET_LAN6;
}

int fx_set_family(enum fx_set_id id)
{
	return (id == FX_SET_ENDPOINTS6 || id == FX_SET_LAN6 || id == FX_SET_RESOLVERS6 ||
		id == FX_SET_TUNNEL6) ? AF_INET6 : AF_INET;
}

const char *fx_set_name(enum fx_set_id id)
{
	static const char *const names[FX_SET_COUNT] = {
		"endpoints4", "endpoints6", "lan4", "lan6", "resolvers4", "resolvers6",
		"tunnel4", "tunnel6", "tunnel4", "excluded",
	};
	return (id >= 0 && id < FX_SET_COUNT) ? names[id] : "none";
}

bool fx_set_in_arp_table(enum fx_set_id id)
{
	return id == FX_SET_ARP_TUNNEL4;
}

bool fx_set_in_split_table(enum fx_set_id id)
{
	return id == FX_SET_EXCLUDED;
}

/* Not nft's keywords ("route", "nat"): `nft list` prints names it can read back. */
const char *fx_chain_name(enum fx_chain c)
{
	static const char *const names[FX_CHAIN_COUNT] = { "input", "output", "forward", "postrouting",
							   "input", "output", "mark_out", "mark_in",
							   "masq_out" };
	return c < FX_CHAIN_COUNT ? names[c] : "none";
}

bool fx_chain_in_arp_table(enum fx_chain c)
{
	return c == FX_CHAIN_ARP_INPUT || c == FX_CHAIN_ARP_OUTPUT;
}

bool fx_chain_in_split_table(enum fx_chain c)
{
	return c == FX_CHAIN_SPLIT_MARK || c == FX_CHAIN_SPLIT_REPLY || c == FX_CHAIN_SPLIT_NAT;
}

uint32_t fx_policy_split_mark(const struct fx_guard *g)
{
	return g ? g->fwmark : FX_SPLIT_MARK;
}

/*
 * LAN means the private and link-local ranges and the multicast used for
 * discovery, never "the subnet we are on": a hostile network can hand out
 * a public prefix as its LAN (TunnelCrack LocalNet).
 */
static const char *const lan_prefixes[] = {
	"10.0.0.0/8",     "172.16.0.0/12", "192.168.0.0/16",      "169.254.0.0/16",
	"224.0.0.0/24",   /* local network control: mDNS 224.0.0.251, routers */
	"239.255.255.250/32", /* SSDP */
	"255.255.255.255/32", /* limited broadcast */
	"fc00::/7",       "fe80::/10",     "ff02::/16", /* link-local multicast: mDNS, NDP, MLD */
};

#define N_LAN (sizeof(lan_prefixes) / sizeof(lan_prefixes[0]))

static void lan_range(size_t i, struct fx_range *out)
{
	struct fx_prefix p;

	fx_prefix_parse(lan_prefixes[i], &p, NULL); /* constant, known good */
	fx_range_of_prefix(&p, out);
}

static bool covers(const struct fx_range *outer, const struct fx_range *inner)
{
	return outer->lo.family == inner->lo.family && fx_addr_cmp(&outer->lo, &inner->lo) <= 0 &&
	       fx_addr_cmp(&inner->hi, &outer->hi) <= 0;
}

bool fx_policy_route_cuts_lan(const struct fx_prefix *route)
{
	struct fx_range r, lan;

	fx_range_of_prefix(route, &r);
	for (size_t i = 0; i < N_LAN; i++) {
		lan_range(i, &lan);
		if (fx_range_overlaps(&r, &lan) && !covers(&r, &lan))
			return true;
	}
	return false;
}

static bool is_link_local(const struct fx_addr *a)
{
	if (a->family == AF_INET6)
		return a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80;
	return a->bytes[0] == 169 && a->bytes[1] == 254;
}

/* What belongs to the tunnel and must never count as LAN: a cut each. */
#define MAX_CUTS (8 * FX_MAX_TUNNEL_ADDRS + FX_MAX_RESOLVERS + FX_MAX_TUNNEL_ROUTES)

struct lan_cuts {
	struct fx_range v[MAX_CUTS];
	bool host[MAX_CUTS]; /* a single address: cut even from a range it equals */
	size_t n;
};

static void cut_prefix(struct lan_cuts *c, const struct fx_prefix *p, bool host)
{
	if (c->n < sizeof(c->v) / sizeof(c->v[0])) {
		fx_range_of_prefix(p, &c->v[c->n]);
		c->host[c->n++] = host;
	}
}

static void cut_addr(struct lan_cuts *c, const struct fx_addr *a)
{
	struct fx_prefix p = { .addr = *a, .len = (uint8_t)(fx_addr_len(a) * 8) };

	cut_prefix(c, &p, true);
}

static void cut_subnet(struct lan_cuts *c, const struct fx_prefix *p)
{
	if (!is_link_local(&p->addr))
		cut_prefix(c, p, false);
	cut_addr(c, &p->addr);
}

/*
 * The tunnel's addresses (and the subnets they are on: the kernel routes
 * those into the tunnel), its resolvers and its routes. A link-local
 * address gives only itself: its /64 is every link's.
 */
static void collect_cuts(const struct fx_policy_input *in, struct lan_cuts *c)
{
	const struct fx_guard *g = in->guard;

	for (size_t i = 0; i < g->n_addresses; i++)
		cut_subnet(c, &g->addresses[i]);
	for (size_t i = 0; i < in->n_link_addrs; i++)
		if (!is_link_local(&in->link_addrs[i].addr))
			cut_subnet(c, &in->link_addrs[i]);
	for (size_t i = 0; i < g->n_resolvers; i++)
		cut_addr(c, &g->resolvers[i]);
	for (size_t i = 0; i < g->n_routes; i++)
		cut_prefix(c, &g->routes[i], false);
}

/* Each LAN range, less what belongs to the tunnel. A subnet or route that
 * covers a whole range is a default route for it: the range stays LAN. */
static int fill_lan(struct fx_ruleset *rs, const struct lan_cuts *cuts)
{
	for (size_t i = 0; i < N_LAN; i++) {
		struct fx_range lan;
		struct fx_set *set;
		size_t first;
		int r;

		lan_range(i, &lan);
		set = &rs->sets[lan.lo.family == AF_INET6 ? FX_SET_LAN6 : FX_SET_LAN4];
		if (set->n == FX_MAX_SET_ELEMS)
			return -E2BIG;
		first = set->n;
		set->ranges[set->n++] = lan;
		for (size_t k = 0; k < cuts->n; k++) {
			size_t n = set->n - first;

			if (!cuts->host[k] && covers(&cuts->v[k], &lan))
				continue;
			r = fx_ranges_subtract(set->ranges + first, &n, FX_MAX_SET_ELEMS - first, &cuts->v[k]);
			if (r < 0)
				return r;
			set->n = first + n;
		}
	}
	return 0;
}

static int add_addr(struct fx_set *set, const struct fx_addr *a)
{
	for (size_t i = 0; i < set->n; i++)
		if (fx_addr_equal(&set->addrs[i], a))
			return 0;
	if (set->n == FX_MAX_SET_ELEMS)
		return -E2BIG;
	set->addrs[set->n++] = *a;
	return 0;
}

/*
 * The guard's addresses and those the link holds now, once each. A
 * link-local address the link got by itself is left out: the kernel takes a
 * packet to a link-local address only on that address's own link, and the
 * tunnel's is new each time the link is made.
 */
static int fill_tunnel_addrs(const struct fx_policy_input *in, struct fx_ruleset *rs)
{
	const struct fx_guard *g = in->guard;
	int r = 0;

	for (size_t i = 0; r == 0 && i < g->n_addresses + in->n_link_addrs; i++) {
		const struct fx_addr *a = i < g->n_addresses ? &g->addresses[i].addr
							     : &in->link_addrs[i - g->n_addresses].addr;

		if (i >= g->n_addresses && is_link_local(a))
			continue;
		r = add_addr(&rs->sets[a->family == AF_INET6 ? FX_SET_TUNNEL6 : FX_SET_TUNNEL4], a);
		if (r == 0 && a->family == AF_INET)
			r = add_addr(&rs->sets[FX_SET_ARP_TUNNEL4], a);
	}
	return r;
}

static int fill_sets(const struct fx_policy_input *in, struct fx_ruleset *rs)
{
	const struct fx_guard *g = in->guard;
	struct lan_cuts cuts = { .n = 0 };
	int r;

	if (g) {
		r = fill_tunnel_addrs(in, rs);
		if (r < 0)
			return r;
		collect_cuts(in, &cuts);
	}
	r = fill_lan(rs, &cuts);
	if (r < 0 || !g)
		return r;
	for (size_t i = 0; i < g->n_endpoints; i++) {
		bool v6 = g->endpoints[i].addr.family == AF_INET6;
		struct fx_set *set = &rs->sets[v6 ? FX_SET_ENDPOINTS6 : FX_SET_ENDPOINTS4];

		set->endpoints[set->n++] = g->endpoints[i];
	}
	for (size_t i = 0; r == 0 && i < g->n_resolvers; i++) {
		bool v6 = g->resolvers[i].family == AF_INET6;

		r = add_addr(&rs->sets[v6 ? FX_SET_RESOLVERS6 : FX_SET_RESOLVERS4], &g->resolvers[i]);
	}
	return r;
}

/* A builder that fills one rule at a time; overflow is reported once at the end. */
struct builder {
	struct fx_ruleset *rs;
	bool overflow;
	struct fx_rule scratch; /* written after overflow, never applied */
};

static struct fx_rule *rule(struct builder *b, enum fx_chain chain, enum fx_verdict v, const char *why)
{
	struct fx_rule *r = &b->scratch;

	if (b->rs->n_rules == FX_MAX_RULES)
		b->overflow = true;
	else
		r = &b->rs->rules[b->rs->n_rules++];
	memset(r, 0, sizeof(*r));
	r->chain = chain;
	r->verdict = v;
	r->why = why;
	r->daddr_set = FX_SET_NONE;
	r->saddr_set = FX_SET_NONE;
	r->nd_target_set = FX_SET_NONE;
	return r;
}

static void set_if(char dst[IFNAMSIZ], const char *name)
{
	snprintf(dst, IFNAMSIZ, "%s", name);
}

static void add_loopback(struct builder *b)
{
	set_if(rule(b, FX_CHAIN_OUTPUT, FX_ACCEPT, "loopback")->oif, "lo");
	set_if(rule(b, FX_CHAIN_INPUT, FX_ACCEPT, "loopback")->iif, "lo");
}

static const struct { uint8_t nfproto; enum fx_set_id set; } tunnel_fams[] = {
	{ NFPROTO_IPV4, FX_SET_TUNNEL4 }, { NFPROTO_IPV6, FX_SET_TUNNEL6 },
};

static struct fx_rule *not_via_tunnel(struct builder *b, enum fx_chain chain, const char *why,
				      const struct fx_guard *g)
{
	struct fx_rule *r = rule(b, chain, FX_DROP, why);

	if (chain == FX_CHAIN_INPUT) {
		set_if(r->iif, g->tunnel);
		r->iif_not = true;
	} else {
		set_if(r->oif, g->tunnel);
		r->oif_not = true;
	}
	return r;
}

/*
 * CVE-2019-14899: a LAN host or a hostile access point that sends to the
 * tunnel's address over the physical interface can probe, or inject into,
 * the connections that run through the tunnel (conntrack does not know
 * interfaces, so "established" would let a forged reply in). On input,
 * what is addressed to the tunnel's addresses, or solicits them, is dropped
 * unless it came through the tunnel, before anything can accept it; on the
 * way out, what comes from them, or advertises them, leaves through the
 * tunnel or not at all: anything else would tell the LAN the address.
 */
static void add_tunnel_addr_rules(struct builder *b, enum fx_chain chain, const struct fx_guard *g)
{
	bool in = chain == FX_CHAIN_INPUT;
	struct fx_rule *r;

	for (size_t f = 0; f < 2; f++) {
		if (b->rs->sets[tunnel_fams[f].set].n == 0)
			continue;
		r = not_via_tunnel(b, chain, in ? "to the tunnel's address, not through the tunnel"
						: "from the tunnel's address, outside the tunnel", g);
		r->nfproto = tunnel_fams[f].nfproto;
		*(in ? &r->daddr_set : &r->saddr_set) = tunnel_fams[f].set;
	}
	if (b->rs->sets[FX_SET_TUNNEL6].n == 0)
		return;
	r = not_via_tunnel(b, chain, in ? "neighbour solicitation for the tunnel's address"
					: "neighbour advert for the tunnel's address", g);
	r->nfproto = NFPROTO_IPV6;
	r->l4proto = IPPROTO_ICMPV6;
	r->match_icmp_type = true;
	r->icmp_lo = r->icmp_hi = in ? 135 : 136;
	r->nd_target_set = FX_SET_TUNNEL6;
}

/* A WireGuard link has no ARP: a request for its address on another link
 * is a probe, and an announcement of it a leak. Both are dropped. */
static void add_arp(struct builder *b)
{
	if (b->rs->sets[FX_SET_ARP_TUNNEL4].n == 0)
		return;
	rule(b, FX_CHAIN_ARP_INPUT, FX_DROP, "ARP for the tunnel's address")->daddr_set =
		FX_SET_ARP_TUNNEL4;
	rule(b, FX_CHAIN_ARP_OUTPUT, FX_DROP, "ARP from the tunnel's address")->saddr_set =
		FX_SET_ARP_TUNNEL4;
}

static const struct { uint8_t proto; uint16_t port; } dns_services[] = {
	{ IPPROTO_UDP, 53 }, { IPPROTO_TCP, 53 }, { IPPROTO_TCP, 853 },
};

/*
 * DNS goes only through the tunnel, to the tunnel's resolvers when there are
 * any, and is rejected everywhere else — before the LAN accept, so the home
 * router's resolver cannot see the names we look up.
 */
static void add_dns(struct builder *b, const struct fx_guard *g, bool tunnel_up)
{
	static const struct { uint8_t nfproto; enum fx_set_id set; } fams[] = {
		{ NFPROTO_IPV4, FX_SET_RESOLVERS4 }, { NFPROTO_IPV6, FX_SET_RESOLVERS6 },
	};

	for (size_t i = 0; tunnel_up && i < sizeof(dns_services) / sizeof(dns_services[0]); i++) {
		for (size_t f = 0; f < 2; f++) {
			struct fx_rule *r;

			if (g->n_resolvers && b->rs->sets[fams[f].set].n == 0)
				continue;
			r = rule(b, FX_CHAIN_OUTPUT, FX_ACCEPT, "DNS to the tunnel's resolvers");
			set_if(r->oif, g->tunnel);
			r->l4proto = dns_services[i].proto;
			r->dport = dns_services[i].port;
			if (g->n_resolvers) {
				r->nfproto = fams[f].nfproto;
				r->daddr_set = fams[f].set;
			} else {
				break; /* one rule, any family, covers "any resolver in the tunnel" */
			}
		}
	}
	for (size_t i = 0; i < sizeof(dns_services) / sizeof(dns_services[0]); i++) {
		struct fx_rule *r = rule(b, FX_CHAIN_OUTPUT, FX_REJECT, "DNS outside the tunnel");

		r->l4proto = dns_services[i].proto;
		r->dport = dns_services[i].port;
	}
}

static const struct { uint8_t nfproto; enum fx_set_id set; } endpoint_fams[] = {
	{ NFPROTO_IPV4, FX_SET_ENDPOINTS4 }, { NFPROTO_IPV6, FX_SET_ENDPOINTS6 },
};

/*
 * The carve-out for the tunnel's own packets: address, protocol, port and,
 * when known, the tunnel socket's fwmark — so a program that sends to the
 * endpoint's address on its own (or a spoofed endpoint) gets nothing.
 */
static void add_endpoint_out(struct builder *b, enum fx_chain chain, const struct fx_guard *g)
{
	for (size_t f = 0; f < 2; f++) {
		struct fx_rule *r;

		if (b->rs->sets[endpoint_fams[f].set].n == 0)
			continue;
		r = rule(b, chain, FX_ACCEPT, "the tunnel's own packets to its endpoint");
		r->nfproto = endpoint_fams[f].nfproto;
		r->daddr_set = endpoint_fams[f].set;
		r->match_mark = g->fwmark != 0;
		r->mark = g->fwmark;
	}
}

static void add_tunnel(struct builder *b, const struct fx_guard *g)
{
	struct fx_rule *r;

	set_if(rule(b, FX_CHAIN_OUTPUT, FX_ACCEPT, "into the tunnel")->oif, g->tunnel);
	set_if(rule(b, FX_CHAIN_INPUT, FX_ACCEPT, "from the tunnel")->iif, g->tunnel);
	set_if(rule(b, FX_CHAIN_FORWARD, FX_ACCEPT, "forwarded into the tunnel")->oif, g->tunnel);
	/* Only replies: a packet from the tunnel routed out of the physical
	 * interface would leave outside the tunnel. */
	r = rule(b, FX_CHAIN_FORWARD, FX_ACCEPT, "replies forwarded from the tunnel");
	set_if(r->iif, g->tunnel);
	r->ct_established = true;
}

/*
 * Before the handshake, only fexynd's echo probes may enter the tunnel: they
 * start the handshake and show the server answers. Inside the tunnel they
 * are encrypted to the server, so they leak nothing.
 */
static void add_tunnel_probes(struct builder *b, const struct fx_guard *g)
{
	struct fx_rule *r = rule(b, FX_CHAIN_OUTPUT, FX_ACCEPT, "probes into the tunnel");

	set_if(r->oif, g->tunnel);
	r->nfproto = NFPROTO_IPV4;
	r->l4proto = IPPROTO_ICMP;
	r->match_icmp_type = true;
	r->icmp_lo = r->icmp_hi = 8; /* echo request */
	r = rule(b, FX_CHAIN_OUTPUT, FX_ACCEPT, "probes into the tunnel");
	set_if(r->oif, g->tunnel);
	r->nfproto = NFPROTO_IPV6;
	r->l4proto = IPPROTO_ICMPV6;
	r->match_icmp_type = true;
	r->icmp_lo = r->icmp_hi = 128; /* echo request */
}

/*
 * DHCP and neighbour discovery keep the physical link alive while blocked,
 * and go only where they belong. A program that borrows port 68, or an
 * ICMPv6 type, to reach a host on the internet gets nothing.
 */
struct link_service {
	const char *why;
	const char *saddr_net, *daddr_net;
	enum fx_set_id daddr_set;
	uint16_t sport, dport;
	uint8_t nfproto, l4proto, icmp_lo, icmp_hi;
	bool out, hop_limit_255;
};

#define V4_UDP .nfproto = NFPROTO_IPV4, .l4proto = IPPROTO_UDP
#define V6_UDP .nfproto = NFPROTO_IPV6, .l4proto = IPPROTO_UDP
#define V6_ICMP .nfproto = NFPROTO_IPV6, .l4proto = IPPROTO_ICMPV6

static const struct link_service link_services[] = {
	/* DHCPv4 to the LAN's servers and broadcast; replies come from the
	 * server's own address or a relay's, so from anywhere. */
	{ "DHCP", .out = true, V4_UDP, .sport = 68, .dport = 67, .daddr_set = FX_SET_LAN4 },
	{ "DHCP", V4_UDP, .sport = 67, .dport = 68, .daddr_set = FX_SET_NONE },
	/* DHCPv6 (RFC 8415): from our link-local address to the servers' group, and back. */
	{ "DHCPv6", .out = true, V6_UDP, .sport = 546, .dport = 547, .saddr_net = "fe80::/10",
	  .daddr_net = "ff02::1:2/128", .daddr_set = FX_SET_NONE },
	{ "DHCPv6", V6_UDP, .sport = 547, .dport = 546, .saddr_net = "fe80::/10",
	  .daddr_net = "fe80::/10", .daddr_set = FX_SET_NONE },
	/* Neighbour discovery (RFC 4861): solicit routers, solicit and answer
	 * neighbours; a host does not advertise routes or redirect. */
	{ "router solicitation", .out = true, V6_ICMP, .icmp_lo = 133, .icmp_hi = 133,
	  .daddr_net = "ff02::2/128", .daddr_set = FX_SET_NONE },
	/* To any neighbour: a router solicits us from its global address, and
	 * must have its answer to deliver the tunnel's own packets. Hop limit
	 * 255 keeps them on the link (a forwarded one is ignored, RFC 4861). */
	{ "neighbour solicitation and advert", .out = true, V6_ICMP, .icmp_lo = 135, .icmp_hi = 136,
	  .daddr_set = FX_SET_NONE, .hop_limit_255 = true },
	/* In: only what was sent on this link (hop limit 255); routers speak
	 * from their link-local address. */
	{ "router advert, redirect and neighbour discovery from a link-local address", V6_ICMP,
	  .icmp_lo = 134, .icmp_hi = 137, .saddr_net = "fe80::/10", .daddr_set = FX_SET_NONE,
	  .hop_limit_255 = true },
	{ "neighbour solicitation and advert", V6_ICMP, .icmp_lo = 135, .icmp_hi = 136,
	  .daddr_set = FX_SET_NONE, .hop_limit_255 = true },
};

#undef V4_UDP
#undef V6_UDP
#undef V6_ICMP

static void add_link_services(struct builder *b, enum fx_chain out_chain)
{
	for (size_t i = 0; i < sizeof(link_services) / sizeof(link_services[0]); i++) {
		const struct link_service *s = &link_services[i];
		struct fx_rule *r;

		if (!s->out && out_chain != FX_CHAIN_OUTPUT)
			continue;
		r = rule(b, s->out ? out_chain : FX_CHAIN_INPUT, FX_ACCEPT, s->why);
		r->nfproto = s->nfproto;
		r->l4proto = s->l4proto;
		r->sport = s->sport;
		r->dport = s->dport;
		r->match_icmp_type = s->icmp_lo != 0;
		r->icmp_lo = s->icmp_lo;
		r->icmp_hi = s->icmp_hi;
		r->saddr_net = s->saddr_net;
		r->daddr_net = s->daddr_net;
		r->daddr_set = s->daddr_set;
		r->hop_limit_255 = s->hop_limit_255;
	}
}

static void add_lan(struct builder *b)
{
	static const struct { uint8_t nfproto; enum fx_set_id set; } fams[] = {
		{ NFPROTO_IPV4, FX_SET_LAN4 }, { NFPROTO_IPV6, FX_SET_LAN6 },
	};

	for (size_t f = 0; f < 2; f++) {
		struct fx_rule *r;

		r = rule(b, FX_CHAIN_OUTPUT, FX_ACCEPT, "LAN");
		r->nfproto = fams[f].nfproto;
		r->daddr_set = fams[f].set;
		r = rule(b, FX_CHAIN_INPUT, FX_ACCEPT, "LAN");
		r->nfproto = fams[f].nfproto;
		r->saddr_set = fams[f].set;
		/* Forwarded LAN traffic must stay LAN on both ends: a container's
		 * private source address alone must not carry it to the internet. */
		r = rule(b, FX_CHAIN_FORWARD, FX_ACCEPT, "LAN to LAN");
		r->nfproto = fams[f].nfproto;
		r->saddr_set = fams[f].set;
		r->daddr_set = fams[f].set;
	}
}

/* Replies to connections we allowed out; output has no such rule, so
 * connections opened before the kill switch engaged cannot keep leaking. */
static void add_input_established(struct builder *b)
{
	rule(b, FX_CHAIN_INPUT, FX_ACCEPT, "replies to allowed traffic")->ct_established = true;
}

/* Programs fail fast with an error instead of hanging until a timeout. */
static void add_reject(struct builder *b)
{
	rule(b, FX_CHAIN_OUTPUT, FX_REJECT, "everything else: blocked by fexyn")->l4proto = IPPROTO_TCP;
	rule(b, FX_CHAIN_OUTPUT, FX_REJECT, "everything else: blocked by fexyn");
}

/*
 * The same judgement again where the packet really leaves (chain policy
 * drop; postrouting cannot reject). Forwarded packets pass here too: what
 * the forward chain let into the tunnel, and replies from it.
 */
static void add_postrouting(struct builder *b, const struct fx_guard *g, bool guarded, bool tunnel_up,
			    bool allow_lan)
{
	const enum fx_chain post = FX_CHAIN_POSTROUTING;

	set_if(rule(b, post, FX_ACCEPT, "loopback")->oif, "lo");
	if (g)
		add_tunnel_addr_rules(b, post, g);
	if (guarded && g) {
		set_if(rule(b, post, FX_ACCEPT, "into the tunnel")->oif, g->tunnel);
		add_endpoint_out(b, post, g);
	}
	if (tunnel_up)
		set_if(rule(b, post, FX_ACCEPT, "replies forwarded from the tunnel")->iif, g->tunnel);
	for (size_t i = 0; i < sizeof(dns_services) / sizeof(dns_services[0]); i++) {
		struct fx_rule *r = rule(b, post, FX_DROP, "DNS outside the tunnel");

		r->l4proto = dns_services[i].proto;
		r->dport = dns_services[i].port;
	}
	add_link_services(b, post);
	if (!allow_lan)
		return;
	for (size_t f = 0; f < 2; f++) {
		struct fx_rule *r = rule(b, post, FX_ACCEPT, "LAN");

		r->nfproto = f ? NFPROTO_IPV6 : NFPROTO_IPV4;
		r->daddr_set = f ? FX_SET_LAN6 : FX_SET_LAN4;
	}
}

/*
 * Split tunnelling. What an excluded program's socket sends, but DNS, gets
 * the mark that routes it by the main table (the routing rules of a
 * tunnel with a fwmark send marked packets there: it is how the tunnel's
 * own packets reach the server) and the connection mark that tells its
 * replies. Only for connections that start excluded: one the socket had
 * before (its address the tunnel's) stays in the tunnel, since the nat
 * chain sees only a connection's first packet and could not give it the
 * interface's address. Marking is by socket, at every packet: once a
 * program is no longer excluded, its next packet is routed into the
 * tunnel, whichever connection it belongs to. DNS is left alone: it goes
 * to the tunnel's resolver through the tunnel, so no name reaches the
 * network the machine is on (and, while blocked, goes nowhere).
 */
static void add_split(struct builder *b, uint32_t mark)
{
	struct fx_rule *r;

	for (size_t i = 0; i < sizeof(dns_services) / sizeof(dns_services[0]); i++) {
		r = rule(b, FX_CHAIN_SPLIT_MARK, FX_ACCEPT, "DNS stays in the tunnel");
		r->l4proto = dns_services[i].proto;
		r->dport = dns_services[i].port;
	}
	for (size_t i = 0; i < 2; i++) {
		r = rule(b, FX_CHAIN_SPLIT_MARK, FX_MARK, i ? "excluded programs: their connections"
							  : "excluded programs: new connections");
		r->socket_excluded = true;
		r->ct_new = i == 0;
		r->match_ct_mark = i == 1;
		r->ct_mark = i ? FX_SPLIT_CT_MARK : 0;
		r->set_mark = mark;
		r->set_ct_mark = FX_SPLIT_CT_MARK;
	}
	r = rule(b, FX_CHAIN_SPLIT_REPLY, FX_MARK, "replies to excluded programs: routed as sent");
	r->match_ct_mark = true;
	r->ct_mark = FX_SPLIT_CT_MARK;
	r->set_mark = mark;
	r = rule(b, FX_CHAIN_SPLIT_NAT, FX_MASQUERADE, "excluded programs: the interface's address");
	r->match_mark = true;
	r->mark = mark;
	r->match_ct_mark = true;
	r->ct_mark = FX_SPLIT_CT_MARK;
}

/*
 * What the split table marked leaves, and its replies come in, before
 * anything else is judged: the packet still has the tunnel's address
 * (nat gives it the interface's after the filter), and the reply has it
 * again when it arrives. Both marks, or no way out: the packet mark alone
 * is also the tunnel socket's, and only the mark chain sets the
 * connection mark on what leaves.
 */
static void add_split_accepts(struct builder *b, uint32_t mark)
{
	static const enum fx_chain out[] = { FX_CHAIN_OUTPUT, FX_CHAIN_POSTROUTING };
	struct fx_rule *r;

	for (size_t i = 0; i < 2; i++) {
		r = rule(b, out[i], FX_ACCEPT, "excluded programs (split tunnelling)");
		r->match_mark = true;
		r->mark = mark;
		r->match_ct_mark = true;
		r->ct_mark = FX_SPLIT_CT_MARK;
	}
	r = rule(b, FX_CHAIN_INPUT, FX_ACCEPT, "replies to excluded programs");
	r->match_ct_mark = true;
	r->ct_mark = FX_SPLIT_CT_MARK;
}

/* Excluded programs need a way around the tunnel: a mark that routes. The
 * table is not needed while disconnected without lockdown: nothing is
 * steered or blocked then. */
static bool wants_split(const struct fx_policy_input *in)
{
	if (in->n_excluded == 0 || fx_policy_split_mark(in->guard) == 0)
		return false;
	return in->state != FX_STATE_DISCONNECTED || in->settings.lockdown;
}

static int fill_excluded(const struct fx_policy_input *in, struct fx_ruleset *rs)
{
	struct fx_set *set = &rs->sets[FX_SET_EXCLUDED];

	if (in->n_excluded > FX_MAX_EXCLUDED)
		return -E2BIG;
	for (size_t i = 0; i < in->n_excluded; i++) {
		size_t k = 0;

		while (k < set->n && set->ids[k] != in->excluded[i])
			k++;
		if (k == set->n)
			set->ids[set->n++] = in->excluded[i];
	}
	return 0;
}

/*
 * Errors always block (fail closed). Otherwise the user decides: lockdown
 * blocks even while disconnected; with the kill switch off, tunnels run
 * without firewall rules, as asked. The daemon refuses the contradictory
 * pair (lockdown on, kill switch off).
 */
static bool state_has_table(const struct fx_policy_input *in)
{
	if (in->state == FX_STATE_BLOCKED)
		return true;
	if (in->state == FX_STATE_DISCONNECTED)
		return in->settings.lockdown;
	return in->settings.killswitch;
}

/* Table inet fexyn_split alone: the kill switch is off, and excluded
 * programs must still go around the tunnel. */
static int compile_split_only(const struct fx_policy_input *in, struct fx_ruleset *out)
{
	struct builder b = { .rs = out };
	int r = fill_excluded(in, out);

	if (r < 0)
		return r;
	out->split = true;
	add_split(&b, fx_policy_split_mark(in->guard));
	return b.overflow ? -E2BIG : 0;
}

int fx_policy_compile(const struct fx_policy_input *in, struct fx_ruleset *out)
{
	struct builder b = { .rs = out };
	bool guarded = in->guard && in->state != FX_STATE_BLOCKED &&
		       in->state != FX_STATE_DISCONNECTED;
	bool tunnel_up = guarded && in->state == FX_STATE_CONNECTED;
	uint32_t split_mark = fx_policy_split_mark(in->guard);
	int r;

	memset(out, 0, sizeof(*out));
	if (!state_has_table(in))
		return wants_split(in) ? compile_split_only(in, out) : 0;
	if (in->n_link_addrs > FX_MAX_TUNNEL_ADDRS)
		return -E2BIG;
	out->present = true;
	out->split = wants_split(in);
	r = fill_sets(in, out);
	if (r == 0 && out->split)
		r = fill_excluded(in, out);
	if (r < 0)
		return r;
	if (!guarded) /* blocked: the carve-outs must not exist */
		out->sets[FX_SET_ENDPOINTS4].n = out->sets[FX_SET_ENDPOINTS6].n = 0;
	add_loopback(&b);
	if (out->split) {
		add_split(&b, split_mark);
		add_split_accepts(&b, split_mark);
	}
	if (in->guard) {
		add_tunnel_addr_rules(&b, FX_CHAIN_INPUT, in->guard);
		add_tunnel_addr_rules(&b, FX_CHAIN_OUTPUT, in->guard);
		add_arp(&b);
	}
	add_input_established(&b);
	/* The tunnel's own packets first: its endpoint may listen on udp/53. */
	/* The endpoint's answers come in as replies (ct established): nothing
	 * from it is let in that the tunnel did not ask for. */
	if (guarded)
		add_endpoint_out(&b, FX_CHAIN_OUTPUT, in->guard);
	add_dns(&b, in->guard, tunnel_up);
	if (tunnel_up)
		add_tunnel(&b, in->guard);
	else if (guarded)
		add_tunnel_probes(&b, in->guard);
	add_link_services(&b, FX_CHAIN_OUTPUT);
	if (in->settings.allow_lan)
		add_lan(&b);
	add_reject(&b);
	add_postrouting(&b, in->guard, guarded, tunnel_up, in->settings.allow_lan);
	return b.overflow ? -E2BIG : 0;
}

static bool endpoint_equal(const struct fx_endpoint *a, const struct fx_endpoint *b)
{
	return fx_addr_equal(&a->addr, &b->addr) && a->port == b->port && a->proto == b->proto;
}

static bool set_equal(enum fx_set_id id, const struct fx_set *a, const struct fx_set *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		bool same = id == FX_SET_EXCLUDED ? a->ids[i] == b->ids[i]
			    : fx_set_is_endpoints(id) ? endpoint_equal(&a->endpoints[i], &b->endpoints[i])
			    : fx_set_is_interval(id) ? fx_addr_equal(&a->ranges[i].lo, &b->ranges[i].lo) &&
							     fx_addr_equal(&a->ranges[i].hi, &b->ranges[i].hi)
			    : fx_addr_equal(&a->addrs[i], &b->addrs[i]);

		if (!same)
			return false;
	}
	return true;
}

static bool text_equal(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool rule_equal(const struct fx_rule *a, const struct fx_rule *b)
{
	return a->chain == b->chain && a->nfproto == b->nfproto && strcmp(a->iif, b->iif) == 0 &&
	       strcmp(a->oif, b->oif) == 0 && a->iif_not == b->iif_not && a->oif_not == b->oif_not &&
	       a->match_mark == b->match_mark && a->mark == b->mark && a->l4proto == b->l4proto &&
	       a->sport == b->sport && a->dport == b->dport && a->match_icmp_type == b->match_icmp_type &&
	       a->icmp_lo == b->icmp_lo && a->icmp_hi == b->icmp_hi &&
	       text_equal(a->saddr_net, b->saddr_net) && text_equal(a->daddr_net, b->daddr_net) &&
	       a->hop_limit_255 == b->hop_limit_255 && a->ct_established == b->ct_established &&
	       a->ct_new == b->ct_new && a->match_ct_mark == b->match_ct_mark &&
	       a->ct_mark == b->ct_mark && a->socket_excluded == b->socket_excluded &&
	       a->set_mark == b->set_mark && a->set_ct_mark == b->set_ct_mark &&
	       a->daddr_set == b->daddr_set && a->saddr_set == b->saddr_set &&
	       a->nd_target_set == b->nd_target_set && a->verdict == b->verdict;
}

bool fx_ruleset_equal(const struct fx_ruleset *a, const struct fx_ruleset *b)
{
	if (a->present != b->present || a->split != b->split || a->n_rules != b->n_rules)
		return false;
	for (enum fx_set_id id = 0; id < FX_SET_COUNT; id++)
		if (!set_equal(id, &a->sets[id], &b->sets[id]))
			return false;
	for (size_t i = 0; i < a->n_rules; i++)
		if (!rule_equal(&a->rules[i], &b->rules[i]))
			return false;
	return true;
}
