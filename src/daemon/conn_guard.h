/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The guard a connect's tunnels need (conn_guard.c): the current config's
 * endpoints, fwmark, resolvers, addresses and private routes, and the hot
 * standby's endpoints beside them, in the carve-out.
 */
#include <stdbool.h>

#include "context.h"

/* The guard the firewall enforces for a config. */
void fx_conn_guard_of(const char *ifname, const struct fx_wg_config *cfg, struct fx_guard *g);
/* Writes g down, then makes it the machine's, with handshake as given, and
 * installs the firewall for it (one transaction). */
int fx_conn_guard_set(struct fx_daemon *d, const struct fx_guard *g, bool handshake);
/* The guard for the current tunnel and the standby, set keeping the
 * handshake the machine has: a new standby changes nothing for the
 * current tunnel. */
int fx_conn_guard_apply(struct fx_daemon *d);
