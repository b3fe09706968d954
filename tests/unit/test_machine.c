/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fexynd's state machine, transition by transition: a sequence of events,
 * each followed by what the daemon's loop does (apply what the machine
 * wants, report the outcome), and the state, the policy's inputs and the
 * reason that must follow. One row per transition.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "machine.h"

enum event {
	END,
	GUARD_WG0,     /* fexyn guard --tunnel wg0 */
	GUARD_TUN1,    /* fexyn guard --tunnel tun1 */
	CONNECT,       /* fexyn connect: its own tunnel fexyn0, a new attempt */
	UNGUARD,       /* fexyn disconnect / reset */
	LINK_UP,       /* the guarded link is up and running, with an address */
	LINK_DOWN,     /* it is there but down */
	LINK_GONE,     /* it could not be read */
	HANDSHAKE,     /* the own tunnel's attempt completed a handshake */
	NEW_ATTEMPT,   /* the own tunnel starts another attempt (next server) */
	BLOCK,         /* e.g. a state file that cannot be read */
	SETTINGS_BAD,  /* the settings file is damaged */
	SETTINGS_OK,   /* settings written again */
	LOCKDOWN_ON,
	APPLY_FAILS,   /* the next transaction is refused */
};

struct transition {
	const char *name;
	enum event events[8];
	enum fx_state state;   /* in force after the last event */
	unsigned link_addrs;   /* addresses the policy is given */
	const char *reason;    /* prefix of fx_machine_reason(), or NULL */
	bool ever_connected;
	bool guard_in_policy;
	bool apply_due;        /* a retry is pending */
};

static const struct transition transitions[] = {
	{ "nothing guarded", { END }, FX_STATE_DISCONNECTED, 0, NULL, false, false, false },
	{ "lockdown alone stays disconnected (its policy blocks)", { LOCKDOWN_ON, END }, FX_STATE_DISCONNECTED, 0, NULL, false, false, false },
	{ "guard, link down: connecting", { GUARD_WG0, LINK_DOWN, END }, FX_STATE_CONNECTING, 0, NULL, false, true, false },
	{ "guard, link up: connected", { GUARD_WG0, LINK_UP, END }, FX_STATE_CONNECTED, 1, NULL, true, true, false },
	{ "connected, link down: reconnecting", { GUARD_WG0, LINK_UP, LINK_DOWN, END }, FX_STATE_RECONNECTING, 0, NULL, true, true, false },
	{ "reconnecting, link up: connected", { GUARD_WG0, LINK_UP, LINK_DOWN, LINK_UP, END }, FX_STATE_CONNECTED, 1, NULL, true, true, false },
	{ "connected, link unreadable: reconnecting", { GUARD_WG0, LINK_UP, LINK_GONE, END }, FX_STATE_RECONNECTING, 0, NULL, true, true, false },
	{ "own tunnel up without a handshake: connecting", { CONNECT, LINK_UP, END }, FX_STATE_CONNECTING, 1, NULL, false, true, false },
	{ "own tunnel with a handshake: connected", { CONNECT, LINK_UP, HANDSHAKE, END }, FX_STATE_CONNECTED, 1, NULL, true, true, false },
	{ "own tunnel, next attempt: reconnecting", { CONNECT, LINK_UP, HANDSHAKE, NEW_ATTEMPT, END }, FX_STATE_RECONNECTING, 1, NULL, true, true, false },
	{ "own tunnel, link down after a handshake: reconnecting", { CONNECT, LINK_UP, HANDSHAKE, LINK_DOWN, END }, FX_STATE_RECONNECTING, 0, NULL, true, true, false },
	{ "a new connect starts as connecting", { CONNECT, LINK_UP, HANDSHAKE, CONNECT, LINK_DOWN, END }, FX_STATE_CONNECTING, 0, NULL, false, true, false },
	{ "guarding another tunnel starts as connecting", { GUARD_WG0, LINK_UP, GUARD_TUN1, LINK_DOWN, END }, FX_STATE_CONNECTING, 0, NULL, false, true, false },
	{ "the same tunnel guarded again stays reconnecting", { GUARD_WG0, LINK_UP, LINK_DOWN, GUARD_WG0, LINK_DOWN, END }, FX_STATE_RECONNECTING, 0, NULL, true, true, false },
	{ "disconnect forgets the tunnel", { GUARD_WG0, LINK_UP, UNGUARD, END }, FX_STATE_DISCONNECTED, 0, NULL, false, false, false },
	{ "a link event after disconnect changes nothing", { GUARD_WG0, UNGUARD, LINK_UP, END }, FX_STATE_DISCONNECTED, 0, NULL, false, false, false },
	{ "a block blocks", { BLOCK, END }, FX_STATE_BLOCKED, 0, "unreadable state", false, false, false },
	{ "a block outlasts link events", { GUARD_WG0, BLOCK, LINK_UP, END }, FX_STATE_BLOCKED, 1, "unreadable state", false, true, false },
	{ "a new guard lifts a block", { BLOCK, GUARD_WG0, LINK_UP, END }, FX_STATE_CONNECTED, 1, NULL, true, true, false },
	{ "disconnect lifts a block", { GUARD_WG0, BLOCK, UNGUARD, END }, FX_STATE_DISCONNECTED, 0, NULL, false, false, false },
	{ "damaged settings block", { SETTINGS_BAD, END }, FX_STATE_BLOCKED, 0, "unreadable settings", false, false, false },
	{ "damaged settings outlast a guard", { SETTINGS_BAD, GUARD_WG0, LINK_UP, END }, FX_STATE_BLOCKED, 1, "unreadable settings", false, true, false },
	{ "settings written again unblock", { SETTINGS_BAD, GUARD_WG0, LINK_UP, SETTINGS_OK, END }, FX_STATE_CONNECTED, 1, NULL, true, true, false },
	{ "a refused transaction blocks and is retried", { GUARD_WG0, LINK_UP, APPLY_FAILS, END }, FX_STATE_BLOCKED, 1, "nftables refused", true, true, true },
	{ "the retry that works clears the error", { GUARD_WG0, APPLY_FAILS, LINK_UP, END }, FX_STATE_CONNECTED, 1, NULL, true, true, false },
	{ "a refusal while disconnected blocks too", { LOCKDOWN_ON, APPLY_FAILS, END }, FX_STATE_BLOCKED, 0, "nftables refused", false, false, true },
};

