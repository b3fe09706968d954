/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "conn_guard.h"
#include "daemon_apply.h"
#include "log.h"
#include "route.h"
#include "state.h"

static void add_endpoints(const struct fx_wg_config *cfg, struct fx_guard *g)
{
	for (size_t p = 0; p < cfg->n_peers && g->n_endpoints < FX_MAX_ENDPOINTS; p++)
		if (cfg->peers[p].has_endpoint)
			g->endpoints[g->n_endpoints++] = cfg->peers[p].endpoint;
}

void fx_conn_guard_of(const char *ifname, const struct fx_wg_config *cfg, struct fx_guard *g)
{
	memset(g, 0, sizeof(*g));
	snprintf(g->tunnel, sizeof(g->tunnel), "%s", ifname);
	add_endpoints(cfg, g);
	g->fwmark = fx_route_fwmark(cfg);
	for (size_t i = 0; i < cfg->n_dns && i < FX_MAX_RESOLVERS; i++)
		g->resolvers[g->n_resolvers++] = cfg->dns[i];
	for (size_t i = 0; i < cfg->n_addresses && i < FX_MAX_TUNNEL_ADDRS; i++)
		g->addresses[g->n_addresses++] = cfg->addresses[i];
	for (size_t p = 0; p < cfg->n_peers; p++)
		for (size_t i = 0; i < cfg->peers[p].n_allowed_ips; i++)
			if (fx_policy_route_cuts_lan(&cfg->peers[p].allowed_ips[i]) &&
			    g->n_routes < FX_MAX_TUNNEL_ROUTES)
				g->routes[g->n_routes++] = cfg->peers[p].allowed_ips[i];
}

int fx_conn_guard_set(struct fx_daemon *d, const struct fx_guard *g, bool handshake)
{
	if (fx_state_save(d->cfg.state_dir, g) < 0)
		log_err("cannot persist the guard; a restarted fexynd may block instead");
	fx_machine_guard(&d->m, g, true);
	fx_machine_handshake(&d->m, handshake);
	fx_daemon_refresh_link(d);
	return fx_daemon_enforce(d, true);
}

int fx_conn_guard_apply(struct fx_daemon *d)
{
	struct fx_conn *c = &d->conn;
	struct fx_guard g;

	fx_conn_guard_of(c->saved.tun.ifname, &c->cfgs[c->saved.current], &g);
	/* The standby's handshakes and keepalives leave with the same fwmark. */
	if (c->saved.has_standby)
		add_endpoints(&c->cfgs[c->saved.standby_config], &g);
	return fx_conn_guard_set(d, &g, d->m.handshake);
}
