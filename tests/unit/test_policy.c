/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What each state lets out and what it stops, packet by packet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "policy_eval.h"

#define CLIENT "192.168.77.2"
#define ROUTER "192.168.77.1"
#define LAN_HOST "192.168.77.3"
#define WEB "198.51.100.20"
#define SERVER "198.51.100.10"
#define TUN_ADDR "10.66.0.2"
#define RESOLVER "10.66.0.1"
#define MARK 51820

struct fixture {
	struct fx_guard guard;
	struct fx_policy_input in;
	struct fx_ruleset rs;
};

static void make_guard(struct fx_guard *g, bool with_mark)
{
	struct fx_err err;

	memset(g, 0, sizeof(*g));
	assert_int_equal(fx_guard_set(g, "tunnel", "wg0", &err), 0);
	assert_int_equal(fx_guard_set(g, "endpoint", SERVER ":51820", &err), 0);
	assert_int_equal(fx_guard_set(g, "dns", RESOLVER, &err), 0);
	if (with_mark)
		assert_int_equal(fx_guard_set(g, "fwmark", "51820", &err), 0);
}

static struct fixture *compile(struct fixture *f, enum fx_state state)
{
	f->in.state = state;
	f->in.guard = &f->guard;
	assert_int_equal(fx_policy_compile(&f->in, &f->rs), 0);
	return f;
}

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));

	make_guard(&f->guard, true);
	fx_settings_default(&f->in.settings);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	test_free(*state);
	return 0;
}

/* The client's source address in the destination's family. */
static const char *src_for(const char *dst)
{
	return strchr(dst, ':') ? "2001:db8:77::2" : CLIENT;
}

/* Shorthands for the packets the tests ask about. */
static enum fx_verdict out_udp(struct fixture *f, const char *oif, const char *dst, uint16_t port,
			       uint32_t mark)
{
	struct test_pkt p = { .chain = FX_CHAIN_OUTPUT, .oif = oif, .mark = mark, .l4proto = IPPROTO_UDP,
			      .sport = 40000, .dport = port, .saddr = src_for(dst), .daddr = dst };

	return test_eval(&f->rs, &p);
}

static enum fx_verdict out_tcp(struct fixture *f, const char *oif, const char *dst, uint16_t port)
{
	struct test_pkt p = { .chain = FX_CHAIN_OUTPUT, .oif = oif, .l4proto = IPPROTO_TCP,
			      .sport = 40000, .dport = port, .saddr = src_for(dst), .daddr = dst };

	return test_eval(&f->rs, &p);
}

static enum fx_verdict forward(struct fixture *f, const char *iif, const char *oif, const char *src,
			       const char *dst)
{
	struct test_pkt p = { .chain = FX_CHAIN_FORWARD, .iif = iif, .oif = oif,
			      .l4proto = IPPROTO_UDP, .sport = 1, .dport = 9, .saddr = src, .daddr = dst };

	return test_eval(&f->rs, &p);
}

static void disconnected_has_no_table(void **state)
{
	struct fixture *f = compile(*state, FX_STATE_DISCONNECTED);

	assert_false(f->rs.present);
	assert_int_equal(f->rs.n_rules, 0);
}

static void lockdown_blocks_while_disconnected(void **state)
{
	struct fixture *f = *state;

	f->in.settings.lockdown = true;
	f->in.guard = NULL;
	assert_int_equal(fx_policy_compile(&f->in, &f->rs), 0);
	assert_true(f->rs.present);
	assert_int_equal(out_udp(f, "eth0", WEB, 9999, 0), FX_REJECT);
	assert_int_equal(out_udp(f, "eth0", LAN_HOST, 9999, 0), FX_ACCEPT);
}

static void connecting_allows_only_marked_endpoint_packets(void **state)
{
	struct fixture *f = compile(*state, FX_STATE_CONNECTING);

	assert_true(f->rs.present);
	assert_int_equal(out_udp(f, "eth0", SERVER, 51820, MARK), FX_ACCEPT);
	/* A program's own socket to the endpoint, unmarked: the carve-out is not for it. */
	assert_int_equal(out_udp(f, "eth0", SERVER, 51820, 0), FX_REJECT);
	assert_int_equal(out_udp(f, "eth0", SERVER, 51821, MARK), FX_REJECT);
	assert_int_equal(out_tcp(f, "eth0", SERVER, 51820), FX_REJECT);
	assert_int_equal(out_udp(f, "eth0", WEB, 9999, 0), FX_REJECT);
	/* The tunnel does not count until it is up. */
	assert_int_equal(out_udp(f, "wg0", WEB, 9999, 0), FX_REJECT);
}

