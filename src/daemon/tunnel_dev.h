/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Making and removing one WireGuard device of a connect (tunnel_dev.c):
 * the current attempt's and the hot standby's. Each step is written to the
 * connect state before it is taken, so that a restarted fexynd or an
 * offline reset removes exactly what was made.
 */
#include "context.h"

/* The name must be free: fexynd configures and deletes only links it made,
 * never one that was there (a veth, another program's tunnel). */
int fx_dev_claim_name(const char *ifname, struct fx_err *err);
/* Creates t->ifname (kernel WireGuard or wireguard-go, as the connect
 * asked), recording it in t, and gives it cfg's keys and peers with fwmark. */
int fx_dev_make(struct fx_daemon *d, struct fx_tunnel_made *t, const struct fx_wg_config *cfg,
		uint32_t fwmark, struct fx_err *err);
int fx_dev_status(const struct fx_tunnel_made *t, struct fx_wg_status *st);
/* fx_tunnel_made_remove, and what went wrong said in the log. */
void fx_dev_remove(struct fx_tunnel_made *t);
/* Writes the connect state. */
int fx_conn_save(struct fx_daemon *d);
/* Gives the config's peers a 25 s persistent keepalive where they have none:
 * its first packet starts the handshake. */
void fx_conn_keepalive(struct fx_wg_config *cfg);
