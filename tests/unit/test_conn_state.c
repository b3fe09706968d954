/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The connect state file: what is written reads back the same, field by
 * field, and every way a file can be wrong says which line.
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

#include "conn_state.h"

static struct fx_conn_saved saved, back;
static char text[64 * 1024];

static struct fx_endpoint endpoint(const char *s)
{
	struct fx_endpoint e;
	struct fx_err err = { 0 };

	if (fx_endpoint_parse(s, &e, &err) < 0)
		fail_msg("'%s': %s", s, err.msg);
	return e;
}

/* Two configs, the second one current, run by wireguard-go. */
static void fill(struct fx_conn_saved *s)
{
	memset(s, 0, sizeof(*s));
	strcpy(s->ifname, "fexyn0");
	s->backend = FX_BACKEND_USERSPACE;
	s->n_configs = 2;
	strcpy(s->paths[0], "/etc/fexyn/se-got.conf");
	strcpy(s->paths[1], "/home/user/VPN configs/a=b.conf"); /* spaces and '=' are kept */
	s->has_resolved[0][0] = true;
	s->resolved[0][0] = endpoint("198.51.100.7:51820");
	s->has_resolved[1][0] = true;
	s->resolved[1][0] = endpoint("[2001:db8::1]:443");
	s->has_resolved[1][FX_WG_MAX_PEERS - 1] = true;
	s->resolved[1][FX_WG_MAX_PEERS - 1] = endpoint("203.0.113.9:1194");
	s->current = 1;
	strcpy(s->tun.ifname, "fexyn0b"); /* switched to the standby's name */
	s->tun.wg_pid = 1234;
	s->restore_src_valid_mark = true;
	s->no_standby = true;
	s->switch_back = true;
	s->tun.link_index = 17;
	strcpy(s->tun.link_kind, "tun");
	s->has_standby = true;
	s->standby_config = 0;
	strcpy(s->standby.ifname, "fexyn0");
	s->standby.wg_pid = 4321;
	s->standby.link_index = 18;
	strcpy(s->standby.link_kind, "tun");
	s->plan.rules[s->plan.n_rules++] = (struct fx_rule_spec){ .family = AF_INET, .priority = 32765,
		.table = 51820, .not_fwmark = true, .fwmark = 51820 };
	s->plan.rules[s->plan.n_rules++] = (struct fx_rule_spec){ .family = AF_INET6, .priority = 32764,
		.table = 254, .suppress_prefixlen0 = true };
	assert_int_equal(fx_prefix_parse("0.0.0.0/0", &s->plan.routes[0].dst, NULL), 0);
	s->plan.routes[0].table = 51820;
	assert_int_equal(fx_prefix_parse("::/0", &s->plan.routes[1].dst, NULL), 0);
	s->plan.routes[1].table = 51820;
	s->plan.routes[1].blackhole = true;
	s->plan.n_routes = 2;
	s->plan.src_valid_mark = true;
}

static void assert_same_plan(const struct fx_route_plan *a, const struct fx_route_plan *b)
{
	assert_int_equal(a->n_rules, b->n_rules);
	for (size_t i = 0; i < a->n_rules; i++) {
		assert_int_equal(a->rules[i].family, b->rules[i].family);
		assert_int_equal(a->rules[i].priority, b->rules[i].priority);
		assert_int_equal(a->rules[i].table, b->rules[i].table);
		assert_int_equal(a->rules[i].not_fwmark, b->rules[i].not_fwmark);
		assert_int_equal(a->rules[i].fwmark, b->rules[i].fwmark);
		assert_int_equal(a->rules[i].suppress_prefixlen0, b->rules[i].suppress_prefixlen0);
	}
	assert_int_equal(a->n_routes, b->n_routes);
	for (size_t i = 0; i < a->n_routes; i++) {
		assert_true(fx_addr_equal(&a->routes[i].dst.addr, &b->routes[i].dst.addr));
		assert_int_equal(a->routes[i].dst.len, b->routes[i].dst.len);
		assert_int_equal(a->routes[i].table, b->routes[i].table);
		assert_int_equal(a->routes[i].blackhole, b->routes[i].blackhole);
	}
	assert_int_equal(a->src_valid_mark, b->src_valid_mark);
}