/* The probes that start the handshake may enter the tunnel; nothing else may. */
static void connecting_lets_only_probes_into_the_tunnel(void **state)
{
	struct fixture *f = compile(*state, FX_STATE_CONNECTING);
	struct test_pkt echo = { .chain = FX_CHAIN_OUTPUT, .oif = "wg0", .l4proto = IPPROTO_ICMP,
				 .icmp_type = 8, .saddr = "10.66.0.2", .daddr = "10.66.0.1" };

	assert_int_equal(test_eval(&f->rs, &echo), FX_ACCEPT);
	echo.icmp_type = 13; /* a timestamp request is no probe */
	assert_int_equal(test_eval(&f->rs, &echo), FX_REJECT);
	echo.icmp_type = 8;
	/* The same echo around the tunnel, to a host that is not on the LAN. */
	echo.oif = "eth0";
	echo.daddr = WEB;
	assert_int_equal(test_eval(&f->rs, &echo), FX_REJECT);
	echo.oif = "wg0";
	echo.l4proto = IPPROTO_ICMPV6;
	echo.icmp_type = 128;
	echo.saddr = "2001:db8:66::2";
	echo.daddr = "2001:db8:66::1";
	assert_int_equal(test_eval(&f->rs, &echo), FX_ACCEPT);
	echo.icmp_type = 1; /* not an echo request */
	assert_int_equal(test_eval(&f->rs, &echo), FX_REJECT);
	/* Blocked (no guard in force): not even probes. */
	compile(f, FX_STATE_BLOCKED);
	echo.icmp_type = 128;
	assert_int_equal(test_eval(&f->rs, &echo), FX_REJECT);
}

static void reconnecting_is_as_closed_as_connecting(void **state)
{
	struct fixture *f = compile(*state, FX_STATE_RECONNECTING);

	assert_int_equal(out_udp(f, "eth0", SERVER, 51820, MARK), FX_ACCEPT);
	assert_int_equal(out_udp(f, "eth0", WEB, 9999, 0), FX_REJECT);
	assert_int_equal(out_udp(f, "wg0", WEB, 9999, 0), FX_REJECT);
}

static void connected_allows_the_tunnel_and_nothing_around_it(void **state)
{
	struct fixture *f = compile(*state, FX_STATE_CONNECTED);

	assert_int_equal(out_udp(f, "wg0", WEB, 9999, 0), FX_ACCEPT);
	assert_int_equal(out_tcp(f, "wg0", WEB, 443), FX_ACCEPT);
	assert_int_equal(out_udp(f, "eth0", WEB, 9999, 0), FX_REJECT);
	assert_int_equal(out_tcp(f, "eth0", WEB, 443), FX_REJECT);
	assert_int_equal(out_udp(f, "eth0", SERVER, 51820, MARK), FX_ACCEPT);
}

static void blocked_closes_the_carve_outs(void **state)
{
	struct fixture *f = compile(*state, FX_STATE_BLOCKED);

	assert_true(f->rs.present);
	assert_int_equal(out_udp(f, "eth0", SERVER, 51820, MARK), FX_REJECT);
	assert_int_equal(out_udp(f, "wg0", WEB, 9999, 0), FX_REJECT);
	assert_int_equal(out_udp(f, "eth0", LAN_HOST, 9999, 0), FX_ACCEPT);
	assert_int_equal(f->rs.sets[FX_SET_ENDPOINTS4].n, 0);
}

static void dns_goes_only_to_the_tunnel_resolvers(void **state)
{
	struct fixture *f = compile(*state, FX_STATE_CONNECTED);

	assert_int_equal(out_udp(f, "wg0", RESOLVER, 53, 0), FX_ACCEPT);
	assert_int_equal(out_tcp(f, "wg0", RESOLVER, 853), FX_ACCEPT);
	/* Another resolver, even through the tunnel: refused. */
	assert_int_equal(out_udp(f, "wg0", WEB, 53, 0), FX_REJECT);
	/* The home router's resolver is LAN, and still refused: DNS comes first. */
	assert_int_equal(out_udp(f, "eth0", ROUTER, 53, 0), FX_REJECT);
	assert_int_equal(out_tcp(f, "eth0", ROUTER, 53), FX_REJECT);
	assert_int_equal(out_udp(f, "eth0", ROUTER, 5353, 0), FX_ACCEPT);
}

static void dns_without_resolvers_stays_in_the_tunnel(void **state)
{
	struct fixture *f = *state;
	struct fx_err err;

	memset(&f->guard, 0, sizeof(f->guard));
	fx_guard_set(&f->guard, "tunnel", "wg0", &err);
	fx_guard_set(&f->guard, "endpoint", SERVER ":51820", &err);
	compile(f, FX_STATE_CONNECTED);
	assert_int_equal(out_udp(f, "wg0", "9.9.9.9", 53, 0), FX_ACCEPT);
	assert_int_equal(out_udp(f, "eth0", "9.9.9.9", 53, 0), FX_REJECT);
	/* Without a fwmark the carve-out checks address, protocol and port only. */
	assert_int_equal(out_udp(f, "eth0", SERVER, 51820, 0), FX_ACCEPT);
}