static void guard_of(struct fx_guard *g, const char *tunnel)
{
	struct fx_err err;

	memset(g, 0, sizeof(*g));
	assert_int_equal(fx_guard_set(g, "tunnel", tunnel, &err), 0);
	assert_int_equal(fx_guard_set(g, "endpoint", "198.51.100.10:51820", &err), 0);
	assert_int_equal(fx_guard_set(g, "fwmark", "51820", &err), 0);
}

static void link_of(struct fx_link *l, const struct fx_machine *m, bool up)
{
	memset(l, 0, sizeof(*l));
	l->present = true;
	l->up = up;
	l->ifindex = 5;
	snprintf(l->name, sizeof(l->name), "%s", m->guard.tunnel);
	if (up) {
		assert_int_equal(fx_prefix_parse("10.66.0.2/32", &l->addrs[0], NULL), 0);
		l->n_addrs = 1;
	}
}

/* One event; returns false for APPLY_FAILS, which is the loop's outcome. */
static bool feed(struct fx_machine *m, enum event e, time_t now)
{
	struct fx_settings s = m->settings;
	struct fx_guard g;
	struct fx_link l;

	switch (e) {
	case GUARD_WG0:
	case GUARD_TUN1:
	case CONNECT:
		guard_of(&g, e == GUARD_WG0 ? "wg0" : e == GUARD_TUN1 ? "tun1" : "fexyn0");
		if (e == CONNECT)
			fx_machine_unguard(m); /* as fexyn connect does: a fresh start */
		fx_machine_guard(m, &g, e == CONNECT);
		break;
	case UNGUARD:
		fx_machine_unguard(m);
		break;
	case LINK_UP:
	case LINK_DOWN:
		link_of(&l, m, e == LINK_UP);
		fx_machine_link(m, &l);
		break;
	case LINK_GONE:
		fx_machine_link(m, NULL);
		break;
	case HANDSHAKE:
	case NEW_ATTEMPT:
		fx_machine_handshake(m, e == HANDSHAKE);
		break;
	case BLOCK:
		fx_machine_block(m, "unreadable state: line 1");
		break;
	case SETTINGS_BAD:
		fx_machine_settings(m, &s, "unreadable settings: line 2: lan: 'x'");
		break;
	case SETTINGS_OK:
		fx_machine_settings(m, &s, NULL);
		break;
	case LOCKDOWN_ON:
		s.lockdown = true;
		fx_machine_settings(m, &s, NULL);
		break;
	case APPLY_FAILS:
		fx_machine_apply_failed(m, "nftables refused to add rule: No buffer space", now);
		return false;
	case END:
		break;
	}
	return true;
}

