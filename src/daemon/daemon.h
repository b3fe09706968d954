/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* fexynd's event loop (daemon.c): it owns the context, reads every event
 * source, and after each event tells subscribers what changed. */
#include "context.h"

int fx_daemon_init(struct fx_daemon *d, const struct fx_daemon_config *cfg);
int fx_daemon_run(struct fx_daemon *d);
void fx_daemon_done(struct fx_daemon *d);