static void assert_same_made(const struct fx_tunnel_made *a, const struct fx_tunnel_made *b)
{
	assert_string_equal(a->ifname, b->ifname);
	assert_int_equal(a->wg_pid, b->wg_pid);
	assert_int_equal(a->link_index, b->link_index);
	assert_string_equal(a->link_kind, b->link_kind);
	assert_int_equal(a->making, b->making);
}

static void assert_same(const struct fx_conn_saved *a, const struct fx_conn_saved *b)
{
	assert_string_equal(a->ifname, b->ifname);
	assert_int_equal(a->backend, b->backend);
	assert_int_equal(a->n_configs, b->n_configs);
	for (size_t c = 0; c < a->n_configs; c++)
		assert_string_equal(a->paths[c], b->paths[c]);
	for (size_t c = 0; c < FX_MAX_CONFIGS; c++) {
		for (size_t p = 0; p < FX_WG_MAX_PEERS; p++) {
			if (a->has_resolved[c][p] != b->has_resolved[c][p])
				fail_msg("has_resolved[%zu][%zu] differs", c, p);
			if (!a->has_resolved[c][p])
				continue;
			assert_true(fx_addr_equal(&a->resolved[c][p].addr, &b->resolved[c][p].addr));
			assert_int_equal(a->resolved[c][p].port, b->resolved[c][p].port);
			assert_int_equal(a->resolved[c][p].proto, b->resolved[c][p].proto);
		}
	}
	assert_int_equal(a->current, b->current);
	assert_int_equal(a->restore_src_valid_mark, b->restore_src_valid_mark);
	assert_int_equal(a->no_standby, b->no_standby);
	assert_int_equal(a->switch_back, b->switch_back);
	assert_same_made(&a->tun, &b->tun);
	assert_int_equal(a->has_standby, b->has_standby);
	if (a->has_standby) {
		assert_int_equal(a->standby_config, b->standby_config);
		assert_same_made(&a->standby, &b->standby);
	}
	assert_same_plan(&a->plan, &b->plan);
}

static int parse(const char *s, struct fx_conn_saved *out, struct fx_err *err)
{
	memset(err, 0, sizeof(*err));
	return fx_conn_state_parse(s, strlen(s), out, err);
}

static void round_trip(void **state)
{
	struct fx_err err;
	int r;

	(void)state;
	fill(&saved);
	assert_int_equal(fx_conn_state_format(&saved, text, sizeof(text)), 0);
	r = parse(text, &back, &err);
	if (r != 0)
		fail_msg("%s\n%s", err.msg, text);
	assert_same(&saved, &back);
	assert_int_equal(back.backend, FX_BACKEND_USERSPACE);
	assert_int_equal(back.resolved[1][0].addr.family, AF_INET6);
	assert_int_equal(back.resolved[1][0].port, 443);
	assert_int_equal(back.resolved[1][0].proto, IPPROTO_UDP);

	/* A link being made when fexynd was killed: found by its name. */
	saved.tun.making = true;
	saved.standby.making = true;
	assert_int_equal(fx_conn_state_format(&saved, text, sizeof(text)), 0);
	assert_non_null(strstr(text, "\nmaking=1\n"));
	assert_non_null(strstr(text, "\nstandby_making=1\n"));
	assert_int_equal(parse(text, &back, &err), 0);
	assert_same(&saved, &back);
	saved.tun.making = false;
	saved.standby.making = false;

	/* The other values of each field. */
	saved.backend = FX_BACKEND_KERNEL;
	saved.current = 0;
	saved.tun.wg_pid = 0;
	saved.has_standby = false;
	saved.no_standby = false;
	saved.switch_back = false;
	saved.restore_src_valid_mark = false;
	memset(saved.has_resolved, 0, sizeof(saved.has_resolved));
	assert_int_equal(fx_conn_state_format(&saved, text, sizeof(text)), 0);
	assert_int_equal(parse(text, &back, &err), 0);
	assert_same(&saved, &back);
}

