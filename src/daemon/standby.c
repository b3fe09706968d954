/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hot standby's life: made firewall first (its endpoint carved out
 * before its device exists), watched on the connect's timer, replaced
 * quietly when it fails. tunnel.c switches to it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "conn_guard.h"
#include "link.h"
#include "liveness.h"
#include "log.h"
#include "route.h"
#include "standby.h"
#include "tunnel_dev.h"

#define STANDBY_HANDSHAKE_MS 5000
#define STANDBY_RETRY_MS 5000
#define STANDBY_CHECK_MS 1000
#define SWITCH_BACK_AFTER_MS 5000
/* WireGuard renews a session that sends (the keepalives do) after 120 s,
 * retrying every 5 s; one unrenewed by then has a server that is gone. */
#define STANDBY_STALE_S 150
#define DEFAULT_MTU 1420

void fx_standby_name(const struct fx_conn_saved *s, char out[IFNAMSIZ])
{
	if (strcmp(s->tun.ifname, s->ifname) == 0)
		fx_conn_twin_name(s->ifname, out);
	else
		snprintf(out, IFNAMSIZ, "%s", s->ifname);
}

bool fx_standby_ready(const struct fx_daemon *d)
{
	return d->conn.saved.has_standby && d->conn.standby_ready;
}

void fx_standby_remove(struct fx_daemon *d, bool reguard)
{
	struct fx_conn *c = &d->conn;

	if (!c->saved.has_standby)
		return;
	fx_dev_remove(&c->saved.standby);
	memset(&c->saved.standby, 0, sizeof(c->saved.standby));
	c->saved.has_standby = false;
	c->standby_ready = false;
	fx_conn_save(d);
	if (reguard && fx_conn_guard_apply(d) < 0)
		log_err("cannot take the standby's endpoint out of the firewall: %s", d->m.apply_error);
}

/* A server found dead is nobody's standby for a minute: the next switch
 * would go to it, and a dead standby is found only when its session goes
 * stale. */
static bool may_stand_by(const struct fx_conn *c, size_t k, uint64_t now)
{
	if (k == c->saved.current)
		return false;
	return !(c->dead_ms && k == c->dead_config && now - c->dead_ms < FX_LIVE_DAMP_MS);
}

/* The config after the current one, round robin, that may stand by; with
 * --switch-back the first config whenever it may. */
static int pick_config(const struct fx_conn *c, uint64_t now, size_t *out)
{
	size_t n = c->saved.n_configs;

	if (c->saved.switch_back && may_stand_by(c, 0, now)) {
		*out = 0;
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		size_t k = (c->saved.current + i) % n;

		if (may_stand_by(c, k, now)) {
			*out = k;
			return 0;
		}
	}
	return -ENOENT;
}

/* Same fwmark as the current tunnel, or its packets would miss the
 * carve-out and the routing rule; its endpoints must fit beside them. */
static int check_fits(const struct fx_daemon *d, size_t k, struct fx_err *err)
{
	const struct fx_conn *c = &d->conn;
	const struct fx_wg_config *cur = &c->cfgs[c->saved.current], *cfg = &c->cfgs[k];
	size_t n = d->m.guard.n_endpoints;

	if (fx_route_fwmark(cfg) != fx_route_fwmark(cur))
		return fx_err_set(err, "its FwMark is not the current config's"), -EINVAL;
	for (size_t p = 0; p < cfg->n_peers; p++)
		n += cfg->peers[p].has_endpoint;
	if (n > FX_MAX_ENDPOINTS)
		return fx_err_set(err, "more than %d endpoints with the current config's",
				  FX_MAX_ENDPOINTS), -E2BIG;
	return 0;
}

/* Up, with its MTU, but no address: nothing is routed into it, and an
 * address would bring the subnet's route with it. */
static int make(struct fx_daemon *d, size_t k, struct fx_err *err)
{
	struct fx_conn *c = &d->conn;
	struct fx_wg_config *cfg = &c->cfgs[k];
	int r;

	c->saved.has_standby = true;
	c->saved.standby_config = k;
	memset(&c->saved.standby, 0, sizeof(c->saved.standby));
	fx_standby_name(&c->saved, c->saved.standby.ifname);
	/* The keepalive starts its handshake and keeps its session renewed. */
	fx_conn_keepalive(cfg);
	if (fx_conn_guard_apply(d) < 0)
		return fx_err_set(err, "cannot carve out its endpoint: %s", d->m.apply_error), -EIO;
	r = fx_dev_make(d, &c->saved.standby, cfg, fx_route_fwmark(cfg), err);
	if (r == 0)
		r = fx_link_setup(c->saved.standby.ifname, cfg->mtu ? cfg->mtu : DEFAULT_MTU, err);
	return r;
}

