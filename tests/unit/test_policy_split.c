/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Split tunnelling in the policy (issue 15): what an excluded program's
 * socket sends is marked, goes around the tunnel and gets out; nothing
 * else does, whatever marks it carries. Judged by the model of nf_tables
 * in policy_eval.c; the lab has the kernel do it with real sockets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "policy_eval.h"

#define TUNNEL_ADDR "10.66.0.2"
#define WEB "203.0.113.80"
#define MARK 51820u
#define EXCLUDED_ID 4242u
#define OTHER_ID 999u

struct fixture {
	struct fx_guard guard;
	uint64_t ids[FX_MAX_EXCLUDED + 1];
	struct fx_policy_input in;
	struct fx_ruleset rs;
};

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));
	struct fx_err err;

	assert_int_equal(fx_guard_set(&f->guard, "tunnel", "wg0", &err), 0);
	assert_int_equal(fx_guard_set(&f->guard, "endpoint", "198.51.100.10:51820", &err), 0);
	assert_int_equal(fx_guard_set(&f->guard, "dns", "10.66.0.1", &err), 0);
	assert_int_equal(fx_guard_set(&f->guard, "fwmark", "51820", &err), 0);
	assert_int_equal(fx_guard_set(&f->guard, "address", TUNNEL_ADDR "/32", &err), 0);
	fx_settings_default(&f->in.settings);
	f->ids[0] = EXCLUDED_ID;
	f->in.excluded = f->ids;
	f->in.n_excluded = 1;
	f->in.guard = &f->guard;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	test_free(*state);
	return 0;
}

static struct fixture *compile(struct fixture *f, enum fx_state state)
{
	f->in.state = state;
	assert_int_equal(fx_policy_compile(&f->in, &f->rs), 0);
	return f;
}

/* A new UDP flow to the web host from a socket in cgroup id, routed out
 * of the physical interface (where a mark would send it). */
static struct test_pkt flow_out(uint64_t id)
{
	return (struct test_pkt){ .oif = "eth0", .l4proto = IPPROTO_UDP, .sport = 40000, .dport = 9000,
				  .new_conn = true, .saddr = TUNNEL_ADDR, .daddr = WEB, .cgroup = id };
}

static size_t rules_in(const struct fx_ruleset *rs, enum fx_chain c)
{
	size_t n = 0;

	for (size_t i = 0; i < rs->n_rules; i++)
		n += rs->rules[i].chain == c;
	return n;
}

static void nothing_excluded_no_split_table(void **state)
{
	struct fixture *f = *state;
	uint32_t mark, ct;
	struct test_pkt p = flow_out(EXCLUDED_ID);

	f->in.n_excluded = 0;
	compile(f, FX_STATE_CONNECTED);
	assert_false(f->rs.split);
	for (size_t i = 0; i < f->rs.n_rules; i++) {
		assert_false(fx_chain_in_split_table(f->rs.rules[i].chain));
		assert_false(f->rs.rules[i].match_ct_mark);
	}
	assert_int_not_equal(test_eval_out(&f->rs, &p, &mark, &ct), FX_ACCEPT);
	assert_int_equal(mark, 0);
}

static void an_excluded_socket_goes_around_the_tunnel(void **state)
{
	struct fixture *f = compile(*state, FX_STATE_CONNECTED);
	struct test_pkt p = flow_out(EXCLUDED_ID);
	uint32_t mark, ct;

	assert_true(f->rs.split);
	assert_int_equal(test_eval_out(&f->rs, &p, &mark, &ct), FX_ACCEPT);
	assert_int_equal(mark, MARK);
	assert_int_equal(ct, FX_SPLIT_CT_MARK);
	/* Its later packets: the connection is marked already. */
	p.new_conn = false;
	p.established = true;
	p.ct_mark = FX_SPLIT_CT_MARK;
	assert_int_equal(test_eval_out(&f->rs, &p, &mark, &ct), FX_ACCEPT);
	assert_int_equal(mark, MARK);
	/* nat gives it the interface's address. */
	p.chain = FX_CHAIN_SPLIT_NAT;
	p.mark = MARK;
	assert_int_equal(test_eval(&f->rs, &p), FX_MASQUERADE);
}

static void other_sockets_stay_locked_in(void **state)
{
	struct fixture *f = compile(*state, FX_STATE_CONNECTED);
	uint64_t ids[] = { OTHER_ID, 0 }; /* another cgroup; no socket at all */
	uint32_t mark, ct;

	for (size_t i = 0; i < 2; i++) {
		struct test_pkt p = flow_out(ids[i]);

		assert_int_not_equal(test_eval_out(&f->rs, &p, &mark, &ct), FX_ACCEPT);
		assert_int_equal(mark, 0);
		assert_int_equal(ct, 0);
		p.chain = FX_CHAIN_SPLIT_NAT;
		assert_int_equal(test_eval(&f->rs, &p), FX_ACCEPT); /* the chain's policy: untouched */
	}
}

