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

int fx_state_parse(const char *s, enum fx_state *out)
{
	for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++) {
		if (strcmp(s, state_names[i]) == 0) {
			*out = (enum fx_state)i;
			return 0;
		}
	}
	return -EINVAL;
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
	return (id == FX_SET_ENDPOINTS6 || id == FX_SET_LAN6 || id == FX_SET_RESOLVERS6) ? AF_INET6
											: AF_INET;
}

const char *fx_set_name(enum fx_set_id id)
{
	static const char *const names[FX_SET_COUNT] = {
		"endpoints4", "endpoints6", "lan4", "lan6", "resolvers4", "resolvers6",
	};
	return (id >= 0 && id < FX_SET_COUNT) ? names[id] : "none";
}

const char *fx_chain_name(enum fx_chain c)
{
	static const char *const names[FX_CHAIN_COUNT] = { "input", "output", "forward", "postrouting" };
	return c < FX_CHAIN_COUNT ? names[c] : "none";
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

static int add_prefix(struct fx_ruleset *rs, const char *text)
{
	struct fx_prefix p;
	struct fx_set *set;
	int r = fx_prefix_parse(text, &p, NULL);

	if (r < 0)
		return r;
	set = &rs->sets[p.addr.family == AF_INET6 ? FX_SET_LAN6 : FX_SET_LAN4];
	if (set->n == FX_MAX_SET_ELEMS)
		return -E2BIG;
	set->prefixes[set->n++] = p;
	return 0;
}

static int fill_sets(const struct fx_policy_input *in, struct fx_ruleset *rs)
{
	const struct fx_guard *g = in->guard;
	int r;

	for (size_t i = 0; i < sizeof(lan_prefixes) / sizeof(lan_prefixes[0]); i++) {
		r = add_prefix(rs, lan_prefixes[i]);
		if (r < 0)
			return r;
	}
	if (!g)
		return 0;
	for (size_t i = 0; i < g->n_endpoints; i++) {
		bool v6 = g->endpoints[i].addr.family == AF_INET6;
		struct fx_set *set = &rs->sets[v6 ? FX_SET_ENDPOINTS6 : FX_SET_ENDPOINTS4];

		set->endpoints[set->n++] = g->endpoints[i];
	}
	for (size_t i = 0; i < g->n_resolvers; i++) {
		bool v6 = g->resolvers[i].family == AF_INET6;
		struct fx_set *set = &rs->sets[v6 ? FX_SET_RESOLVERS6 : FX_SET_RESOLVERS4];

		set->prefixes[set->n].addr = g->resolvers[i];
		set->prefixes[set->n++].len = v6 ? 128 : 32;
	}
	return 0;
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

static void add_endpoints(struct builder *b, const struct fx_guard *g)
{
	add_endpoint_out(b, FX_CHAIN_OUTPUT, g);
	for (size_t f = 0; f < 2; f++) {
		struct fx_rule *in;

		if (b->rs->sets[endpoint_fams[f].set].n == 0)
			continue;
		in = rule(b, FX_CHAIN_INPUT, FX_ACCEPT, "the endpoint's packets to the tunnel");
		in->nfproto = endpoint_fams[f].nfproto;
		in->saddr_set = endpoint_fams[f].set;
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
	r = rule(b, FX_CHAIN_OUTPUT, FX_ACCEPT, "probes into the tunnel");
	set_if(r->oif, g->tunnel);
	r->nfproto = NFPROTO_IPV6;
	r->l4proto = IPPROTO_ICMPV6;
	r->match_icmp6_type = true;
	r->icmp6_lo = r->icmp6_hi = 128; /* echo request */
}

/*
 * DHCP and neighbour discovery keep the physical link alive while blocked,
 * and go only where they belong: the LAN ranges, which hold the broadcast
 * and link-local multicast addresses. A program that borrows port 68, or an
 * ICMPv6 type, to reach a host on the internet gets nothing.
 */
static void add_link_services(struct builder *b, enum fx_chain out_chain)
{
	static const struct { bool out; uint8_t nfproto; uint16_t sport, dport; enum fx_set_id set; } dhcp[] = {
		{ true, NFPROTO_IPV4, 68, 67, FX_SET_LAN4 }, { false, NFPROTO_IPV4, 67, 68, FX_SET_NONE },
		{ true, NFPROTO_IPV6, 546, 547, FX_SET_LAN6 }, { false, NFPROTO_IPV6, 547, 546, FX_SET_NONE },
	};

	for (size_t i = 0; i < sizeof(dhcp) / sizeof(dhcp[0]); i++) {
		struct fx_rule *r;

		if (!dhcp[i].out && out_chain != FX_CHAIN_OUTPUT)
			continue;
		r = rule(b, dhcp[i].out ? out_chain : FX_CHAIN_INPUT, FX_ACCEPT, "DHCP");
		r->nfproto = dhcp[i].nfproto;
		r->l4proto = IPPROTO_UDP;
		r->sport = dhcp[i].sport;
		r->dport = dhcp[i].dport;
		r->daddr_set = dhcp[i].set;
	}
	for (int out = 0; out < 2; out++) {
		struct fx_rule *r;

		if (!out && out_chain != FX_CHAIN_OUTPUT)
			continue;
		r = rule(b, out ? out_chain : FX_CHAIN_INPUT, FX_ACCEPT, "router and neighbour discovery");
		r->nfproto = NFPROTO_IPV6;
		r->l4proto = IPPROTO_ICMPV6;
		r->match_icmp6_type = true;
		r->icmp6_lo = 133; /* router solicitation */
		r->icmp6_hi = 137; /* redirect */
		if (out)
			r->daddr_set = FX_SET_LAN6;
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
 * Errors always block (fail closed). Otherwise the user decides: lockdown
 * blocks even while disconnected; with the kill switch off, tunnels run
 * without firewall rules, as asked. The daemon refuses the contradictory
 * pair (lockdown on, kill switch off).
 */
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
	if (guarded) {
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

static bool state_has_table(const struct fx_policy_input *in)
{
	if (in->state == FX_STATE_BLOCKED)
		return true;
	if (in->state == FX_STATE_DISCONNECTED)
		return in->settings.lockdown;
	return in->settings.killswitch;
}

int fx_policy_compile(const struct fx_policy_input *in, struct fx_ruleset *out)
{
	struct builder b = { .rs = out };
	bool guarded = in->guard && in->state != FX_STATE_BLOCKED &&
		       in->state != FX_STATE_DISCONNECTED;
	bool tunnel_up = guarded && in->state == FX_STATE_CONNECTED;
	int r;

	memset(out, 0, sizeof(*out));
	if (!state_has_table(in))
		return 0;
	out->present = true;
	r = fill_sets(in, out);
	if (r < 0)
		return r;
	if (!guarded) /* blocked: the carve-outs must not exist */
		out->sets[FX_SET_ENDPOINTS4].n = out->sets[FX_SET_ENDPOINTS6].n = 0;
	add_loopback(&b);
	add_input_established(&b);
	/* The tunnel's own packets first: its endpoint may listen on udp/53. */
	if (guarded)
		add_endpoints(&b, in->guard);
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
