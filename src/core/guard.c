/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "guard.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int set_tunnel(struct fx_guard *g, const char *value, struct fx_err *err)
{
	int r = fx_ifname_check(value, err);

	if (r < 0)
		return r;
	if (g->tunnel[0])
		return fx_err_set(err, "tunnel given twice");
	snprintf(g->tunnel, sizeof(g->tunnel), "%s", value);
	return 0;
}

static int add_endpoint(struct fx_guard *g, const char *value, struct fx_err *err)
{
	struct fx_endpoint e;
	int r = fx_endpoint_parse(value, &e, err);

	if (r < 0)
		return r;
	if (g->n_endpoints == FX_MAX_ENDPOINTS)
		return fx_err_set(err, "more than %d endpoints", FX_MAX_ENDPOINTS);
	for (size_t i = 0; i < g->n_endpoints; i++) {
		const struct fx_endpoint *o = &g->endpoints[i];

		if (fx_addr_equal(&o->addr, &e.addr) && o->port == e.port && o->proto == e.proto)
			return fx_err_set(err, "endpoint '%s' given twice", value);
	}
	g->endpoints[g->n_endpoints++] = e;
	return 0;
}

static int add_resolver(struct fx_guard *g, const char *value, struct fx_err *err)
{
	struct fx_addr a;
	int r = fx_addr_parse(value, &a, err);

	if (r < 0)
		return r;
	if (g->n_resolvers == FX_MAX_RESOLVERS)
		return fx_err_set(err, "more than %d DNS servers", FX_MAX_RESOLVERS);
	for (size_t i = 0; i < g->n_resolvers; i++)
		if (fx_addr_equal(&g->resolvers[i], &a))
			return fx_err_set(err, "DNS server '%s' given twice", value);
	g->resolvers[g->n_resolvers++] = a;
	return 0;
}

/* One of the tunnel's addresses or routes: a prefix, once, within max. */
static int add_prefix(struct fx_prefix *v, size_t *n, size_t max, const char *value,
		      struct fx_err *err)
{
	struct fx_prefix p;
	int r = fx_prefix_parse(value, &p, err);

	if (r < 0)
		return r;
	if (*n == max)
		return fx_err_set(err, "more than %zu", max);
	for (size_t i = 0; i < *n; i++)
		if (fx_prefix_equal(&v[i], &p))
			return fx_err_set(err, "'%s' given twice", value);
	v[(*n)++] = p;
	return 0;
}

static int set_fwmark(struct fx_guard *g, const char *value, struct fx_err *err)
{
	if (g->fwmark)
		return fx_err_set(err, "fwmark given twice");
	return fx_fwmark_parse(value, &g->fwmark, err);
}

int fx_guard_set(struct fx_guard *g, const char *key, const char *value, struct fx_err *err)
{
	int r;

	if (strcmp(key, "tunnel") == 0)
		r = set_tunnel(g, value, err);
	else if (strcmp(key, "endpoint") == 0)
		r = add_endpoint(g, value, err);
	else if (strcmp(key, "fwmark") == 0)
		r = set_fwmark(g, value, err);
	else if (strcmp(key, "dns") == 0)
		r = add_resolver(g, value, err);
	else if (strcmp(key, "address") == 0)
		r = add_prefix(g->addresses, &g->n_addresses, FX_MAX_TUNNEL_ADDRS, value, err);
	else if (strcmp(key, "route") == 0)
		r = add_prefix(g->routes, &g->n_routes, FX_MAX_TUNNEL_ROUTES, value, err);
	else {
		fx_err_set(err, "unknown key '%.64s'", key);
		return -ENOENT;
	}
	if (r < 0)
		return fx_err_prefix(err, r, "%s: ", key);
	return 0;
}

int fx_guard_check(const struct fx_guard *g, struct fx_err *err)
{
	if (!g->tunnel[0])
		return fx_err_set(err, "tunnel: missing (name the tunnel interface)");
	if (g->n_endpoints == 0)
		return fx_err_set(err, "endpoint: missing (give at least one ADDRESS:PORT)");
	return 0;
}

/* Appends to buf at *off; returns -ENOSPC rather than truncating silently. */
static int append(char *buf, size_t len, size_t *off, char sep, const char *key, const char *value)
{
	int n = snprintf(buf + *off, len - *off, "%s%s=%s", *off ? (char[]){sep, 0} : "", key, value);

	if (n < 0 || (size_t)n >= len - *off)
		return -ENOSPC;
	*off += (size_t)n;
	return 0;
}

static int append_prefixes(char *buf, size_t len, size_t *off, char sep, const char *key,
			   const struct fx_prefix *v, size_t n)
{
	char addr[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN + 5];
	int r = 0;

	for (size_t i = 0; r >= 0 && i < n; i++) {
		fx_addr_format(&v[i].addr, addr, sizeof(addr));
		snprintf(text, sizeof(text), "%s/%u", addr, v[i].len);
		r = append(buf, len, off, sep, key, text);
	}
	return r;
}

int fx_guard_format(const struct fx_guard *g, char sep, char *buf, size_t len)
{
	char text[FX_ENDPOINT_STRLEN];
	size_t off = 0;
	int r;

	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	r = append(buf, len, &off, sep, "tunnel", g->tunnel);
	for (size_t i = 0; r >= 0 && i < g->n_endpoints; i++) {
		fx_endpoint_format(&g->endpoints[i], text, sizeof(text));
		r = append(buf, len, &off, sep, "endpoint", text);
	}
	if (r >= 0 && g->fwmark) {
		snprintf(text, sizeof(text), "%u", g->fwmark);
		r = append(buf, len, &off, sep, "fwmark", text);
	}
	for (size_t i = 0; r >= 0 && i < g->n_resolvers; i++) {
		fx_addr_format(&g->resolvers[i], text, sizeof(text));
		r = append(buf, len, &off, sep, "dns", text);
	}
	if (r >= 0)
		r = append_prefixes(buf, len, &off, sep, "address", g->addresses, g->n_addresses);
	if (r >= 0)
		r = append_prefixes(buf, len, &off, sep, "route", g->routes, g->n_routes);
	return r;
}