static void connecting_refuses_all_dns(void **state)
{
	struct fixture *f = compile(*state, FX_STATE_CONNECTING);

	assert_int_equal(out_udp(f, "wg0", RESOLVER, 53, 0), FX_REJECT);
	assert_int_equal(out_udp(f, "eth0", ROUTER, 53, 0), FX_REJECT);
}

static void lan_means_private_ranges_not_the_local_subnet(void **state)
{
	struct fixture *f = compile(*state, FX_STATE_CONNECTING);

	assert_int_equal(out_udp(f, "eth0", LAN_HOST, 9999, 0), FX_ACCEPT);
	assert_int_equal(out_udp(f, "eth0", "10.1.2.3", 9999, 0), FX_ACCEPT);
	assert_int_equal(out_udp(f, "eth0", "172.31.255.255", 9999, 0), FX_ACCEPT);
	assert_int_equal(out_udp(f, "eth0", "172.32.0.1", 9999, 0), FX_REJECT);
	assert_int_equal(out_udp(f, "eth0", "224.0.0.251", 5353, 0), FX_ACCEPT);
	assert_int_equal(out_udp(f, "eth0", "239.255.255.250", 1900, 0), FX_ACCEPT);
	assert_int_equal(out_udp(f, "eth0", "fe80::1", 9999, 0), FX_ACCEPT);
	assert_int_equal(out_udp(f, "eth0", "fd00::1", 9999, 0), FX_ACCEPT);
	/* A hostile LAN that hands out a public prefix opens nothing (TunnelCrack). */
	assert_int_equal(out_udp(f, "eth0", "198.51.100.99", 9999, 0), FX_REJECT);
	assert_int_equal(out_udp(f, "eth0", "2001:db8::1", 9999, 0), FX_REJECT);
}

static void lan_block_setting_closes_the_lan(void **state)
{
	struct fixture *f = *state;

	f->in.settings.allow_lan = false;
	compile(f, FX_STATE_CONNECTED);
	assert_int_equal(out_udp(f, "eth0", LAN_HOST, 9999, 0), FX_REJECT);
	assert_int_equal(out_udp(f, "wg0", WEB, 9999, 0), FX_ACCEPT);
}

static void loopback_dhcp_and_ndp_always_work(void **state)
{
	enum fx_state states[] = { FX_STATE_CONNECTING, FX_STATE_CONNECTED, FX_STATE_BLOCKED };

	for (size_t i = 0; i < 3; i++) {
		struct fixture *f = compile(*state, states[i]);
		struct test_pkt lo = { .chain = FX_CHAIN_OUTPUT, .oif = "lo", .l4proto = IPPROTO_TCP,
				       .dport = 80, .saddr = "127.0.0.1", .daddr = "127.0.0.1" };
		struct test_pkt dhcp = { .chain = FX_CHAIN_OUTPUT, .oif = "eth0", .l4proto = IPPROTO_UDP,
					 .sport = 68, .dport = 67, .saddr = "0.0.0.0",
					 .daddr = "255.255.255.255" };
		struct test_pkt ns = { .chain = FX_CHAIN_OUTPUT, .oif = "eth0", .l4proto = IPPROTO_ICMPV6,
				       .icmp_type = 135, .hop_limit = 255, .saddr = "fe80::2",
				       .daddr = "ff02::1:ff00:1" };
		struct test_pkt echo6 = ns;
		struct test_pkt dhcp_out = dhcp, ns_out = ns, na = ns;

		echo6.icmp_type = 128;
		/* An advert answers a router that solicited from its global address. */
		na.icmp_type = 136;
		na.daddr = "2001:db8:77::1";
		f->in.settings.allow_lan = false;
		compile(f, states[i]);
		assert_int_equal(test_eval(&f->rs, &lo), FX_ACCEPT);
		assert_int_equal(test_eval(&f->rs, &dhcp), FX_ACCEPT);
		assert_int_equal(test_eval(&f->rs, &ns), FX_ACCEPT);
		assert_int_equal(test_eval(&f->rs, &echo6), FX_REJECT);
		assert_int_equal(test_eval(&f->rs, &na), FX_ACCEPT);
		/* The same ports aimed at the internet open nothing; neighbour
		 * discovery that could be routed (hop limit below 255) neither. */
		dhcp_out.daddr = WEB;
		ns_out.daddr = "2001:db8::1";
		ns_out.hop_limit = 64;
		assert_int_equal(test_eval(&f->rs, &dhcp_out), FX_REJECT);
		assert_int_equal(test_eval(&f->rs, &ns_out), FX_REJECT);
		/* And where they really leave, again. */
		dhcp.chain = ns.chain = dhcp_out.chain = FX_CHAIN_POSTROUTING;
		assert_int_equal(test_eval(&f->rs, &dhcp), FX_ACCEPT);
		assert_int_equal(test_eval(&f->rs, &ns), FX_ACCEPT);
		assert_int_equal(test_eval(&f->rs, &dhcp_out), FX_DROP);
	}
}

