/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Split tunnelling in fexynd (exclusions.c): the exclusions there are,
 * the requests that change them, and what a restarted fexynd finds.
 *
 * An exclusion is a cgroup of its own below fexynd's directory
 * (cgroup_fs.h); the firewall's set holds the ids of all of them. The
 * order of every change keeps it safe: a new group is in the firewall
 * before a process is moved into it, and a group leaves the firewall
 * before its processes leave it and before it is removed. Removing is by
 * group, not by process: a socket stays matched by the group it was made
 * in, so only forgetting the group takes its sockets back into the tunnel.
 *
 * The kernel keeps the groups and their processes when fexynd stops; the
 * origins file (exclude.h) says where each group's processes came from.
 */
#include "excl_state.h"
#include "ipc.h"

struct fx_daemon;
struct fx_reply;

/* Before anything can fail: nothing open. */
void fx_excl_init(struct fx_excl *x);
/* At start, before the first firewall: finds the cgroup2 hierarchy, makes
 * or checks fexynd's directory, and takes over the groups in it. */
void fx_excl_start(struct fx_daemon *d);
void fx_excl_done(struct fx_excl *x);

/* Ends every exclusion (reset, disconnect --clear-exclusions); 0 or a
 * negative errno with err set. */
int fx_excl_clear(struct fx_daemon *d, struct fx_err *err);

/* The verbs: exclude-add, exclude-remove, exclude-clear (root or group
 * fexyn), exclude-list (anyone). */
void fx_cmd_exclude_add(struct fx_daemon *d, const struct fx_request *req, struct fx_reply *reply);
void fx_cmd_exclude_remove(struct fx_daemon *d, const struct fx_request *req, struct fx_reply *reply);
void fx_cmd_exclude_clear(struct fx_daemon *d, const struct fx_request *req, struct fx_reply *reply);
void fx_cmd_exclude_list(struct fx_daemon *d, const struct fx_request *req, struct fx_reply *reply);
