/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * txn_bench: how long fexyn's firewall transaction takes, as fexynd does it
 * (fx_policy_compile + fx_nft_apply on one netfilter socket, with the
 * owner and persist table flags where the kernel has them).
 *
 *   txn_bench --kind connect|swap|lockdown [--runs N] [--warmup N]
 *   txn_bench --dump connecting|swap-a|swap-b|lockdown
 *
 * --kind alternates two rulesets N times each and prints one line per
 * timed transaction, "kind,direction,microseconds,compile-microseconds":
 *   connect   no table -> the connecting policy ("connect", the one that
 *             counts) and back ("disconnect")
 *   swap      reconnecting with endpoint A -> with endpoint B ("a-b") and back
 *   lockdown  disconnected: no table -> the blocked policy of lockdown ("on")
 *             and back ("off")
 * The clock (CLOCK_MONOTONIC) covers compiling the policy and applying it,
 * i.e. building the netlink batch, sending it and reading every ack; the
 * last column is the compile alone (the pure policy function).
 *
 * --dump applies one of those rulesets and exits: the table stays (persist,
 * or no owner flag), so `nft list table inet fexyn` can print it.
 *
 * Run it only in a scratch network namespace: it installs fexyn's table.
 * Built by bench/run against build/src/libfexyn-core.a.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guard.h"
#include "nft.h"
#include "policy.h"

struct variant {
	enum fx_state state;
	bool lockdown;
	const char *endpoint; /* NULL: nothing guarded */
};

static const struct variant v_none = { FX_STATE_DISCONNECTED, false, NULL };
static const struct variant v_connecting = { FX_STATE_CONNECTING, false, "198.51.100.10:51820" };
static const struct variant v_swap_a = { FX_STATE_RECONNECTING, false, "198.51.100.10:51820" };
static const struct variant v_swap_b = { FX_STATE_RECONNECTING, false, "198.51.100.11:51820" };
static const struct variant v_lockdown = { FX_STATE_DISCONNECTED, true, NULL };

static int make_guard(struct fx_guard *g, const char *endpoint)
{
	struct fx_err err = { 0 };

	memset(g, 0, sizeof(*g));
	if (fx_guard_set(g, "tunnel", "wg0", &err) < 0 ||
	    fx_guard_set(g, "endpoint", endpoint, &err) < 0 ||
	    fx_guard_set(g, "fwmark", "51820", &err) < 0 ||
	    fx_guard_set(g, "dns", "10.66.0.1", &err) < 0 || fx_guard_check(g, &err) < 0) {
		fprintf(stderr, "txn_bench: guard: %s\n", err.msg);
		return -EINVAL;
	}
	return 0;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* The last apply's compile time alone, in µs. */
static double compile_us;

/* What fexynd's apply_state does: compile, then apply in one transaction. */
static int apply(struct fx_nft *nft, const struct variant *v)
{
	struct fx_guard g;
	struct fx_policy_input in = { .state = v->state };
	static struct fx_ruleset rs; /* large: keep it off the stack */
	struct fx_err err = { 0 };
	int r;

	fx_settings_default(&in.settings);
	in.settings.lockdown = v->lockdown;
	if (v->endpoint) {
		r = make_guard(&g, v->endpoint);
		if (r < 0)
			return r;
		in.guard = &g;
	}
	compile_us = now_us();
	r = fx_policy_compile(&in, &rs);
	compile_us = now_us() - compile_us;
	if (r < 0) {
		fprintf(stderr, "txn_bench: compile: %s\n", strerror(-r));
		return r;
	}
	r = fx_nft_apply(nft, &rs, &err);
	if (r < 0)
		fprintf(stderr, "txn_bench: apply: %s\n", err.msg);
	return r;
}

static int timed(struct fx_nft *nft, const struct variant *v, const char *kind, const char *dir,
		 bool print)
{
	double t0 = now_us();
	int r = apply(nft, v);
	double t1 = now_us();

	if (r < 0)
		return r;
	if (print)
		printf("%s,%s,%.1f,%.1f\n", kind, dir, t1 - t0, compile_us);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: txn_bench --kind connect|swap|lockdown [--runs N] [--warmup N]\n"
			"       txn_bench --dump connecting|swap-a|swap-b|lockdown\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "runs", required_argument, NULL, 'r' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "dump", required_argument, NULL, 'd' },
		{ 0 },
	};
	const char *kind = NULL, *dump = NULL;
	long runs = 1000, warmup = 20;
	const struct variant *a, *b;
	const char *da, *db;
	struct fx_nft *nft;
	int c, r = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			kind = optarg;
			break;
		case 'r':
			runs = strtol(optarg, NULL, 10);
			break;
		case 'w':
			warmup = strtol(optarg, NULL, 10);
			break;
		case 'd':
			dump = optarg;
			break;
		default:
			return usage();
		}
	}
	if (!kind == !dump || runs < 1 || warmup < 0)
		return usage();
	if (dump) {
		const struct variant *v = strcmp(dump, "connecting") == 0 ? &v_connecting
					  : strcmp(dump, "swap-a") == 0   ? &v_swap_a
					  : strcmp(dump, "swap-b") == 0   ? &v_swap_b
					  : strcmp(dump, "lockdown") == 0 ? &v_lockdown
									  : NULL;
		if (!v)
			return usage();
		r = fx_nft_open(&nft, FX_PROTECTION_OWNER_PERSIST);
		if (r < 0) {
			fprintf(stderr, "txn_bench: netfilter socket: %s\n", strerror(-r));
			return 1;
		}
		r = apply(nft, v);
		fx_nft_close(nft);
		return r < 0 ? 1 : 0;
	}
	if (strcmp(kind, "connect") == 0) {
		a = &v_none, b = &v_connecting, da = "disconnect", db = "connect";
	} else if (strcmp(kind, "swap") == 0) {
		a = &v_swap_a, b = &v_swap_b, da = "b-a", db = "a-b";
	} else if (strcmp(kind, "lockdown") == 0) {
		a = &v_none, b = &v_lockdown, da = "off", db = "on";
	} else {
		return usage();
	}
	r = fx_nft_open(&nft, FX_PROTECTION_OWNER_PERSIST);
	if (r < 0) {
		fprintf(stderr, "txn_bench: netfilter socket: %s\n", strerror(-r));
		return 1;
	}
	fprintf(stderr, "txn_bench: %s, protection %s\n", kind,
		fx_protection_name(fx_nft_protection(nft)));
	/* Start from a: the first timed transaction is a -> b. */
	r = apply(nft, a);
	for (long i = 0; r == 0 && i < warmup + runs; i++) {
		bool print = i >= warmup;

		r = timed(nft, b, kind, db, print);
		if (r == 0)
			r = timed(nft, a, kind, da, print);
	}
	/* Leave nothing behind. */
	if (apply(nft, &v_none) < 0 && r == 0)
		r = -1;
	fx_nft_close(nft);
	return r < 0 ? 1 : 0;
}