static void forwarded_traffic_leaves_through_the_tunnel_or_not_at_all(void **state)
{
	struct fixture *f = compile(*state, FX_STATE_CONNECTED);

	assert_int_equal(forward(f, "docker0", "wg0", "172.17.0.2", WEB), FX_ACCEPT);
	assert_int_equal(forward(f, "docker0", "eth0", "172.17.0.2", WEB), FX_DROP);
	assert_int_equal(forward(f, "docker0", "eth0", "172.17.0.2", LAN_HOST), FX_ACCEPT);
	compile(f, FX_STATE_RECONNECTING);
	assert_int_equal(forward(f, "docker0", "wg0", "172.17.0.2", WEB), FX_DROP);
	assert_int_equal(forward(f, "docker0", "eth0", "172.17.0.2", WEB), FX_DROP);
}

/* Providers offer WireGuard on udp/53 to get through strict networks: the
 * tunnel's own packets must pass before DNS is refused. */
static void endpoint_on_the_dns_port_still_connects(void **state)
{
	struct fixture *f = *state;
	struct fx_err err;

	memset(&f->guard, 0, sizeof(f->guard));
	fx_guard_set(&f->guard, "tunnel", "wg0", &err);
	fx_guard_set(&f->guard, "endpoint", SERVER ":53", &err);
	fx_guard_set(&f->guard, "fwmark", "51820", &err);
	compile(f, FX_STATE_CONNECTING);
	assert_int_equal(out_udp(f, "eth0", SERVER, 53, MARK), FX_ACCEPT);
	/* A program's own DNS query to the same address and port is still refused. */
	assert_int_equal(out_udp(f, "eth0", SERVER, 53, 0), FX_REJECT);
	assert_int_equal(out_udp(f, "eth0", ROUTER, 53, MARK), FX_REJECT);
}

/* Packets that come in through the tunnel must not be routed out of the
 * physical interface; only replies to what we sent through it come back. */
static void tunnel_traffic_is_not_forwarded_around_the_tunnel(void **state)
{
	struct fixture *f = compile(*state, FX_STATE_CONNECTED);
	struct test_pkt reply = { .chain = FX_CHAIN_FORWARD, .iif = "wg0", .oif = "docker0",
				  .l4proto = IPPROTO_UDP, .sport = 9, .dport = 40000, .established = true,
				  .saddr = WEB, .daddr = "172.17.0.2" };

	assert_int_equal(forward(f, "wg0", "eth0", WEB, "203.0.113.7"), FX_DROP);
	assert_int_equal(forward(f, "wg0", "docker0", WEB, "172.17.0.2"), FX_DROP);
	assert_int_equal(test_eval(&f->rs, &reply), FX_ACCEPT);
}

/* Even the endpoint gets in only with what the tunnel asked for (as
 * Mullvad's rules have it): a new packet from its address and port, which
 * anyone can forge, reaches no local port. */
static void input_accepts_replies_only(void **state)
{
	struct fixture *f = compile(*state, FX_STATE_CONNECTING);
	struct test_pkt from_ep = { .chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_UDP,
				    .sport = 51820, .dport = 40000, .saddr = SERVER, .daddr = CLIENT };
	struct test_pkt from_web = from_ep;
	struct test_pkt reply = from_ep;

	from_web.saddr = WEB;
	reply.established = true;
	assert_int_equal(test_eval(&f->rs, &from_ep), FX_DROP);
	assert_int_equal(test_eval(&f->rs, &from_web), FX_DROP);
	assert_int_equal(test_eval(&f->rs, &reply), FX_ACCEPT);
}

/* DHCPv6 from our link-local address to the servers and back; router
 * adverts only from a router's link-local address, on this link. */