/* The tunnel socket's mark alone, or the connection mark alone, opens nothing. */
static void one_mark_alone_is_not_enough(void **state)
{
	struct fixture *f = compile(*state, FX_STATE_CONNECTED);
	struct test_pkt p = flow_out(0);

	p.chain = FX_CHAIN_OUTPUT;
	p.mark = MARK;
	assert_int_not_equal(test_eval(&f->rs, &p), FX_ACCEPT);
	p.chain = FX_CHAIN_POSTROUTING;
	assert_int_not_equal(test_eval(&f->rs, &p), FX_ACCEPT);
	p.mark = 0;
	p.ct_mark = FX_SPLIT_CT_MARK;
	p.chain = FX_CHAIN_OUTPUT;
	assert_int_not_equal(test_eval(&f->rs, &p), FX_ACCEPT);
	p.chain = FX_CHAIN_POSTROUTING;
	assert_int_not_equal(test_eval(&f->rs, &p), FX_ACCEPT);
}

/* DNS is not marked: it stays in the tunnel, to the tunnel's resolver. */
static void an_excluded_programs_dns_stays_in_the_tunnel(void **state)
{
	struct fixture *f = compile(*state, FX_STATE_CONNECTED);
	struct test_pkt p = flow_out(EXCLUDED_ID);
	uint32_t mark, ct;

	p.dport = 53;
	p.daddr = "10.66.0.1";
	p.oif = "eth0";
	assert_int_not_equal(test_eval_out(&f->rs, &p, &mark, &ct), FX_ACCEPT);
	assert_int_equal(mark, 0);
	p.oif = "wg0"; /* where routing sends it, unmarked */
	assert_int_equal(test_eval_out(&f->rs, &p, &mark, &ct), FX_ACCEPT);
	p.daddr = "8.8.8.8";
	assert_int_equal(test_eval_out(&f->rs, &p, &mark, &ct), FX_REJECT);
	p.l4proto = IPPROTO_TCP;
	p.dport = 853;
	assert_int_equal(test_eval_out(&f->rs, &p, &mark, &ct), FX_REJECT);
	assert_int_equal(mark, 0);
}

/* A connection the socket had before its exclusion has the tunnel's
 * address and no nat: it stays in the tunnel, unmarked. */
static void a_connection_from_before_stays_in_the_tunnel(void **state)
{
	struct fixture *f = compile(*state, FX_STATE_CONNECTED);
	struct test_pkt p = flow_out(EXCLUDED_ID);
	uint32_t mark, ct;

	p.new_conn = false;
	p.established = true;
	assert_int_not_equal(test_eval_out(&f->rs, &p, &mark, &ct), FX_ACCEPT);
	assert_int_equal(mark, 0);
	p.oif = "wg0";
	assert_int_equal(test_eval_out(&f->rs, &p, &mark, &ct), FX_ACCEPT);
	assert_int_equal(mark, 0);
}

/* Replies arrive addressed to the tunnel's address again (nat undone),
 * through the physical interface: let in by the connection mark only. */
static void replies_come_back_by_the_connection_mark(void **state)
{
	struct fixture *f = compile(*state, FX_STATE_CONNECTED);
	struct test_pkt p = { .chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_UDP,
			      .sport = 9000, .dport = 40000, .established = true,
			      .saddr = WEB, .daddr = TUNNEL_ADDR, .ct_mark = FX_SPLIT_CT_MARK };

	assert_int_equal(test_eval(&f->rs, &p), FX_ACCEPT);
	p.chain = FX_CHAIN_SPLIT_REPLY;
	assert_int_equal(test_eval(&f->rs, &p), FX_MARK);
	p.chain = FX_CHAIN_INPUT;
	p.ct_mark = 0; /* a forged reply to a tunnelled connection */
	assert_int_equal(test_eval(&f->rs, &p), FX_DROP);
}

