/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The system resolver while a tunnel is up: resolv.conf is replaced
 * atomically (a temporary file beside it, renamed over it) with the tunnel's
 * DNS servers and search domains. The original is kept once, in the state
 * directory, so disconnect, a restarted daemon or `fexyn reset` can put it
 * back however fexynd ended. A symbolic link (systemd-resolved's stub, say)
 * is kept as the link it was.
 */
#include <stddef.h>

#include "addr.h"
#include "wgconf.h"

#define FX_DNS_SAVED "resolv.conf.orig"
#define FX_DNS_SAVED_LINK "resolv.conf.link"
#define FX_DNS_TARGET "resolv.conf.path" /* which file was replaced */
#define FX_DNS_SAVED_META "resolv.conf.meta" /* its mode and owner: "MODE UID GID" */

/* Formats the replacement file for cfg's DNS servers and search domains. */
int fx_dns_format(const struct fx_wg_config *cfg, char *buf, size_t len);

/* Keeps the original (unless already kept) and installs cfg's servers, in
 * a file of the original's mode and owner (0644 root when there was none). */
int fx_dns_apply(const char *resolv_conf, const char *state_dir, const struct fx_wg_config *cfg);

/* Puts the kept original back where it came from; nothing kept is success. */
int fx_dns_restore(const char *state_dir);