static void dhcpv6_and_router_adverts_are_link_scoped(void **state)
{
	struct fixture *f = *state;
	struct test_pkt sol = { .chain = FX_CHAIN_OUTPUT, .oif = "eth0", .l4proto = IPPROTO_UDP,
				.sport = 546, .dport = 547, .saddr = "fe80::2", .daddr = "ff02::1:2" };
	struct test_pkt reply = { .chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_UDP,
				  .sport = 547, .dport = 546, .saddr = "fe80::1", .daddr = "fe80::2" };
	struct test_pkt ra = { .chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_ICMPV6,
			       .icmp_type = 134, .hop_limit = 255, .saddr = "fe80::1", .daddr = "ff02::1" };
	struct test_pkt ns = ra;

	f->in.settings.allow_lan = false;
	compile(f, FX_STATE_BLOCKED);
	assert_int_equal(test_eval(&f->rs, &sol), FX_ACCEPT);
	assert_int_equal(test_eval(&f->rs, &reply), FX_ACCEPT);
	assert_int_equal(test_eval(&f->rs, &ra), FX_ACCEPT);
	sol.saddr = "2001:db8:77::2"; /* a client speaks from its link-local address */
	assert_int_equal(test_eval(&f->rs, &sol), FX_REJECT);
	reply.saddr = "2001:db8:77::1";
	assert_int_equal(test_eval(&f->rs, &reply), FX_DROP);
	ra.saddr = "2001:db8:77::1"; /* RFC 4861: a router advertises from link-local */
	assert_int_equal(test_eval(&f->rs, &ra), FX_DROP);
	ra.saddr = "fe80::1";
	ra.hop_limit = 254; /* forwarded: not from this link */
	assert_int_equal(test_eval(&f->rs, &ra), FX_DROP);
	ra.hop_limit = 255;
	ra.icmp_type = 133; /* a host answers no router solicitation */
	assert_int_equal(test_eval(&f->rs, &ra), FX_DROP);
	/* Duplicate address detection solicits from ::, neighbours from any address of theirs. */
	ns.icmp_type = 135;
	ns.saddr = "::";
	assert_int_equal(test_eval(&f->rs, &ns), FX_ACCEPT);
	ns.saddr = "2001:db8:77::1";
	assert_int_equal(test_eval(&f->rs, &ns), FX_ACCEPT);
	ns.hop_limit = 64;
	assert_int_equal(test_eval(&f->rs, &ns), FX_DROP);
}

/*
 * A packet output let into the tunnel, then re-routed out of eth0 by
 * another table's mark or DNAT, is judged again where it really leaves.
 */
static void postrouting_judges_the_real_way_out(void **state)
{
	struct fixture *f = compile(*state, FX_STATE_CONNECTED);
	struct test_pkt p = { .chain = FX_CHAIN_POSTROUTING, .oif = "eth0", .l4proto = IPPROTO_UDP,
			      .dport = 9999, .saddr = TUN_ADDR, .daddr = WEB };

	assert_int_equal(test_eval(&f->rs, &p), FX_DROP);
	p.oif = "wg0";
	assert_int_equal(test_eval(&f->rs, &p), FX_ACCEPT);
	/* The tunnel's own marked packets to its endpoint. */
	p.oif = "eth0";
	p.daddr = SERVER;
	p.dport = 51820;
	p.mark = MARK;
	assert_int_equal(test_eval(&f->rs, &p), FX_ACCEPT);
	p.mark = 0;
	assert_int_equal(test_eval(&f->rs, &p), FX_DROP);
	/* The LAN as allowed, but never its resolver. */
	p.daddr = LAN_HOST;
	p.dport = 9999;
	assert_int_equal(test_eval(&f->rs, &p), FX_ACCEPT);
	p.dport = 53;
	assert_int_equal(test_eval(&f->rs, &p), FX_DROP);
	/* Replies the forward chain let out of the tunnel, to a container. */
	p.iif = "wg0";
	p.oif = "docker0";
	p.dport = 40000;
	p.saddr = WEB;
	p.daddr = "172.17.0.2";
	f->in.settings.allow_lan = false;
	compile(f, FX_STATE_CONNECTED);
	assert_int_equal(test_eval(&f->rs, &p), FX_ACCEPT);
	compile(f, FX_STATE_RECONNECTING);
	assert_int_equal(test_eval(&f->rs, &p), FX_DROP);
}

static void rules_carry_a_reason_and_a_final_reject(void **state)
{
	struct fixture *f = compile(*state, FX_STATE_CONNECTED);
	const struct fx_rule *last = NULL;

	for (size_t i = 0; i < f->rs.n_rules; i++) {
		assert_non_null(f->rs.rules[i].why);
		if (f->rs.rules[i].chain == FX_CHAIN_OUTPUT)
			last = &f->rs.rules[i];
	}
	assert_non_null(last);
	assert_int_equal(last->chain, FX_CHAIN_OUTPUT);
	assert_int_equal(last->verdict, FX_REJECT);
	assert_int_equal(last->l4proto, 0);
}

static void too_many_resolvers_and_endpoints_still_fit(void **state)
{
	struct fixture *f = *state;
	struct fx_err err;
	char text[64];

	for (int i = 0; f->guard.n_endpoints < FX_MAX_ENDPOINTS; i++) {
		snprintf(text, sizeof(text), "[2001:db8::%x]:%d", i + 1, 1000 + i);
		assert_int_equal(fx_guard_set(&f->guard, "endpoint", text, &err), 0);
	}
	for (int i = 0; f->guard.n_resolvers < FX_MAX_RESOLVERS; i++) {
		snprintf(text, sizeof(text), "2001:db8:53::%x", i + 1);
		assert_int_equal(fx_guard_set(&f->guard, "dns", text, &err), 0);
	}
	compile(f, FX_STATE_CONNECTED);
	assert_true(f->rs.n_rules <= FX_MAX_RULES);
}

