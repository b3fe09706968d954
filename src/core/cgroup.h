/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The cgroup v2 hierarchy split tunnelling (issue 15) puts excluded
 * programs in (cgroup.c). Where it is mounted differs: /sys/fs/cgroup on a
 * unified system, /sys/fs/cgroup/unified on a hybrid one (as on the lab
 * machine), elsewhere by hand; /proc/self/mountinfo tells.
 */
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* The mount point of the cgroup2 file system whose root is the hierarchy's
 * root (not a bind mount of a subtree), from mountinfo's text, its octal
 * escapes undone. -ENOENT when there is none: no cgroup v2. */
int fx_cgroup2_mount(const char *mountinfo, size_t len, char *out, size_t outlen, struct fx_err *err);

/*
 * A process's cgroup in the v2 hierarchy, from /proc/PID/cgroup: the path
 * of its "0::" line, relative to the hierarchy's root ("/" for the root).
 * Refused when it is not absolute, or has a "." or ".." component: fexynd
 * later opens it below the mount point.
 */
int fx_cgroup_v2_path(const char *text, size_t len, char *out, size_t outlen, struct fx_err *err);

/* Whether path ("/a/b") is name itself or below it, name being the top
 * level directory fexynd keeps exclusions in; *group gets the component
 * below it ("" when path is name itself). */
bool fx_cgroup_under(const char *path, const char *name, const char **group);
