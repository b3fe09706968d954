/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * What the user asked fexyn to guard: a tunnel interface, the endpoints its
 * packets go to, the fwmark its socket carries and the resolvers behind it.
 * The same key=value words describe it on the control socket and in the
 * persisted state file, so one parser serves both.
 */
#include "addr.h"

#define FX_MAX_ENDPOINTS 16
#define FX_MAX_RESOLVERS 8
#define FX_MAX_TUNNEL_ADDRS 8
#define FX_MAX_TUNNEL_ROUTES 64

struct fx_guard {
	char tunnel[IFNAMSIZ];
	struct fx_endpoint endpoints[FX_MAX_ENDPOINTS];
	size_t n_endpoints;
	uint32_t fwmark; /* 0: the carve-out does not check the mark */
	struct fx_addr resolvers[FX_MAX_RESOLVERS];
	size_t n_resolvers;
	/* The tunnel's own addresses, with their subnets: nothing may reach
	 * them but through the tunnel (CVE-2019-14899), and the subnets are
	 * never LAN. */
	struct fx_prefix addresses[FX_MAX_TUNNEL_ADDRS];
	size_t n_addresses;
	/* Private prefixes the tunnel carries (AllowedIPs other than the
	 * default route): while it is down they must not leak to the LAN. */
	struct fx_prefix routes[FX_MAX_TUNNEL_ROUTES];
	size_t n_routes;
};

/* Applies one key=value word (tunnel, endpoint, fwmark, dns, address,
 * route). Unknown keys return -ENOENT with a message. */
int fx_guard_set(struct fx_guard *g, const char *key, const char *value, struct fx_err *err);

/* Whole-config check once every word is in: a tunnel and an endpoint at least. */
int fx_guard_check(const struct fx_guard *g, struct fx_err *err);

/* Writes the guard as words joined by sep (' ' on the wire, '\n' on disk). */
int fx_guard_format(const struct fx_guard *g, char sep, char *buf, size_t len);