static void add_to_guard(struct fixture *f, const char *key, const char *value)
{
	struct fx_err err;

	assert_int_equal(fx_guard_set(&f->guard, key, value, &err), 0);
}

static const enum fx_state guarded_states[] = {
	FX_STATE_CONNECTING, FX_STATE_CONNECTED, FX_STATE_RECONNECTING, FX_STATE_BLOCKED,
};

/*
 * CVE-2019-14899: a LAN host (or the access point) sends to the tunnel's
 * address over eth0, to probe it or to forge a reply into a connection
 * that runs through the tunnel. In every state, even for a packet conntrack
 * would call established, and whether or not the LAN is allowed.
 */
static void the_tunnel_address_is_reached_only_through_the_tunnel(void **state)
{
	struct fixture *f = *state;
	struct test_pkt forged = { .chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_UDP,
				   .sport = 9999, .dport = 40000, .established = true,
				   .saddr = WEB, .daddr = TUN_ADDR };
	struct test_pkt probe = { .chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_TCP,
				  .sport = 40000, .dport = 22, .saddr = LAN_HOST, .daddr = TUN_ADDR };
	struct test_pkt probe6 = probe;

	add_to_guard(f, "address", TUN_ADDR "/32");
	add_to_guard(f, "address", "fd66::2/64");
	probe6.saddr = "fd00::3";
	probe6.daddr = "fd66::2";
	for (int lan = 0; lan < 2; lan++) {
		f->in.settings.allow_lan = lan;
		for (size_t i = 0; i < sizeof(guarded_states) / sizeof(guarded_states[0]); i++) {
			compile(f, guarded_states[i]);
			assert_int_equal(test_eval(&f->rs, &forged), FX_DROP);
			assert_int_equal(test_eval(&f->rs, &probe), FX_DROP);
			assert_int_equal(test_eval(&f->rs, &probe6), FX_DROP);
		}
	}
	/* Through the tunnel, the same reply is what the tunnel is for. */
	forged.iif = "wg0";
	compile(f, FX_STATE_CONNECTED);
	assert_int_equal(test_eval(&f->rs, &forged), FX_ACCEPT);
}

/* Addresses the link holds count as the tunnel's too (OpenVPN's are pushed). */
static void addresses_read_off_the_link_count_too(void **state)
{
	struct fixture *f = *state;
	struct fx_prefix pushed;
	struct test_pkt probe = { .chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_UDP,
				  .dport = 1194, .saddr = LAN_HOST, .daddr = "10.8.0.6" };

	assert_int_equal(fx_prefix_parse("10.8.0.6/24", &pushed, NULL), 0);
	compile(f, FX_STATE_CONNECTED);
	assert_int_equal(test_eval(&f->rs, &probe), FX_ACCEPT); /* LAN, before we know */
	f->in.link_addrs = &pushed;
	f->in.n_link_addrs = 1;
	compile(f, FX_STATE_CONNECTED);
	assert_int_equal(test_eval(&f->rs, &probe), FX_DROP);
	/* And its subnet is no longer LAN. */
	assert_int_equal(out_udp(f, "eth0", "10.8.0.1", 9999, 0), FX_REJECT);
}

/* The link-local address a tunnel link gets by itself changes each time the
 * link is made: it changes nothing in the rules (the kernel takes packets
 * to a link-local address only on its own link anyway). */
static void a_links_own_link_local_address_changes_nothing(void **state)
{
	struct fixture *f = *state;
	static struct fx_ruleset before;
	struct fx_prefix ll;

	compile(f, FX_STATE_CONNECTED);
	before = f->rs;
	assert_int_equal(fx_prefix_parse("fe80::1234:5678/64", &ll, NULL), 0);
	f->in.link_addrs = &ll;
	f->in.n_link_addrs = 1;
	compile(f, FX_STATE_CONNECTED);
	assert_true(fx_ruleset_equal(&before, &f->rs));
}

/* The tunnel's address never leaves by another interface, LAN or not. */
static void the_tunnel_address_never_leaves_around_the_tunnel(void **state)
{
	struct fixture *f = *state;
	struct test_pkt out = { .chain = FX_CHAIN_OUTPUT, .oif = "eth0", .l4proto = IPPROTO_UDP,
				.sport = 40000, .dport = 9999, .saddr = TUN_ADDR, .daddr = LAN_HOST };

	add_to_guard(f, "address", TUN_ADDR "/32");
	for (size_t i = 0; i < sizeof(guarded_states) / sizeof(guarded_states[0]); i++) {
		compile(f, guarded_states[i]);
		out.chain = FX_CHAIN_OUTPUT;
		assert_int_equal(test_eval(&f->rs, &out), FX_DROP);
		out.chain = FX_CHAIN_POSTROUTING;
		assert_int_equal(test_eval(&f->rs, &out), FX_DROP);
	}
	out.oif = "wg0";
	out.daddr = WEB;
	compile(f, FX_STATE_CONNECTED);
	assert_int_equal(test_eval(&f->rs, &out), FX_ACCEPT);
}

