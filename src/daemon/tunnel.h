/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The tunnels fexyn connect brings up and watches (tunnel.c): attempts,
 * reconnects, the next server, and undoing exactly what was made.
 */
#include <sys/types.h>

#include "context.h"

/* fexyn connect: parses and resolves every config, keeps a copy
 * of each, then makes the first attempt, the firewall first. Returns 0 or a
 * negative errno with err set, in which case nothing changed. */
int fx_conn_start(struct fx_daemon *d, const struct fx_conn_saved *want,
		  const struct fx_conn_texts *texts, struct fx_err *err);
/* Undoes what connect set up: routes, rules, the interface, the process. */
void fx_conn_stop(struct fx_daemon *d);
/* Resumes a tunnel from the persisted state after a restart. */
void fx_conn_resume(struct fx_daemon *d);
void fx_conn_on_timer(struct fx_daemon *d);
void fx_conn_on_probe_reply(struct fx_daemon *d);
void fx_conn_on_child_exit(struct fx_daemon *d, pid_t pid, int status);
void fx_conn_init(struct fx_conn *c);
