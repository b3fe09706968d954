/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What connect installs, planned without a kernel: wg-quick's policy rules
 * and routes for each shape of config, IPv6 that the tunnel cannot carry
 * sent to a blackhole, and the address the echo probes go to.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "route.h"
#include "wgconf.h"

#define PRIV "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define PUB1 "YAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define PUB2 "QAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

#define MARK 51820
#define TABLE_MAIN 254

static struct fx_wg_config cfg;
static struct fx_route_plan plan;

/* An [Interface] with the given extra lines and one peer with AllowedIPs. */
static void conf(const char *iface_lines, const char *allowed)
{
	char text[1024];
	struct fx_err err = { 0 };
	int n = snprintf(text, sizeof(text),
			 "[Interface]\nPrivateKey = " PRIV "\n%s"
			 "[Peer]\nPublicKey = " PUB1 "\nEndpoint = 198.51.100.7:51820\n"
			 "AllowedIPs = %s\n",
			 iface_lines, allowed);

	assert_true(n > 0 && (size_t)n < sizeof(text));
	if (fx_wgconf_parse("t.conf", text, (size_t)n, &cfg, &err) != 0)
		fail_msg("config does not parse: %s\n%s", err.msg, text);
}

static void build(uint32_t fwmark)
{
	memset(&plan, 0xa5, sizeof(plan));
	assert_int_equal(fx_route_plan_build(&cfg, fwmark, &plan), 0);
}

static void rule_is(size_t i, int family, uint32_t prio, uint32_t table, bool not_fwmark,
		    uint32_t fwmark, bool suppress)
{
	const struct fx_rule_spec *r = &plan.rules[i];

	assert_true(i < plan.n_rules);
	assert_int_equal(r->family, family);
	assert_int_equal(r->priority, prio);
	assert_int_equal(r->table, table);
	assert_int_equal(r->not_fwmark, not_fwmark);
	if (not_fwmark)
		assert_int_equal(r->fwmark, fwmark);
	assert_int_equal(r->suppress_prefixlen0, suppress);
}

/* wg-quick's pair for a full tunnel of one family. */
static void default_rules_at(size_t i, int family, uint32_t fwmark, uint32_t table)
{
	rule_is(i, family, FX_RULE_PRIO_FWMARK, table, true, fwmark, false);
	rule_is(i + 1, family, FX_RULE_PRIO_SUPPRESS, TABLE_MAIN, false, 0, true);
}

static void route_is(size_t i, const char *dst, uint8_t len, uint32_t table, bool blackhole)
{
	const struct fx_route_spec *rt = &plan.routes[i];
	char got[INET6_ADDRSTRLEN];

	assert_true(i < plan.n_routes);
	fx_addr_format(&rt->dst.addr, got, sizeof(got));
	if (strcmp(got, dst) != 0 || rt->dst.len != len)
		fail_msg("route %zu: %s/%u, not %s/%u", i, got, rt->dst.len, dst, len);
	assert_int_equal(rt->dst.addr.family, strchr(dst, ':') ? AF_INET6 : AF_INET);
	assert_int_equal(rt->table, table);
	assert_int_equal(rt->blackhole, blackhole);
}

/* ---- the plan ---- */

static void full_tunnel_v4_and_v6(void **state)
{
	(void)state;
	conf("Address = 10.66.0.2/32, fd00::2/128\n", "0.0.0.0/0, ::/0");
	build(MARK);
	assert_int_equal(plan.n_rules, 4);
	default_rules_at(0, AF_INET, MARK, MARK);
	default_rules_at(2, AF_INET6, MARK, MARK);
	assert_int_equal(plan.n_routes, 2);
	route_is(0, "0.0.0.0", 0, MARK, false);
	route_is(1, "::", 0, MARK, false);
	assert_true(plan.src_valid_mark);
}

