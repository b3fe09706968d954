/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The policy's packet cases: one table, judged twice. test_policy.c walks
 * each case's packet through policy_eval.c, a model of nf_tables; the lab
 * (tests/lab/policyjudge.c) loads the same compiled policy into a scratch
 * network namespace and lets the kernel judge the same packet. A rule that
 * nft_rule.c builds wrong (an offset, a length, a byte order) passes the
 * model and fails in the kernel, so the model cannot drift from the rules
 * fexyn really loads without a test saying so.
 */
#include "err.h"
#include "policy_eval.h"

/* Settings that differ from fx_settings_default. */
enum {
	CASE_LAN_BLOCKED = 1 << 0, /* allow_lan false */
	CASE_LOCKDOWN = 1 << 1,
	/* A program excluded (split tunnelling): the split table is loaded.
	 * The case's packet is never from its cgroup: the kernel sees the
	 * lab's own sockets, so these cases say what the others get. */
	CASE_EXCLUDING = 1 << 2,
};

struct policy_case {
	const char *what;        /* the claim, in a sentence */
	enum fx_state state;
	unsigned settings;       /* CASE_* flags */
	/*
	 * The guard as "key=value" words for fx_guard_set, space separated, or
	 * NULL for none. The word "fill" adds as many addresses, routes and
	 * resolvers as a guard holds (the largest policy there is).
	 */
	const char *guard;
	const char *link_addr;   /* an address the guarded link holds beyond the guard's */
	enum fx_verdict expect;
	const struct test_pkt *pkt;
	/* Why the kernel cannot be shown this packet faithfully, or NULL. */
	const char *kernel_skip;
};

extern const struct policy_case policy_cases[];
extern const size_t n_policy_cases;

/*
 * Compiles a case's state, settings, guard and link address into rs, as
 * fexynd would. Returns 0, or a negative errno with err set when the case's
 * guard or address does not parse (or the policy does not fit).
 */
int policy_case_compile(const struct policy_case *c, struct fx_ruleset *rs, struct fx_err *err);

const char *policy_verdict_name(enum fx_verdict v);

/* "output eth0 udp 192.168.77.2:40000 > 198.51.100.10:51820 mark 51820" */
void policy_pkt_format(const struct test_pkt *p, char *buf, size_t len);