/* What fexynd's loop does after an event: apply what is wanted, if due. */
static void settle(struct fx_machine *m, time_t now)
{
	if (fx_machine_apply_due(m, false))
		fx_machine_applied(m, fx_machine_wanted(m), now);
}

static void run(const struct transition *t)
{
	struct fx_machine m;
	struct fx_policy_input in;
	const char *reason;
	time_t now = 1000;

	fx_machine_init(&m, now);
	for (size_t i = 0; t->events[i] != END; i++)
		if (feed(&m, t->events[i], ++now))
			settle(&m, now);
	if (m.state != t->state)
		fail_msg("%s: state %s, expected %s", t->name, fx_state_name(m.state),
			 fx_state_name(t->state));
	if (m.ever_connected != t->ever_connected)
		fail_msg("%s: ever_connected %d", t->name, m.ever_connected);
	fx_machine_policy_input(&m, m.state, &in);
	assert_int_equal(in.state, m.state);
	if ((in.guard != NULL) != t->guard_in_policy)
		fail_msg("%s: guard in policy %d", t->name, in.guard != NULL);
	if (in.n_link_addrs != t->link_addrs)
		fail_msg("%s: %zu link addresses in policy", t->name, in.n_link_addrs);
	reason = fx_machine_reason(&m);
	if (!t->reason != !reason || (reason && strncmp(reason, t->reason, strlen(t->reason)) != 0))
		fail_msg("%s: reason '%s'", t->name, reason ? reason : "(none)");
	if (fx_machine_apply_due(&m, false) != t->apply_due)
		fail_msg("%s: apply due %d", t->name, !t->apply_due);
}

static void every_transition(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++)
		run(&transitions[i]);
}

/* A change is reported once: subscribers hear of each state exactly once,
 * and since moves only with the state. */
static void a_change_is_reported_once(void **state)
{
	struct fx_machine m;
	struct fx_guard g;
	struct fx_link l;

	(void)state;
	fx_machine_init(&m, 10);
	guard_of(&g, "wg0");
	fx_machine_guard(&m, &g, false);
	link_of(&l, &m, true);
	fx_machine_link(&m, &l);
	assert_true(fx_machine_apply_due(&m, false));
	assert_true(fx_machine_applied(&m, fx_machine_wanted(&m), 20));
	assert_int_equal(m.since, 20);
	assert_false(fx_machine_apply_due(&m, false));
	assert_true(fx_machine_apply_due(&m, true)); /* forced: tampering, new rules */
	assert_false(fx_machine_applied(&m, fx_machine_wanted(&m), 30));
	assert_int_equal(m.since, 20);
	assert_true(fx_machine_apply_failed(&m, "refused", 40));
	assert_false(fx_machine_apply_failed(&m, "refused again", 50));
	assert_int_equal(m.since, 40);
	assert_string_equal(fx_machine_reason(&m), "refused again");
}

/* A block's reason wins over the others: it is what the user must act on. */
static void the_first_reason_is_the_sticky_one(void **state)
{
	struct fx_machine m;
	struct fx_settings s;

	(void)state;
	fx_machine_init(&m, 0);
	s = m.settings;
	fx_machine_apply_failed(&m, "refused", 1);
	fx_machine_settings(&m, &s, "unreadable settings");
	assert_string_equal(fx_machine_reason(&m), "unreadable settings");
	fx_machine_block(&m, "unreadable state");
	assert_string_equal(fx_machine_reason(&m), "unreadable state");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_transition),
		cmocka_unit_test(a_change_is_reported_once),
		cmocka_unit_test(the_first_reason_is_the_sticky_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
