/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The tunnel's addresses, link settings, routes and policy-routing rules,
 * changed over rtnetlink, one acknowledged message each. The plan of what
 * to install is a pure function of the config (unit-tested); applying and
 * undoing it are the only I/O, so disconnect removes exactly what connect
 * added.
 *
 * The routing is wg-quick's: the tunnel's socket carries a fwmark; every
 * packet without it is looked up in a table whose default route is the
 * tunnel ("not fwmark M table T"), and "table main suppress_prefixlength 0"
 * keeps the LAN's more specific routes usable. Without an IPv6 address on
 * the tunnel, IPv6 is sent to a blackhole route so programs fail at once.
 */
#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "err.h"
#include "wgconf.h"

/* wg-quick's fwmark and table when the config names none */
#define FX_DEFAULT_FWMARK 51820
#define FX_RULE_PRIO_SUPPRESS 32764
#define FX_RULE_PRIO_FWMARK 32765
#define FX_MAX_PLAN_ROUTES (FX_WG_MAX_PEERS * FX_WG_MAX_ALLOWED + 2)

struct fx_rule_spec {
	int family;
	uint32_t priority;
	uint32_t table;
	bool not_fwmark;          /* "not fwmark fwmark" */
	uint32_t fwmark;
	bool suppress_prefixlen0; /* "suppress_prefixlength 0" */
};

struct fx_route_spec {
	struct fx_prefix dst;
	uint32_t table;
	bool blackhole;           /* else: dev tunnel */
};

struct fx_route_plan {
	struct fx_rule_spec rules[4];
	size_t n_rules;
	struct fx_route_spec routes[FX_MAX_PLAN_ROUTES];
	size_t n_routes;
	bool src_valid_mark;      /* net.ipv4.conf.all.src_valid_mark=1, as wg-quick */
};

/* The fwmark a config's tunnel uses: its FwMark, else wg-quick's 51820. */
uint32_t fx_route_fwmark(const struct fx_wg_config *cfg);

/* The default routes go to the table numbered as fwmark, as wg-quick's. */
int fx_route_plan_build(const struct fx_wg_config *cfg, uint32_t fwmark, struct fx_route_plan *plan);

/* Installs the plan's rules and routes (ifname: the tunnel). */
int fx_route_plan_apply(const struct fx_route_plan *plan, const char *ifname, struct fx_err *err);
/* Removes them again; what is already gone is no error. Returns the first failure. */
int fx_route_plan_undo(const struct fx_route_plan *plan);

/* Reads and writes net.ipv4.conf.all.src_valid_mark in this namespace. */
int fx_src_valid_mark_get(bool *on);
int fx_src_valid_mark_set(bool on);
