/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Makes the system match what the state machine wants: the firewall in one
 * transaction, and the outcome back to the machine. Subscribers are told by
 * the event loop afterwards (d->notify), never from here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "context.h"
#include "daemon_apply.h"
#include "log.h"

static int apply_state(struct fx_daemon *d, enum fx_state state, struct fx_err *err)
{
	struct fx_policy_input in;
	struct fx_ruleset rs;
	int r;

	fx_machine_policy_input(&d->m, state, &in);
	in.excluded = d->excl.ids;
	in.n_excluded = d->excl.n;
	r = fx_policy_compile(&in, &rs);

	if (r < 0)
		return fx_err_set(err, "the policy does not fit: %s", strerror(-r)), r;
	return fx_nft_apply(d->nft, &rs, err);
}

static void log_change(enum fx_state from, const struct fx_machine *m)
{
	log_info("state: %s -> %s", fx_state_name(from), fx_state_name(m->state));
}

/*
 * Fail closed: when the wanted policy cannot be installed, install the
 * blocked one; if even that fails, the table stays as it was, which is
 * never more open than blocked once a guard has been applied.
 */
static void fall_back_to_blocked(struct fx_daemon *d, enum fx_state want, const struct fx_err *why)
{
	enum fx_state from = d->m.state;
	struct fx_err err = { 0 };

	log_err("cannot install the %s policy: %s; blocking", fx_state_name(want), why->msg);
	if (apply_state(d, FX_STATE_BLOCKED, &err) < 0)
		log_err("cannot install the blocked policy either: %s; the firewall keeps its last rules",
			err.msg);
	if (fx_machine_apply_failed(&d->m, why->msg, time(NULL))) {
		log_change(from, &d->m);
		d->notify = true;
	}
}

int fx_daemon_enforce(struct fx_daemon *d, bool force)
{
	enum fx_state want = fx_machine_wanted(&d->m), from = d->m.state;
	struct fx_err err = { 0 };
	int r;

	if (!fx_machine_apply_due(&d->m, force))
		return 0;
	r = apply_state(d, want, &err);
	if (r < 0) {
		fall_back_to_blocked(d, want, &err);
		return r;
	}
	if (fx_machine_applied(&d->m, want, time(NULL))) {
		log_change(from, &d->m);
		d->notify = true;
	}
	return 0;
}

int fx_daemon_refresh_link(struct fx_daemon *d)
{
	struct fx_link link;
	int r;

	if (!d->m.guarding) {
		fx_machine_link(&d->m, NULL);
		return 0;
	}
	r = fx_rtnl_get_link(d->m.guard.tunnel, &link);
	if (r == 0 && link.present)
		r = fx_rtnl_get_addrs(&link);
	fx_machine_link(&d->m, r == 0 ? &link : NULL);
	if (r < 0)
		return fx_log_errno(r, "cannot query link %s", d->m.guard.tunnel);
	return 0;
}