/* Excluded means excluded: blocked, and in lockdown with nothing guarded. */
static void excluded_programs_get_out_while_blocked(void **state)
{
	struct fixture *f = *state;
	struct test_pkt p = flow_out(EXCLUDED_ID);
	uint32_t mark, ct;

	p.saddr = "192.168.77.2";
	compile(f, FX_STATE_BLOCKED);
	assert_int_equal(test_eval_out(&f->rs, &p, &mark, &ct), FX_ACCEPT);
	assert_int_equal(mark, MARK);
	p.cgroup = OTHER_ID;
	assert_int_not_equal(test_eval_out(&f->rs, &p, &mark, &ct), FX_ACCEPT);

	f->in.guard = NULL;
	f->in.settings.lockdown = true;
	compile(f, FX_STATE_DISCONNECTED);
	assert_true(f->rs.split);
	p.cgroup = EXCLUDED_ID;
	assert_int_equal(test_eval_out(&f->rs, &p, &mark, &ct), FX_ACCEPT);
	assert_int_equal(mark, FX_SPLIT_MARK);
	p.cgroup = OTHER_ID;
	assert_int_not_equal(test_eval_out(&f->rs, &p, &mark, &ct), FX_ACCEPT);
}

static void disconnected_without_lockdown_needs_nothing(void **state)
{
	struct fixture *f = *state;

	f->in.guard = NULL;
	compile(f, FX_STATE_DISCONNECTED);
	assert_false(f->rs.present);
	assert_false(f->rs.split);
	assert_int_equal(f->rs.n_rules, 0);
}

/* With the kill switch off there is no filter, but excluded programs must
 * still be routed around the tunnel: the split table alone. */
static void the_kill_switch_off_keeps_the_split_table(void **state)
{
	struct fixture *f = *state;
	struct test_pkt p = flow_out(EXCLUDED_ID);
	uint32_t mark, ct;

	f->in.settings.killswitch = false;
	compile(f, FX_STATE_CONNECTED);
	assert_false(f->rs.present);
	assert_true(f->rs.split);
	for (size_t i = 0; i < f->rs.n_rules; i++)
		assert_true(fx_chain_in_split_table(f->rs.rules[i].chain));
	assert_int_equal(test_eval_out(&f->rs, &p, &mark, &ct), FX_ACCEPT);
	assert_int_equal(mark, MARK);
}

/* A tunnel without a fwmark is routed by rules fexyn does not know: no
 * mark would take a packet around it, so nothing is excluded. */
static void a_tunnel_without_a_fwmark_excludes_nothing(void **state)
{
	struct fixture *f = *state;

	f->guard.fwmark = 0;
	compile(f, FX_STATE_CONNECTED);
	assert_false(f->rs.split);
	assert_int_equal(rules_in(&f->rs, FX_CHAIN_SPLIT_MARK), 0);
}

static void exclusions_are_counted_once_and_bounded(void **state)
{
	struct fixture *f = *state;
	struct fx_ruleset other;

	f->ids[1] = EXCLUDED_ID;
	f->ids[2] = OTHER_ID;
	f->in.n_excluded = 3;
	compile(f, FX_STATE_CONNECTED);
	assert_int_equal(f->rs.sets[FX_SET_EXCLUDED].n, 2);
	f->in.n_excluded = 1;
	assert_int_equal(fx_policy_compile(&f->in, &other), 0);
	assert_false(fx_ruleset_equal(&f->rs, &other));
	for (size_t i = 0; i <= FX_MAX_EXCLUDED; i++)
		f->ids[i] = 1000 + i;
	f->in.n_excluded = FX_MAX_EXCLUDED;
	assert_int_equal(fx_policy_compile(&f->in, &f->rs), 0);
	f->in.n_excluded = FX_MAX_EXCLUDED + 1;
	assert_int_equal(fx_policy_compile(&f->in, &f->rs), -E2BIG);
}

static void split_rules_say_why(void **state)
{
	struct fixture *f = compile(*state, FX_STATE_CONNECTED);

	assert_int_equal(rules_in(&f->rs, FX_CHAIN_SPLIT_NAT), 1);
	assert_int_equal(rules_in(&f->rs, FX_CHAIN_SPLIT_REPLY), 1);
	for (size_t i = 0; i < f->rs.n_rules; i++)
		assert_non_null(f->rs.rules[i].why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(nothing_excluded_no_split_table),
		T(an_excluded_socket_goes_around_the_tunnel),
		T(other_sockets_stay_locked_in),
		T(one_mark_alone_is_not_enough),
		T(an_excluded_programs_dns_stays_in_the_tunnel),
		T(a_connection_from_before_stays_in_the_tunnel),
		T(replies_come_back_by_the_connection_mark),
		T(excluded_programs_get_out_while_blocked),
		T(disconnected_without_lockdown_needs_nothing),
		T(the_kill_switch_off_keeps_the_split_table),
		T(a_tunnel_without_a_fwmark_excludes_nothing),
		T(exclusions_are_counted_once_and_bounded),
		T(split_rules_say_why),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
