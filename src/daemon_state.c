/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's state machine: from its inputs to the state and the firewall. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

static enum fx_state wanted_state(const struct fx_daemon *d)
{
	if (d->block_reason[0] || d->settings_error[0])
		return FX_STATE_BLOCKED;
	if (!d->guarding)
		return FX_STATE_DISCONNECTED;
	/* A tunnel of our own counts once its handshake is done, not when its
	 * link comes up: until then nothing could pass through it anyway. */
	if (d->link.up && (!d->conn.active || d->conn.handshake))
		return FX_STATE_CONNECTED;
	return d->ever_connected ? FX_STATE_RECONNECTING : FX_STATE_CONNECTING;
}

void fx_daemon_policy_input(const struct fx_daemon *d, enum fx_state state,
			    struct fx_policy_input *in)
{
	*in = (struct fx_policy_input){
		.state = state,
		.settings = d->settings,
		.guard = d->guarding ? &d->guard : NULL,
		.link_addrs = d->link.addrs,
		.n_link_addrs = d->guarding ? d->link.n_addrs : 0,
	};
}

static int apply_state(struct fx_daemon *d, enum fx_state state, struct fx_err *err)
{
	struct fx_policy_input in;
	struct fx_ruleset rs;
	int r;

	fx_daemon_policy_input(d, state, &in);
	r = fx_policy_compile(&in, &rs);

	if (r < 0)
		return fx_err_set(err, "the policy does not fit: %s", strerror(-r)), r;
	return fx_nft_apply(d->nft, &rs, err);
}

static void set_state(struct fx_daemon *d, enum fx_state state)
{
	if (state == d->state)
		return;
	log_info("state: %s -> %s", fx_state_name(d->state), fx_state_name(state));
	d->state = state;
	d->since = time(NULL);
	if (state == FX_STATE_CONNECTED)
		d->ever_connected = true;
	fx_daemon_send_event(d, NULL);
}

/*
 * Fail closed: when the wanted policy cannot be installed, install the
 * blocked one; if even that fails, the table stays as it was, which is
 * never more open than blocked once a guard has been applied.
 */
static void fall_back_to_blocked(struct fx_daemon *d, const struct fx_err *why)
{
	struct fx_err err = { 0 };
	int r;

	snprintf(d->apply_error, sizeof(d->apply_error), "%s", why->msg);
	log_err("cannot install the %s policy: %s; blocking", fx_state_name(wanted_state(d)),
		why->msg);
	r = apply_state(d, FX_STATE_BLOCKED, &err);
	if (r < 0)
		log_err("cannot install the blocked policy either: %s; the firewall keeps its last rules",
			err.msg);
	set_state(d, FX_STATE_BLOCKED);
}

int fx_daemon_enforce(struct fx_daemon *d, bool force)
{
	enum fx_state want = wanted_state(d);
	struct fx_err err = { 0 };
	int r;

	if (want == d->state && !force && !d->apply_error[0])
		return 0;
	r = apply_state(d, want, &err);
	if (r < 0) {
		fall_back_to_blocked(d, &err);
		return r;
	}
	d->apply_error[0] = '\0';
	set_state(d, want);
	return 0;
}

int fx_daemon_refresh_link(struct fx_daemon *d)
{
	int r;

	if (!d->guarding) {
		memset(&d->link, 0, sizeof(d->link));
		return 0;
	}
	r = fx_rtnl_get_link(d->guard.tunnel, &d->link);
	if (r == 0 && d->link.present)
		r = fx_rtnl_get_addrs(&d->link);
	if (r < 0) {
		/* Unknown means down: the firewall stays closed. */
		memset(&d->link, 0, sizeof(d->link));
		return fx_log_errno(r, "cannot query link %s", d->guard.tunnel);
	}
	return 0;
}
