/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "machine.h"

#include <stdio.h>
#include <string.h>

void fx_machine_init(struct fx_machine *m, time_t now)
{
	memset(m, 0, sizeof(*m));
	fx_settings_default(&m->settings);
	m->state = FX_STATE_DISCONNECTED;
	m->since = now;
}

static void set_text(char dst[FX_MACHINE_REASON_MAX], const char *text)
{
	snprintf(dst, FX_MACHINE_REASON_MAX, "%s", text ? text : "");
}

void fx_machine_settings(struct fx_machine *m, const struct fx_settings *s, const char *error)
{
	m->settings = *s;
	set_text(m->settings_error, error);
}

void fx_machine_block(struct fx_machine *m, const char *reason)
{
	set_text(m->block_reason, reason);
}

void fx_machine_guard(struct fx_machine *m, const struct fx_guard *g, bool own_tunnel)
{
	/* Another tunnel has not been connected yet; the same one, re-guarded,
	 * has (its state stays reconnecting, not connecting). */
	if (!m->guarding || strcmp(m->guard.tunnel, g->tunnel) != 0)
		m->ever_connected = false;
	m->guard = *g;
	m->guarding = true;
	m->own_tunnel = own_tunnel;
	m->handshake = false;
	m->block_reason[0] = '\0';
}

void fx_machine_unguard(struct fx_machine *m)
{
	m->guarding = false;
	memset(&m->guard, 0, sizeof(m->guard));
	memset(&m->link, 0, sizeof(m->link));
	m->own_tunnel = false;
	m->handshake = false;
	m->ever_connected = false;
	m->block_reason[0] = '\0';
}

void fx_machine_link(struct fx_machine *m, const struct fx_link *link)
{
	/* Unknown means down: the firewall stays closed. */
	if (link && m->guarding)
		m->link = *link;
	else
		memset(&m->link, 0, sizeof(m->link));
}

void fx_machine_handshake(struct fx_machine *m, bool done)
{
	m->handshake = done;
}

static bool enter(struct fx_machine *m, enum fx_state state, time_t now)
{
	if (state == FX_STATE_CONNECTED)
		m->ever_connected = true;
	if (state == m->state)
		return false;
	m->state = state;
	m->since = now;
	return true;
}

bool fx_machine_applied(struct fx_machine *m, enum fx_state state, time_t now)
{
	m->apply_error[0] = '\0';
	return enter(m, state, now);
}

bool fx_machine_apply_failed(struct fx_machine *m, const char *why, time_t now)
{
	set_text(m->apply_error, why);
	return enter(m, FX_STATE_BLOCKED, now);
}

enum fx_state fx_machine_wanted(const struct fx_machine *m)
{
	if (m->block_reason[0] || m->settings_error[0])
		return FX_STATE_BLOCKED;
	if (!m->guarding)
		return FX_STATE_DISCONNECTED;
	/* A tunnel of our own counts once its handshake is done, not when its
	 * link comes up: until then nothing could pass through it anyway. */
	if (m->link.up && (!m->own_tunnel || m->handshake))
		return FX_STATE_CONNECTED;
	return m->ever_connected ? FX_STATE_RECONNECTING : FX_STATE_CONNECTING;
}

bool fx_machine_apply_due(const struct fx_machine *m, bool force)
{
	return force || m->apply_error[0] || fx_machine_wanted(m) != m->state;
}

void fx_machine_policy_input(const struct fx_machine *m, enum fx_state state,
			     struct fx_policy_input *in)
{
	*in = (struct fx_policy_input){
		.state = state,
		.settings = m->settings,
		.guard = m->guarding ? &m->guard : NULL,
		.link_addrs = m->link.addrs,
		.n_link_addrs = m->guarding ? m->link.n_addrs : 0,
	};
}

const char *fx_machine_reason(const struct fx_machine *m)
{
	if (m->block_reason[0])
		return m->block_reason;
	if (m->settings_error[0])
		return m->settings_error;
	return m->apply_error[0] ? m->apply_error : NULL;
}
