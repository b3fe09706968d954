/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "tunnel_dev.h"
#include "wg_kernel.h"
#include "wg_uapi.h"

#define STARTER_KEEPALIVE_S 25

static enum fx_backend pick_backend(enum fx_backend wanted)
{
	if (wanted != FX_BACKEND_AUTO)
		return wanted;
	return fx_wg_kernel_available() ? FX_BACKEND_KERNEL : FX_BACKEND_USERSPACE;
}

int fx_dev_claim_name(const char *ifname, struct fx_err *err)
{
	struct fx_link l;
	int r = fx_rtnl_get_link(ifname, &l);

	if (r < 0)
		return fx_err_set(err, "cannot look up interface %s: %s", ifname, strerror(-r)), r;
	if (l.present)
		return fx_err_set(err, "interface %s already exists (%s) and fexyn did not make it: "
				       "choose another name with --interface", ifname,
				  l.kind[0] ? l.kind : "of no kind given"), -EEXIST;
	return 0;
}

/* Records the link just made, by index and kind: the one fexynd may touch. */
static int adopt_link(struct fx_daemon *d, struct fx_tunnel_made *t, const char *kind,
		      struct fx_err *err)
{
	struct fx_link l;
	int r = fx_rtnl_get_link(t->ifname, &l);

	if (r == 0 && (!l.present || strcmp(l.kind, kind) != 0))
		r = -ENODEV;
	if (r < 0)
		return fx_err_set(err, "%s did not appear as a %s link: %s", t->ifname, kind,
				  strerror(-r)), r;
	t->link_index = l.ifindex;
	snprintf(t->link_kind, sizeof(t->link_kind), "%s", kind);
	t->making = false;
	fx_conn_save(d); /* a restarted daemon must find and remove exactly this link */
	return 0;
}

int fx_dev_make(struct fx_daemon *d, struct fx_tunnel_made *t, const struct fx_wg_config *cfg,
		uint32_t fwmark, struct fx_err *err)
{
	const char *ifname = t->ifname;
	int r = fx_dev_claim_name(ifname, err);

	if (r < 0)
		return r;
	/* Written down first: a link or a process made before its index or
	 * pid is recorded is then still found and removed by its name. */
	t->making = true;
	if ((r = fx_conn_save(d)) < 0)
		return fx_err_set(err, "cannot record %s before making it", ifname), r;
	if (pick_backend(d->conn.saved.backend) == FX_BACKEND_KERNEL) {
		r = fx_wg_kernel_create(ifname, err);
		if (r == 0)
			r = adopt_link(d, t, "wireguard", err);
		return r < 0 ? r : fx_wg_kernel_configure(ifname, cfg, fwmark, err);
	}
	r = fx_wg_uapi_start(d->cfg.wireguard_go, ifname, &t->wg_pid, err);
	if (r == 0) {
		fx_conn_save(d); /* a restarted daemon must find and end this process */
		r = adopt_link(d, t, "tun", err);
	}
	if (r == 0)
		r = fx_wg_uapi_configure(ifname, t->wg_pid, cfg, fwmark, err);
	return r;
}

int fx_dev_status(const struct fx_tunnel_made *t, struct fx_wg_status *st)
{
	memset(st, 0, sizeof(*st));
	if (t->wg_pid)
		return fx_wg_uapi_status(t->ifname, t->wg_pid, st);
	return fx_wg_kernel_status(t->ifname, st);
}

void fx_dev_remove(struct fx_tunnel_made *t)
{
	int r = fx_tunnel_made_remove(t);

	if (r == -EPERM)
		log_warn("%s is no longer the link fexynd made: left alone", t->ifname);
	else if (r < 0)
		log_warn("cannot delete %s: %s", t->ifname, strerror(-r));
}

int fx_conn_save(struct fx_daemon *d)
{
	int r = fx_conn_state_save(d->cfg.state_dir, &d->conn.saved);

	if (r < 0)
		log_err("cannot save the connect state in %s: %s", d->cfg.state_dir, strerror(-r));
	return r;
}

/*
 * Without an address to probe, nothing would enter the tunnel to start the
 * handshake (the firewall lets only probes in before it), so the peers get
 * a persistent keepalive, whose first packet starts it.
 */
void fx_conn_keepalive(struct fx_wg_config *cfg)
{
	for (size_t p = 0; p < cfg->n_peers; p++)
		if (!cfg->peers[p].persistent_keepalive)
			cfg->peers[p].persistent_keepalive = STARTER_KEEPALIVE_S;
}