/* Neighbour discovery and ARP do not answer for, or announce, the tunnel's
 * address on other links; everything else about them still works. */
static void no_neighbour_discovery_or_arp_for_the_tunnel_address(void **state)
{
	struct fixture *f = *state;
	struct test_pkt ns = { .chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_ICMPV6,
			       .icmp_type = 135, .saddr = "fe80::3", .daddr = "ff02::1:ff00:2",
			       .nd_target = "fd66::2" };
	struct test_pkt na = { .chain = FX_CHAIN_OUTPUT, .oif = "eth0", .l4proto = IPPROTO_ICMPV6,
			       .icmp_type = 136, .saddr = "fe80::2", .daddr = "fe80::3",
			       .nd_target = "fd66::2" };
	struct test_pkt arp = { .chain = FX_CHAIN_ARP_INPUT, .iif = "eth0", .saddr = LAN_HOST,
				.daddr = TUN_ADDR };

	add_to_guard(f, "address", TUN_ADDR "/32");
	add_to_guard(f, "address", "fd66::2/64");
	for (size_t i = 0; i < sizeof(guarded_states) / sizeof(guarded_states[0]); i++) {
		compile(f, guarded_states[i]);
		assert_int_equal(test_eval(&f->rs, &ns), FX_DROP);
		assert_int_equal(test_eval(&f->rs, &na), FX_DROP);
		assert_int_equal(test_eval(&f->rs, &arp), FX_DROP);
		arp.chain = FX_CHAIN_ARP_OUTPUT;
		arp.saddr = TUN_ADDR;
		arp.daddr = LAN_HOST;
		assert_int_equal(test_eval(&f->rs, &arp), FX_DROP);
		/* The client's own ARP and neighbour discovery are untouched. */
		arp.saddr = CLIENT;
		assert_int_equal(test_eval(&f->rs, &arp), FX_ACCEPT);
		arp = (struct test_pkt){ .chain = FX_CHAIN_ARP_INPUT, .iif = "eth0", .saddr = LAN_HOST,
					 .daddr = CLIENT };
		assert_int_equal(test_eval(&f->rs, &arp), FX_ACCEPT);
		arp.daddr = TUN_ADDR;
		ns.nd_target = "fe80::2";
		assert_int_equal(test_eval(&f->rs, &ns), FX_ACCEPT);
		ns.nd_target = "fd66::2";
	}
}

/* While the tunnel is down its resolver, its subnet and the private
 * prefixes it routes are not LAN: packets to them would leave in clear. */
static void the_tunnels_own_prefixes_are_not_lan(void **state)
{
	struct fixture *f = *state;

	add_to_guard(f, "address", TUN_ADDR "/24");
	add_to_guard(f, "route", "10.200.0.0/16");
	add_to_guard(f, "route", "fd77::/48");
	add_to_guard(f, "dns", "fd66::1");
	for (size_t i = 0; i < sizeof(guarded_states) / sizeof(guarded_states[0]); i++) {
		compile(f, guarded_states[i]);
		assert_int_equal(out_udp(f, "eth0", RESOLVER, 5353, 0), FX_REJECT);
		assert_int_equal(out_udp(f, "eth0", "10.66.0.77", 9999, 0), FX_REJECT);
		assert_int_equal(out_udp(f, "eth0", "10.200.3.4", 9999, 0), FX_REJECT);
		assert_int_equal(out_udp(f, "eth0", "fd77::1", 9999, 0), FX_REJECT);
		assert_int_equal(out_udp(f, "eth0", "fd66::1", 9999, 0), FX_REJECT);
		/* The rest of the private ranges is still the LAN. */
		assert_int_equal(out_udp(f, "eth0", LAN_HOST, 9999, 0), FX_ACCEPT);
		assert_int_equal(out_udp(f, "eth0", "10.66.1.1", 9999, 0), FX_ACCEPT);
		assert_int_equal(out_udp(f, "eth0", "10.199.255.255", 9999, 0), FX_ACCEPT);
		assert_int_equal(out_udp(f, "eth0", "10.201.0.0", 9999, 0), FX_ACCEPT);
		assert_int_equal(out_udp(f, "eth0", "fd00::1", 9999, 0), FX_ACCEPT);
	}
	/* Through the tunnel, once it is up, they are reachable. */
	compile(f, FX_STATE_CONNECTED);
	assert_int_equal(out_udp(f, "wg0", "10.200.3.4", 9999, 0), FX_ACCEPT);
}

