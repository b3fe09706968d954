/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * wireguard-go and its UAPI socket (/var/run/wireguard/IFACE.sock), the
 * userspace backend where the kernel has no WireGuard. fexynd speaks the
 * text protocol itself ("set=1", "get=1", key=value lines, "errno=N"); the
 * formatter and the parser are pure, so the unit tests check them.
 */
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "wg.h"
#include "wgconf.h"

#define FX_WG_UAPI_DIR "/var/run/wireguard"

/* The "set=1" request for cfg, fwmark and every peer, ending in an empty line. */
int fx_wg_uapi_format_set(char *buf, size_t len, const struct fx_wg_config *cfg, uint32_t fwmark);

/* Reads a "get=1" reply; -EBADMSG if malformed, -errno if it reports errno=N. */
int fx_wg_uapi_parse_get(const char *text, size_t len, struct fx_wg_status *st);

/* Starts `prog -f ifname` in the foreground (a child of fexynd) and waits
 * until its UAPI socket answers; -EADDRINUSE when the socket of that name
 * is another wireguard-go's (another network namespace's). */
int fx_wg_uapi_start(const char *prog, const char *ifname, pid_t *pid, struct fx_err *err);

/* Both talk only to wg_pid: a socket served by any other process is refused. */
int fx_wg_uapi_configure(const char *ifname, pid_t wg_pid, const struct fx_wg_config *cfg,
			 uint32_t fwmark, struct fx_err *err);
int fx_wg_uapi_status(const char *ifname, pid_t wg_pid, struct fx_wg_status *st);

/* Ends wireguard-go: politely, then not. A pid that is no longer the
 * wireguard-go for ifname in this network namespace (reused after a crash,
 * or another namespace's) is left alone. */
void fx_wg_uapi_stop(pid_t pid, const char *ifname);
/* Stops every wireguard-go running for ifname in this network namespace,
 * as fexynd starts them: one it started but could not record the pid of. */
void fx_wg_uapi_stop_unrecorded(const char *ifname);
