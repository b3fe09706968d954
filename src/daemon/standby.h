/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The hot standby (standby.c). With two configs or more, fexynd keeps the
 * next server's tunnel up and handshaken beside the current one: its own
 * WireGuard device with the same fwmark, its endpoint carved out in the
 * firewall, no address and no route, so no user traffic enters it. Its cost
 * while idle is a keepalive each 25 s, which also has WireGuard renew its
 * session. When the current server dies, tunnel.c switches to it with one
 * firewall transaction and one routing change.
 */
#include <stdbool.h>
#include <stdint.h>

#include "context.h"

/* On the connect's timer, once the current tunnel is up: makes a standby
 * when there is none and one is due, and watches the one there is (no
 * handshake within 5 s, a stale session or a dead wireguard-go: replaced).
 * True when fexyn connect --switch-back is due to switch back to the first
 * config, which stands by. */
bool fx_standby_tick(struct fx_daemon *d, uint64_t now);
/* A standby that can carry traffic now. */
bool fx_standby_ready(const struct fx_daemon *d);
/* Removes the standby's device and its record; with reguard, also its
 * carve-out (one transaction). */
void fx_standby_remove(struct fx_daemon *d, bool reguard);
/* Its wireguard-go exited: it is replaced. */
void fx_standby_on_child_exit(struct fx_daemon *d, pid_t pid);
/* The name the next standby takes: the one of the pair the current tunnel
 * does not have. */
void fx_standby_name(const struct fx_conn_saved *s, char out[IFNAMSIZ]);