/* A route that covers a whole private range is a default route for it, as
 * 0.0.0.0/0 is; a link-local tunnel address takes only itself. */
static void default_like_routes_and_link_local_leave_the_lan(void **state)
{
	struct fixture *f = *state;
	struct fx_prefix p;

	add_to_guard(f, "route", "0.0.0.0/1");
	add_to_guard(f, "route", "128.0.0.0/1");
	add_to_guard(f, "route", "10.0.0.0/8");
	add_to_guard(f, "address", "fe80::2/64");
	compile(f, FX_STATE_RECONNECTING);
	assert_int_equal(out_udp(f, "eth0", "10.1.2.3", 9999, 0), FX_ACCEPT);
	assert_int_equal(out_udp(f, "eth0", "192.168.1.1", 9999, 0), FX_ACCEPT);
	assert_int_equal(out_udp(f, "eth0", "fe80::3", 9999, 0), FX_ACCEPT);
	assert_int_equal(out_udp(f, "eth0", "fe80::2", 9999, 0), FX_REJECT);
	assert_int_equal(fx_prefix_parse("0.0.0.0/1", &p, NULL), 0);
	assert_false(fx_policy_route_cuts_lan(&p));
	assert_int_equal(fx_prefix_parse("10.200.0.0/16", &p, NULL), 0);
	assert_true(fx_policy_route_cuts_lan(&p));
	assert_int_equal(fx_prefix_parse("198.51.100.0/24", &p, NULL), 0);
	assert_false(fx_policy_route_cuts_lan(&p));
	assert_int_equal(fx_prefix_parse("fd00::/8", &p, NULL), 0);
	assert_true(fx_policy_route_cuts_lan(&p));
}

/* The most a guard can hold still compiles. */
static void a_full_guard_fits(void **state)
{
	struct fixture *f = *state;
	char text[64];

	for (int i = 0; f->guard.n_addresses < FX_MAX_TUNNEL_ADDRS; i++) {
		snprintf(text, sizeof(text), "10.%d.0.2/24", 100 + i);
		add_to_guard(f, "address", text);
	}
	for (int i = 0; f->guard.n_routes < FX_MAX_TUNNEL_ROUTES; i++) {
		snprintf(text, sizeof(text), i % 2 ? "172.16.%d.0/24" : "fd%02x::/16", i);
		add_to_guard(f, "route", text);
	}
	for (int i = 0; f->guard.n_resolvers < FX_MAX_RESOLVERS; i++) {
		snprintf(text, sizeof(text), "192.168.%d.1", i * 2);
		add_to_guard(f, "dns", text);
	}
	compile(f, FX_STATE_RECONNECTING);
	assert_int_equal(out_udp(f, "eth0", "172.16.1.9", 9999, 0), FX_REJECT);
	assert_int_equal(out_udp(f, "eth0", "192.168.2.1", 9999, 0), FX_REJECT);
	assert_int_equal(out_udp(f, "eth0", "192.168.3.1", 9999, 0), FX_ACCEPT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(disconnected_has_no_table),
		T(lockdown_blocks_while_disconnected),
		T(connecting_allows_only_marked_endpoint_packets),
		T(reconnecting_is_as_closed_as_connecting),
		T(connecting_lets_only_probes_into_the_tunnel),
		T(connected_allows_the_tunnel_and_nothing_around_it),
		T(blocked_closes_the_carve_outs),
		T(dns_goes_only_to_the_tunnel_resolvers),
		T(dns_without_resolvers_stays_in_the_tunnel),
		T(connecting_refuses_all_dns),
		T(lan_means_private_ranges_not_the_local_subnet),
		T(lan_block_setting_closes_the_lan),
		T(loopback_dhcp_and_ndp_always_work),
		T(forwarded_traffic_leaves_through_the_tunnel_or_not_at_all),
		T(endpoint_on_the_dns_port_still_connects),
		T(tunnel_traffic_is_not_forwarded_around_the_tunnel),
		T(input_accepts_replies_only),
		T(dhcpv6_and_router_adverts_are_link_scoped),
		T(postrouting_judges_the_real_way_out),
		T(rules_carry_a_reason_and_a_final_reject),
		T(too_many_resolvers_and_endpoints_still_fit),
		T(the_tunnel_address_is_reached_only_through_the_tunnel),
		T(addresses_read_off_the_link_count_too),
		T(a_links_own_link_local_address_changes_nothing),
		T(the_tunnel_address_never_leaves_around_the_tunnel),
		T(no_neighbour_discovery_or_arp_for_the_tunnel_address),
		T(the_tunnels_own_prefixes_are_not_lan),
		T(default_like_routes_and_link_local_leave_the_lan),
		T(a_full_guard_fits),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
