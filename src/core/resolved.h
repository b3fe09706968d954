/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * systemd-resolved, through its own interface (resolvectl) rather than by
 * rewriting its stub file: the tunnel's servers on the tunnel's link, "~."
 * so every name is looked up there, and the link as the default route for
 * DNS. What was set is recorded in the state directory, so disconnect, a
 * restarted fexynd or `fexyn reset` can revert it.
 */
#include <stdbool.h>

#include "wgconf.h"

#define FX_RESOLVED_RECORD "resolved.link"

/* Whether resolv_conf is systemd-resolved's: a link into /run/systemd/resolve/. */
bool fx_resolved_manages(const char *resolv_conf);

int fx_resolved_apply(const char *prog, const char *state_dir, const char *ifname,
		      const struct fx_wg_config *cfg);

/* Reverts what the record says was set; nothing recorded is success. */
int fx_resolved_restore(const char *state_dir);