static void start(struct fx_daemon *d, uint64_t now)
{
	struct fx_conn *c = &d->conn;
	struct fx_err err = { 0 };
	size_t k;

	c->standby_retry_ms = now + STANDBY_RETRY_MS;
	if (pick_config(c, now, &k) < 0)
		return;
	if (check_fits(d, k, &err) < 0) {
		log_warn("no standby with %s: %s", c->saved.paths[k], err.msg);
		c->standby_retry_ms = UINT64_MAX; /* until the next connect */
		return;
	}
	if (make(d, k, &err) < 0) {
		log_warn("cannot make the standby %s for %s: %s", c->saved.standby.ifname, c->saved.paths[k],
			 err.msg);
		fx_standby_remove(d, true);
		return;
	}
	c->standby_made_ms = c->standby_check_ms = now;
	log_info("standby %s for %s, handshaking", c->saved.standby.ifname, c->saved.paths[k]);
}

/* Replaced at once; a server that failed it stands by for nobody for a
 * minute. */
static void replace(struct fx_daemon *d, uint64_t now, bool server_failed)
{
	struct fx_conn *c = &d->conn;

	if (server_failed) {
		c->dead_config = c->saved.standby_config;
		c->dead_ms = now;
	}
	fx_standby_remove(d, true);
	c->standby_retry_ms = now;
	d->notify = true;
}

/* Ready once handshaken; replaced when it was not within 5 s, when its
 * session went stale, or when its device is gone. */
static void watch(struct fx_daemon *d, uint64_t now)
{
	struct fx_conn *c = &d->conn;
	const char *ifname = c->saved.standby.ifname, *path = c->saved.paths[c->saved.standby_config];
	struct fx_wg_status st;
	int64_t age;

	if (now - c->standby_check_ms < (c->standby_ready ? STANDBY_CHECK_MS : 100))
		return;
	c->standby_check_ms = now;
	if (fx_dev_status(&c->saved.standby, &st) < 0) {
		log_warn("standby %s (%s) is gone; replacing it", ifname, path);
		replace(d, now, false);
		return;
	}
	age = st.handshake ? (int64_t)time(NULL) - st.last_handshake : -1;
	if (!c->standby_ready && st.handshake) {
		c->standby_ready = true;
		c->standby_ready_ms = now;
		d->notify = true;
		log_info("standby %s ready: handshake with %s's server after %llu ms", ifname, path,
			 (unsigned long long)(now - c->standby_made_ms));
	} else if (!c->standby_ready && now - c->standby_made_ms >= STANDBY_HANDSHAKE_MS) {
		log_warn("standby %s (%s): no handshake within %d s; replacing it", ifname, path,
			 STANDBY_HANDSHAKE_MS / 1000);
		replace(d, now, true);
	} else if (c->standby_ready && (age < 0 || age > STANDBY_STALE_S)) {
		log_warn("standby %s (%s): its session is %lld s old, its server is gone; replacing it",
			 ifname, path, (long long)age);
		replace(d, now, true);
	}
}

/* --switch-back: the first config stands by, ready for a while, and no
 * server failed in the last minute (so fexyn switches back and forth at
 * most once a minute). */
static bool back_due(const struct fx_conn *c, uint64_t now)
{
	return c->saved.switch_back && c->saved.current != 0 && c->saved.has_standby &&
	       c->saved.standby_config == 0 && c->standby_ready &&
	       now - c->standby_ready_ms >= SWITCH_BACK_AFTER_MS &&
	       (!c->dead_ms || now - c->dead_ms >= FX_LIVE_DAMP_MS);
}

bool fx_standby_tick(struct fx_daemon *d, uint64_t now)
{
	struct fx_conn *c = &d->conn;

	if (c->saved.has_standby)
		watch(d, now);
	else if (c->saved.n_configs > 1 && !c->saved.no_standby && now >= c->standby_retry_ms)
		start(d, now);
	return back_due(c, now);
}

void fx_standby_on_child_exit(struct fx_daemon *d, pid_t pid)
{
	struct fx_conn *c = &d->conn;

	c->saved.standby.wg_pid = 0; /* reaped: not to be signalled again */
	log_warn("the standby's wireguard-go (pid %d) exited; replacing it", (int)pid);
	replace(d, fx_now_ms(), false);
}