/* As wg-quick: the default routes' table is numbered as the fwmark. */
static void the_fwmark_names_the_table(void **state)
{
	(void)state;
	conf("Address = 10.66.0.2/32, fd00::2/128\nFwMark = 0xca6c\n", "0.0.0.0/0, ::/0");
	build(0xca6c);
	assert_int_equal(plan.n_rules, 4);
	default_rules_at(0, AF_INET, 0xca6c, 0xca6c);
	default_rules_at(2, AF_INET6, 0xca6c, 0xca6c);
	route_is(0, "0.0.0.0", 0, 0xca6c, false);
	route_is(1, "::", 0, 0xca6c, false);
}

/* No IPv6 address on the tunnel: IPv6 goes nowhere, even if AllowedIPs
 * has ::/0 -- never around the tunnel. */
static void no_v6_address_blackholes_v6(void **state)
{
	(void)state;
	conf("Address = 10.66.0.2/32\n", "0.0.0.0/0, ::/0");
	build(MARK);
	assert_int_equal(plan.n_rules, 4);
	default_rules_at(0, AF_INET, MARK, MARK);
	default_rules_at(2, AF_INET6, MARK, MARK);
	assert_int_equal(plan.n_routes, 2);
	route_is(0, "0.0.0.0", 0, MARK, false);
	route_is(1, "::", 0, MARK, true);
	assert_true(plan.src_valid_mark);

	/* The same when AllowedIPs does not mention IPv6 at all. */
	conf("Address = 10.66.0.2/32\n", "0.0.0.0/0");
	build(MARK);
	assert_int_equal(plan.n_rules, 4);
	default_rules_at(2, AF_INET6, MARK, MARK);
	assert_int_equal(plan.n_routes, 2);
	route_is(1, "::", 0, MARK, true);
}

/* A v6 address but no ::/0: IPv6 keeps its usual routes. */
static void v6_address_without_v6_default(void **state)
{
	(void)state;
	conf("Address = 10.66.0.2/32, fd00::2/128\n", "0.0.0.0/0");
	build(MARK);
	assert_int_equal(plan.n_rules, 2);
	default_rules_at(0, AF_INET, MARK, MARK);
	assert_int_equal(plan.n_routes, 1);
	route_is(0, "0.0.0.0", 0, MARK, false);
}

static void split_tunnel_routes_in_main(void **state)
{
	(void)state;
	conf("Address = 10.66.0.2/32\n", "10.0.0.0/8");
	build(MARK);
	/* Only the IPv6 blackhole's rules. */
	assert_int_equal(plan.n_rules, 2);
	default_rules_at(0, AF_INET6, MARK, MARK);
	assert_int_equal(plan.n_routes, 2);
	route_is(0, "::", 0, MARK, true);
	route_is(1, "10.0.0.0", 8, TABLE_MAIN, false);
	assert_false(plan.src_valid_mark);

	/* With a v6 address: the prefix and nothing else. */
	conf("Address = 10.66.0.2/32, fd00::2/128\n", "10.0.0.0/8");
	build(MARK);
	assert_int_equal(plan.n_rules, 0);
	assert_int_equal(plan.n_routes, 1);
	route_is(0, "10.0.0.0", 8, TABLE_MAIN, false);
	assert_false(plan.src_valid_mark);
}

static void prefixes_of_every_peer(void **state)
{
	static const char text[] =
		"[Interface]\nPrivateKey = " PRIV "\nAddress = 10.66.0.2/32, fd00::2/128\n"
		"[Peer]\nPublicKey = " PUB1 "\nEndpoint = 198.51.100.7:51820\n"
		"AllowedIPs = 0.0.0.0/0, 10.0.0.0/8, fd00:1::/64\n"
		"[Peer]\nPublicKey = " PUB2 "\nAllowedIPs = 192.168.1.77/24, ::/0\n";
	struct fx_err err = { 0 };

	(void)state;
	if (fx_wgconf_parse("t.conf", text, strlen(text), &cfg, &err) != 0)
		fail_msg("config does not parse: %s", err.msg);
	build(MARK);
	assert_int_equal(plan.n_rules, 4);
	default_rules_at(0, AF_INET, MARK, MARK);
	default_rules_at(2, AF_INET6, MARK, MARK);
	assert_int_equal(plan.n_routes, 5);
	route_is(0, "0.0.0.0", 0, MARK, false);
	route_is(1, "::", 0, MARK, false);
	route_is(2, "10.0.0.0", 8, TABLE_MAIN, false);
	route_is(3, "fd00:1::", 64, TABLE_MAIN, false);
	route_is(4, "192.168.1.0", 24, TABLE_MAIN, false);
}