static void round_trip_all_configs(void **state)
{
	struct fx_err err;

	(void)state;
	fill(&saved);
	saved.n_configs = FX_MAX_CONFIGS;
	for (size_t c = 0; c < FX_MAX_CONFIGS; c++) {
		snprintf(saved.paths[c], sizeof(saved.paths[c]), "/etc/fexyn/%zu.conf", c);
		for (size_t p = 0; p < FX_WG_MAX_PEERS; p++) {
			saved.has_resolved[c][p] = true;
			saved.resolved[c][p] = endpoint((c + p) % 2 ? "[2001:db8::1]:443/tcp"
								    : "192.0.2.1:51820");
			saved.resolved[c][p].port = (uint16_t)(1000 + c * 10 + p);
		}
	}
	saved.current = FX_MAX_CONFIGS - 1;
	saved.backend = FX_BACKEND_AUTO;
	assert_int_equal(fx_conn_state_format(&saved, text, sizeof(text)), 0);
	assert_int_equal(parse(text, &back, &err), 0);
	assert_same(&saved, &back);
}

static void format_text(void **state)
{
	static const char want[] =
		"version=1\n"
		"interface=fexyn0\n"
		"backend=userspace\n"
		"current=1\n"
		"restore_src_valid_mark=1\n"
		"hot_standby=0\n"
		"switch_back=1\n"
		"tunnel=fexyn0b\n"
		"wg_pid=1234\n"
		"link=17 tun\n"
		"standby=0\n"
		"standby_tunnel=fexyn0\n"
		"standby_wg_pid=4321\n"
		"standby_link=18 tun\n"
		"rule=inet 32765 51820 1 51820 0\n"
		"rule=inet6 32764 254 0 0 1\n"
		"route=0.0.0.0/0 51820 0\n"
		"route=::/0 51820 1\n"
		"src_valid_mark=1\n"
		"config=/etc/fexyn/se-got.conf\n"
		"resolved=0.0=198.51.100.7:51820/udp\n"
		"config=/home/user/VPN configs/a=b.conf\n"
		"resolved=1.0=[2001:db8::1]:443/udp\n"
		"resolved=1.7=203.0.113.9:1194/udp\n";
	const char *nl;

	(void)state;
	fill(&saved);
	assert_int_equal(fx_conn_state_format(&saved, text, sizeof(text)), 0);
	/* A comment first, then the fields. */
	assert_int_equal(text[0], '#');
	nl = strchr(text, '\n');
	assert_non_null(nl);
	assert_string_equal(nl + 1, want);
}

static void format_short_buffer_is_enospc(void **state)
{
	size_t need;

	(void)state;
	fill(&saved);
	assert_int_equal(fx_conn_state_format(&saved, text, sizeof(text)), 0);
	need = strlen(text) + 1;
	for (size_t len = 0; len <= need; len++) {
		char *b = malloc(len ? len : 1);
		int r;

		assert_non_null(b);
		r = fx_conn_state_format(&saved, b, len);
		if (len < need && r != -ENOSPC)
			fail_msg("length %zu: %d, not -ENOSPC", len, r);
		if (len == need) {
			assert_int_equal(r, 0);
			assert_string_equal(b, text);
		}
		free(b);
	}
}

static void twin_names_differ_and_fit(void **state)
{
	char out[IFNAMSIZ];

	(void)state;
	fx_conn_twin_name("fexyn0", out);
	assert_string_equal(out, "fexyn0b");
	fx_conn_twin_name("abcdefghijklmno", out); /* 15: no room */
	assert_string_equal(out, "abcdefghijklmnb");
	fx_conn_twin_name("abcdefghijklmnb", out);
	assert_string_equal(out, "abcdefghijklmnc");
}

