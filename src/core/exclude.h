/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Who may exclude which process from the tunnel (issue 15), decided before
 * anything moves (exclude.c, pure). Changing exclusions needs root or
 * group fexyn; a member of the group may exclude only processes that are
 * wholly theirs (all four user ids, so a set-uid program they started is
 * not theirs to move). Never PID 1, a kernel thread, a thread (its id
 * would move its whole process), or fexynd and what it started.
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "proc.h"

struct fx_excl_caller {
	uid_t uid;    /* from the socket's peer credentials */
	bool root;
	bool member;  /* of group fexyn */
};

struct fx_excl_target {
	pid_t pid;                 /* as the caller named it */
	struct fx_proc_status st;  /* its /proc/PID/status */
	bool kthread;              /* its /proc/PID/stat's flags */
	bool daemon_family;        /* fexynd itself, or a process fexynd started */
};

/* 0 when the caller may move the target; else -EPERM or -EINVAL, and err
 * says why, naming the PID. */
int fx_excl_check(const struct fx_excl_caller *who, const struct fx_excl_target *t, struct fx_err *err);

/* Whether a kernel release ("6.1.0-28-amd64") matches sockets by their
 * cgroup v2 in nftables (socket cgroupv2: Linux 5.13). */
bool fx_excl_kernel_ok(const char *release);

/*
 * The origins file (STATE_DIR/exclusions): "GROUP\tPATH\n" per exclusion,
 * the cgroup its first process came from, where removing the exclusion
 * (and fexyn reset, also without fexynd) puts its processes back. The
 * path of group's line, in out; -ENOENT when there is none.
 */
#define FX_EXCL_ORIGINS_FILE "exclusions"
int fx_excl_origin_find(const char *text, size_t len, const char *group, char *out, size_t outlen);