static void table_off_plans_nothing(void **state)
{
	(void)state;
	conf("Address = 10.66.0.2/32\nTable = off\n", "0.0.0.0/0, ::/0, 10.0.0.0/8");
	build(MARK);
	assert_int_equal(plan.n_rules, 0);
	assert_int_equal(plan.n_routes, 0);
	assert_false(plan.src_valid_mark);
}

static void table_id_takes_the_prefixes(void **state)
{
	(void)state;
	conf("Address = 10.66.0.2/32, fd00::2/128\nTable = 1234\n",
	     "10.0.0.0/8, 172.16.0.0/12, fd00:1::/64");
	build(MARK);
	assert_int_equal(plan.n_rules, 0);
	assert_int_equal(plan.n_routes, 3);
	route_is(0, "10.0.0.0", 8, 1234, false);
	route_is(1, "172.16.0.0", 12, 1234, false);
	route_is(2, "fd00:1::", 64, 1234, false);

	/* The default routes stay in the fwmark table, behind its rules. */
	conf("Address = 10.66.0.2/32\nTable = 1234\n", "0.0.0.0/0, 10.0.0.0/8");
	build(MARK);
	assert_int_equal(plan.n_rules, 4);
	default_rules_at(0, AF_INET, MARK, MARK);
	default_rules_at(2, AF_INET6, MARK, MARK);
	assert_int_equal(plan.n_routes, 3);
	route_is(0, "0.0.0.0", 0, MARK, false);
	route_is(1, "::", 0, MARK, true);
	route_is(2, "10.0.0.0", 8, 1234, false);

	conf("Address = 10.66.0.2/32, fd00::2/128\nTable = main\n", "10.0.0.0/8");
	build(MARK);
	assert_int_equal(plan.n_routes, 1);
	route_is(0, "10.0.0.0", 8, TABLE_MAIN, false);

	conf("Address = 10.66.0.2/32, fd00::2/128\nTable = auto\n", "10.0.0.0/8");
	build(MARK);
	assert_int_equal(plan.n_routes, 1);
	route_is(0, "10.0.0.0", 8, TABLE_MAIN, false);
}

/* The most prefixes a config can hold, all of them fit the plan. */
static void largest_config_fits(void **state)
{
	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.n_peers = FX_WG_MAX_PEERS;
	for (size_t p = 0; p < FX_WG_MAX_PEERS; p++) {
		cfg.peers[p].n_allowed_ips = FX_WG_MAX_ALLOWED;
		for (size_t i = 0; i < FX_WG_MAX_ALLOWED; i++) {
			struct fx_prefix *a = &cfg.peers[p].allowed_ips[i];

			a->addr.family = AF_INET;
			a->addr.v4.s_addr = htonl(0x0a000000u | (uint32_t)(p << 8) | (uint32_t)i);
			a->len = 32;
		}
	}
	/* A v4 default as well; no v6 address, so a v6 blackhole too. */
	cfg.peers[0].allowed_ips[0].len = 0;
	cfg.peers[0].allowed_ips[0].addr.v4.s_addr = 0;
	build(MARK);
	assert_int_equal(plan.n_rules, 4);
	assert_int_equal(plan.n_routes, FX_WG_MAX_PEERS * FX_WG_MAX_ALLOWED + 1);
	assert_true(plan.n_routes <= FX_MAX_PLAN_ROUTES);
	route_is(0, "0.0.0.0", 0, MARK, false);
	route_is(1, "::", 0, MARK, true);
	route_is(2, "10.0.0.1", 32, TABLE_MAIN, false);
	route_is(plan.n_routes - 1, "10.0.7.63", 32, TABLE_MAIN, false);
}