static void parse_skips_comments_and_blank_lines(void **state)
{
	struct fx_err err;

	(void)state;
	assert_int_equal(parse("# hello\n\nversion=1\n\n# x=y\ninterface=wg0\nconfig=/a.conf\n"
			       "current=0\n",
			       &back, &err),
			 0);
	assert_string_equal(back.ifname, "wg0");
	assert_int_equal(back.n_configs, 1);
	assert_string_equal(back.paths[0], "/a.conf");
	/* Not given: the defaults. */
	assert_int_equal(back.backend, FX_BACKEND_AUTO);
	assert_int_equal(back.tun.wg_pid, 0);
	/* Written before standbys: the tunnel has the name given, none beside it. */
	assert_string_equal(back.tun.ifname, "wg0");
	assert_false(back.has_standby);
	assert_false(back.no_standby); /* a standby unless asked otherwise */
	assert_false(back.switch_back); /* stays on the server that works */
	assert_false(back.restore_src_valid_mark);
	assert_false(back.has_resolved[0][0]);
}

static void expect_error(const char *s, const char *needle)
{
	struct fx_err err;
	int r;

	memset(&back, 0x5a, sizeof(back));
	r = parse(s, &back, &err);
	if (r != -EINVAL)
		fail_msg("'%s': %d, not -EINVAL", s, r);
	if (!strstr(err.msg, needle))
		fail_msg("'%s': message '%s' lacks '%s'", s, err.msg, needle);
}

#define HEAD "version=1\ninterface=fexyn0\n"

static void parse_errors_name_the_line(void **state)
{
	(void)state;
	expect_error(HEAD "colour=blue\nconfig=/a.conf\ncurrent=0\n", "line 3: colour: unknown key");
	expect_error(HEAD "backend=wireguard\nconfig=/a.conf\ncurrent=0\n",
		     "line 3: backend: unknown backend");
	expect_error(HEAD "backend=Kernel\nconfig=/a.conf\n", "line 3: backend: unknown backend");
	expect_error(HEAD "config=etc/a.conf\ncurrent=0\n", "line 3: config: not an absolute path");
	expect_error(HEAD "config=\ncurrent=0\n", "line 3: config: not an absolute path");
	expect_error(HEAD "config=/a.conf\ncurrent=8\n", "line 4: current: bad index");
	expect_error(HEAD "config=/a.conf\ncurrent=-1\n", "line 4: current: bad index");
	expect_error(HEAD "config=/a.conf\ncurrent=x\n", "line 4: current: bad index");
	expect_error(HEAD "config=/a.conf\nresolved=1.0=198.51.100.7:51820/udp\n",
		     "line 4: resolved: no such config or peer");
	expect_error(HEAD "config=/a.conf\nresolved=0.8=198.51.100.7:51820/udp\n",
		     "line 4: resolved: no such config or peer");
	/* A resolved line before its config line names a config not there yet. */
	expect_error(HEAD "resolved=0.0=198.51.100.7:51820/udp\nconfig=/a.conf\n",
		     "line 3: resolved: no such config or peer");
	expect_error(HEAD "config=/a.conf\nresolved=0=198.51.100.7:51820/udp\n",
		     "line 4: resolved: expected CONFIG.PEER=ADDRESS:PORT");
	expect_error(HEAD "config=/a.conf\nresolved=0.0\n",
		     "line 4: resolved: expected CONFIG.PEER=ADDRESS:PORT");
	expect_error(HEAD "config=/a.conf\nresolved=0.0=vpn.example.com:51820\n",
		     "line 4: resolved: ");
	expect_error(HEAD "config=/a.conf\nresolved=0.0=198.51.100.7\n", "missing port");
	expect_error(HEAD "config=/a.conf\nwg_pid=abc\n", "line 4: wg_pid: bad process id");
	expect_error(HEAD "config=/a.conf\nwg_pid=-5\n", "line 4: wg_pid: bad process id");
	expect_error(HEAD "config=/a.conf\nmaking=2\n", "line 4: making: expected 0 or 1");
	expect_error(HEAD "config=/a.conf\nstandby_making=2\n", "line 4: standby_making: expected 0 or 1");
	expect_error(HEAD "config=/a.conf\nstandby_wg_pid=x\n", "line 4: standby_wg_pid: bad process id");
	expect_error(HEAD "config=/a.conf\nstandby_tunnel=a/b\n", "line 4: standby_tunnel: ");
	expect_error(HEAD "config=/a.conf\nstandby=9\n", "line 4: standby: bad index");
	expect_error(HEAD "config=/a.conf\nhot_standby=yes\n", "line 4: hot_standby: expected 0 or 1");
	expect_error(HEAD "config=/a.conf\nswitch_back=2\n", "line 4: switch_back: expected 0 or 1");
	expect_error(HEAD "config=/a.conf\ncurrent=0\nstandby=1\nstandby_tunnel=fexyn0b\n",
		     "standby: needs a config and standby_tunnel");
	expect_error(HEAD "config=/a.conf\nconfig=/b.conf\ncurrent=0\nstandby=1\n",
		     "standby: needs a config and standby_tunnel");
	expect_error(HEAD "config=/a.conf\nstandby_colour=1\n", "line 4: standby_colour: unknown key");
	expect_error(HEAD "config=/a.conf\nrestore_src_valid_mark=2\n",
		     "line 4: restore_src_valid_mark: expected 0 or 1");
	expect_error("version=1\ninterface=bad/name\n", "line 2: interface: ");
	expect_error("version=1\ninterface=\n", "line 2: interface: empty interface name");
	expect_error("version=1\ninterface=fexyn0\njunk\n", "line 3: expected key=value");
	expect_error("version=2\ninterface=fexyn0\nconfig=/a.conf\n", "line 1: version: unsupported");
	expect_error("\n\nversion=\n", "line 3: version: unsupported");
}

