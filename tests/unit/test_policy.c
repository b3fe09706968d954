/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy compiler's shape, and every packet case of policy_cases.c
 * judged by the model of nf_tables in policy_eval.c. The lab test
 * tests/lab/test-policy-kernel.sh has the kernel judge the same cases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "policy_cases.h"
#include "policy_eval.h"

#define SERVER "198.51.100.10"
#define RESOLVER "10.66.0.1"

struct fixture {
	struct fx_guard guard;
	struct fx_policy_input in;
	struct fx_ruleset rs;
};

static void make_guard(struct fx_guard *g)
{
	struct fx_err err;

	memset(g, 0, sizeof(*g));
	assert_int_equal(fx_guard_set(g, "tunnel", "wg0", &err), 0);
	assert_int_equal(fx_guard_set(g, "endpoint", SERVER ":51820", &err), 0);
	assert_int_equal(fx_guard_set(g, "dns", RESOLVER, &err), 0);
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

	make_guard(&f->guard);
	fx_settings_default(&f->in.settings);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	test_free(*state);
	return 0;
}

/* Compiles a case of the table into rs; fails the test if it does not compile. */
static void compile_case(const struct policy_case *c, struct fx_ruleset *rs)
{
	struct fx_err err = { .msg = "" };
	int r = policy_case_compile(c, rs, &err);

	if (r < 0)
		print_error("case '%s': %s %s\n", c->what, strerror(-r), err.msg);
	assert_int_equal(r, 0);
}

/* Every case, each failure named; the test fails at the end if any did. */
static void every_case_gets_its_verdict(void **state)
{
	struct fixture *f = *state;
	size_t failed = 0;

	for (size_t i = 0; i < n_policy_cases; i++) {
		const struct policy_case *c = &policy_cases[i];
		enum fx_verdict got;
		char pkt[256];
		int rule;

		compile_case(c, &f->rs);
		got = test_eval_rule(&f->rs, c->pkt, &rule);
		if (got == c->expect)
			continue;
		failed++;
		policy_pkt_format(c->pkt, pkt, sizeof(pkt));
		print_error("case %zu, %s, %s: %s: %s, expected %s (rule %d: %s)\n", i,
			    fx_state_name(c->state), c->what, pkt, policy_verdict_name(got),
			    policy_verdict_name(c->expect), rule,
			    rule >= 0 ? f->rs.rules[rule].why : "the chain's policy");
	}
	assert_int_equal(failed, 0);
}

/* What the lab needs of a case to reproduce it, checked without a kernel. */
static void the_cases_say_what_they_claim(void **state)
{
	(void)state;
	assert_true(n_policy_cases > 100);
	for (size_t i = 0; i < n_policy_cases; i++) {
		const struct policy_case *c = &policy_cases[i];

		assert_non_null(c->what);
		assert_non_null(c->pkt);
		assert_non_null(c->pkt->saddr);
		assert_non_null(c->pkt->daddr);
		if (c->kernel_skip)
			assert_true(strlen(c->kernel_skip) > 10);
	}
}

static void disconnected_has_no_table(void **state)
{
	struct fixture *f = compile(*state, FX_STATE_DISCONNECTED);

	assert_false(f->rs.present);
	assert_int_equal(f->rs.n_rules, 0);
}

static void lockdown_has_a_table_without_a_guard(void **state)
{
	struct fixture *f = *state;

	f->in.settings.lockdown = true;
	f->in.guard = NULL;
	assert_int_equal(fx_policy_compile(&f->in, &f->rs), 0);
	assert_true(f->rs.present);
}

static void blocked_has_no_endpoints(void **state)
{
	struct fixture *f = compile(*state, FX_STATE_BLOCKED);

	assert_true(f->rs.present);
	assert_int_equal(f->rs.sets[FX_SET_ENDPOINTS4].n, 0);
	assert_int_equal(f->rs.sets[FX_SET_ENDPOINTS6].n, 0);
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

/* A route that covers a whole private range is a default route for it, as
 * 0.0.0.0/0 is; one that covers part of a range cuts it. */
static void only_a_partial_route_cuts_the_lan(void **state)
{
	struct fx_prefix p;

	(void)state;
	assert_int_equal(fx_prefix_parse("0.0.0.0/1", &p, NULL), 0);
	assert_false(fx_policy_route_cuts_lan(&p));
	assert_int_equal(fx_prefix_parse("10.200.0.0/16", &p, NULL), 0);
	assert_true(fx_policy_route_cuts_lan(&p));
	assert_int_equal(fx_prefix_parse("198.51.100.0/24", &p, NULL), 0);
	assert_false(fx_policy_route_cuts_lan(&p));
	assert_int_equal(fx_prefix_parse("fd00::/8", &p, NULL), 0);
	assert_true(fx_policy_route_cuts_lan(&p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(every_case_gets_its_verdict),
		T(the_cases_say_what_they_claim),
		T(disconnected_has_no_table),
		T(lockdown_has_a_table_without_a_guard),
		T(blocked_has_no_endpoints),
		T(rules_carry_a_reason_and_a_final_reject),
		T(too_many_resolvers_and_endpoints_still_fit),
		T(a_links_own_link_local_address_changes_nothing),
		T(only_a_partial_route_cuts_the_lan),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
