/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * fexynd's state machine as a value: everything that decides the state, and
 * the events that are the only way to change it. fx_machine_wanted() says
 * which state follows; the daemon compiles and applies its policy, then
 * reports the outcome with fx_machine_applied() or fx_machine_apply_failed().
 * No I/O: the unit tests drive it with event sequences.
 */
#include <stdbool.h>
#include <time.h>

#include "guard.h"
#include "policy.h"
#include "rtnl.h"
#include "settings.h"

#define FX_MACHINE_REASON_MAX 640

struct fx_machine {
	struct fx_settings settings;
	bool guarding;
	struct fx_guard guard;
	struct fx_link link;     /* the guarded link as last read; zero when unknown */
	bool own_tunnel;         /* fexyn connect's tunnel: connected needs a handshake */
	bool handshake;          /* the current attempt has completed one */
	bool ever_connected;     /* since this tunnel was guarded: reconnecting, not connecting */
	char block_reason[FX_MACHINE_REASON_MAX];   /* sticky until a new guard, disconnect, reset */
	char settings_error[FX_MACHINE_REASON_MAX]; /* damaged settings: until rewritten */
	char apply_error[FX_MACHINE_REASON_MAX];    /* the last failed transaction: retried */
	enum fx_state state;     /* the state whose policy is in force */
	time_t since;
};

void fx_machine_init(struct fx_machine *m, time_t now);

/* ---- events ---- */

/* The settings, as read or as changed; error non-empty: the file is damaged. */
void fx_machine_settings(struct fx_machine *m, const struct fx_settings *s, const char *error);
/* Something only `fexyn disconnect` or `fexyn reset` may clear. */
void fx_machine_block(struct fx_machine *m, const char *reason);
/* A guard starts or is replaced (fexyn guard, connect, a restart's resume). */
void fx_machine_guard(struct fx_machine *m, const struct fx_guard *g, bool own_tunnel);
/* Nothing is guarded any more (disconnect, reset): every block is lifted. */
void fx_machine_unguard(struct fx_machine *m);
/* The guarded link as read now; NULL: it could not be read (down). */
void fx_machine_link(struct fx_machine *m, const struct fx_link *link);
/* The own tunnel's attempt completed a handshake (true) or began anew (false). */
void fx_machine_handshake(struct fx_machine *m, bool done);
/* The policy for state is in force. Returns whether the state changed. */
bool fx_machine_applied(struct fx_machine *m, enum fx_state state, time_t now);
/* The wanted policy could not be installed: blocked, and why. Returns whether
 * the state changed. */
bool fx_machine_apply_failed(struct fx_machine *m, const char *why, time_t now);

/* ---- what follows ---- */

enum fx_state fx_machine_wanted(const struct fx_machine *m);
/* Whether a transaction is due: another state, a retry, or forced. */
bool fx_machine_apply_due(const struct fx_machine *m, bool force);
/* What the policy compiler is given for state. */
void fx_machine_policy_input(const struct fx_machine *m, enum fx_state state,
			     struct fx_policy_input *in);
/* Why the machine blocks, or NULL. */
const char *fx_machine_reason(const struct fx_machine *m);