static void parse_too_many_configs(void **state)
{
	char s[2048];
	size_t off = (size_t)snprintf(s, sizeof(s), HEAD);

	(void)state;
	for (int c = 0; c <= FX_MAX_CONFIGS; c++)
		off += (size_t)snprintf(s + off, sizeof(s) - off, "config=/c%d.conf\n", c);
	expect_error(s, "line 11: config: more than 8 configs");
}

/* The longest path that fits round-trips; one byte more is an error. */
static void config_path_length_limit(void **state)
{
	char s[2048];
	struct fx_err err;

	(void)state;
	fill(&saved);
	memset(saved.paths[1], 'p', FX_CONF_PATH_MAX - 1);
	saved.paths[1][0] = '/';
	saved.paths[1][FX_CONF_PATH_MAX - 1] = '\0';
	assert_int_equal(fx_conn_state_format(&saved, text, sizeof(text)), 0);
	assert_int_equal(parse(text, &back, &err), 0);
	assert_same(&saved, &back);

	snprintf(s, sizeof(s), HEAD "config=%sp\ncurrent=0\n", saved.paths[1]);
	expect_error(s, "line 3: config: ");
	snprintf(s, sizeof(s), HEAD "config=%s%s\ncurrent=0\n", saved.paths[1], saved.paths[1]);
	expect_error(s, "line 3: config: ");
}

static void parse_whole_file_errors(void **state)
{
	static const char nul[] = "version=1\ninterface=fexyn0\0\nconfig=/a.conf\ncurrent=0\n";
	struct fx_err err = { 0 };

	(void)state;
	expect_error("interface=fexyn0\nconfig=/a.conf\ncurrent=0\n", "missing version");
	expect_error("", "missing version");
	assert_int_equal(fx_conn_state_parse(nul, sizeof(nul) - 1, &back, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "NUL"));
	/* current must name one of the configs. */
	expect_error(HEAD "config=/a.conf\nconfig=/b.conf\ncurrent=2\n", "incomplete");
	expect_error(HEAD "current=0\n", "incomplete");
	expect_error("version=1\nconfig=/a.conf\ncurrent=0\n", "incomplete");
}