/* ---- the probe target ---- */

static void target_is(const char *want)
{
	struct fx_addr a;
	char got[INET6_ADDRSTRLEN];

	memset(&a, 0x5a, sizeof(a));
	assert_int_equal(fx_probe_target(&cfg, &a), 0);
	assert_int_equal(a.family, strchr(want, ':') ? AF_INET6 : AF_INET);
	fx_addr_format(&a, got, sizeof(got));
	assert_string_equal(got, want);
	if (a.family == AF_INET) {
		static const uint8_t zero[12];

		assert_memory_equal(a.bytes + 4, zero, sizeof(zero));
	}
}

static void probe_first_dns_server(void **state)
{
	(void)state;
	conf("Address = 10.66.0.2/24\nDNS = 10.64.0.1, 10.64.0.2\n", "0.0.0.0/0");
	target_is("10.64.0.1");
	conf("Address = 10.66.0.2/24\nDNS = 2001:db8::53, 10.64.0.1\n", "0.0.0.0/0");
	target_is("2001:db8::53");
	/* A search domain is no server. */
	conf("Address = 10.66.0.2/24\nDNS = corp.example.com, 10.64.0.9\n", "0.0.0.0/0");
	target_is("10.64.0.9");
}

static void probe_other_host_of_the_subnet(void **state)
{
	(void)state;
	conf("Address = 10.66.0.2/24\n", "0.0.0.0/0");
	target_is("10.66.0.1");
	conf("Address = 10.66.0.1/24\n", "0.0.0.0/0");
	target_is("10.66.0.2");
	conf("Address = 10.66.0.77/24\n", "0.0.0.0/0");
	target_is("10.66.0.1");
	conf("Address = 10.66.0.5/30\n", "0.0.0.0/0");
	target_is("10.66.0.6");
	conf("Address = 10.66.0.6/30\n", "0.0.0.0/0");
	target_is("10.66.0.5");
	conf("Address = 172.16.200.3/12\n", "0.0.0.0/0");
	target_is("172.16.0.1");
	/* The first IPv4 subnet with room for another host. */
	conf("Address = fd00::2/64, 10.66.0.2/32, 10.67.5.9/16\n", "0.0.0.0/0");
	target_is("10.67.0.1");
	conf("Address = 10.66.0.2/24, 10.67.5.9/16\n", "0.0.0.0/0");
	target_is("10.66.0.1");
	/* A search domain only: still the subnet. */
	conf("Address = 10.66.0.2/24\nDNS = corp.example.com\n", "0.0.0.0/0");
	target_is("10.66.0.1");
}

static void probe_no_target(void **state)
{
	struct fx_addr a;

	(void)state;
	conf("Address = 10.66.0.2/32\n", "0.0.0.0/0");
	assert_int_equal(fx_probe_target(&cfg, &a), -ENOENT);
	conf("Address = 10.66.0.2/31\n", "0.0.0.0/0");
	assert_int_equal(fx_probe_target(&cfg, &a), -ENOENT);
	conf("Address = 10.66.0.2/32, fd00::2/64\n", "0.0.0.0/0");
	assert_int_equal(fx_probe_target(&cfg, &a), -ENOENT);
	conf("", "0.0.0.0/0");
	assert_int_equal(fx_probe_target(&cfg, &a), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_tunnel_v4_and_v6),
		cmocka_unit_test(the_fwmark_names_the_table),
		cmocka_unit_test(no_v6_address_blackholes_v6),
		cmocka_unit_test(v6_address_without_v6_default),
		cmocka_unit_test(split_tunnel_routes_in_main),
		cmocka_unit_test(prefixes_of_every_peer),
		cmocka_unit_test(table_off_plans_nothing),
		cmocka_unit_test(table_id_takes_the_prefixes),
		cmocka_unit_test(largest_config_fits),
		cmocka_unit_test(probe_first_dns_server),
		cmocka_unit_test(probe_other_host_of_the_subnet),
		cmocka_unit_test(probe_no_target),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