/* What a connect applied is undone exactly: the largest plan a config can
 * make is kept whole, and a damaged line is refused with its number. */
static void the_applied_plan_is_kept_whole(void **state)
{
	struct fx_err err;
	char prefix[64];

	(void)state;
	fill(&saved);
	saved.plan.n_routes = 0;
	while (saved.plan.n_routes < FX_MAX_PLAN_ROUTES) {
		struct fx_route_spec *rt = &saved.plan.routes[saved.plan.n_routes];

		snprintf(prefix, sizeof(prefix), "2001:db8:ffff:ffff:ffff:ffff:%x:%x/128",
			 (unsigned)saved.plan.n_routes, (unsigned)saved.plan.n_routes);
		assert_int_equal(fx_prefix_parse(prefix, &rt->dst, NULL), 0);
		rt->table = 4294967295u;
		saved.plan.n_routes++;
	}
	assert_int_equal(fx_conn_state_format(&saved, text, sizeof(text)), 0);
	assert_int_equal(parse(text, &back, &err), 0);
	assert_same(&saved, &back);
	expect_error("version=1\ninterface=fexyn0\nconfig=/a.conf\nroute=10.0.0.0/8 51820\n",
		     "line 4: route: expected PREFIX TABLE BLACKHOLE");
	expect_error("version=1\ninterface=fexyn0\nconfig=/a.conf\nrule=inet 1 2 3 4 5\n",
		     "line 4: rule: expected FAMILY PRIORITY TABLE NOT_FWMARK FWMARK SUPPRESS");
	expect_error("version=1\ninterface=fexyn0\nconfig=/a.conf\nlink=0 tun\n",
		     "line 4: link: expected INDEX KIND");
}

static void backend_names_round_trip(void **state)
{
	static const enum fx_backend all[] = { FX_BACKEND_AUTO, FX_BACKEND_KERNEL,
					       FX_BACKEND_USERSPACE };
	enum fx_backend b;

	(void)state;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		b = (enum fx_backend)99;
		assert_int_equal(fx_backend_parse(fx_backend_name(all[i]), &b), 0);
		assert_int_equal(b, all[i]);
	}
	assert_string_equal(fx_backend_name(FX_BACKEND_AUTO), "auto");
	assert_string_equal(fx_backend_name(FX_BACKEND_KERNEL), "kernel");
	assert_string_equal(fx_backend_name(FX_BACKEND_USERSPACE), "userspace");
	assert_string_equal(fx_backend_name((enum fx_backend)42), "?");
	b = FX_BACKEND_KERNEL;
	assert_int_equal(fx_backend_parse("", &b), -EINVAL);
	assert_int_equal(fx_backend_parse("?", &b), -EINVAL);
	assert_int_equal(fx_backend_parse("USERSPACE", &b), -EINVAL);
	assert_int_equal(fx_backend_parse("kernel ", &b), -EINVAL);
	assert_int_equal(b, FX_BACKEND_KERNEL); /* untouched on failure */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(round_trip_all_configs),
		cmocka_unit_test(format_text),
		cmocka_unit_test(format_short_buffer_is_enospc),
		cmocka_unit_test(parse_skips_comments_and_blank_lines),
		cmocka_unit_test(twin_names_differ_and_fit),
		cmocka_unit_test(parse_errors_name_the_line),
		cmocka_unit_test(parse_too_many_configs),
		cmocka_unit_test(config_path_length_limit),
		cmocka_unit_test(parse_whole_file_errors),
		cmocka_unit_test(backend_names_round_trip),
		cmocka_unit_test(the_applied_plan_is_kept_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
