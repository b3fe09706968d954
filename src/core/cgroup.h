/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The cgroup v2 hierarchy split tunnelling (issue 15) puts excluded
 * programs in (cgroup.c). Where it is mounted differs: /sys/fs/cgroup on a
 * unified system, /sys/fs/cgroup/unified on a hybrid one (as on the lab
 * machine), elsewhere by hand; /proc/self/mountinfo tells.
 */
#include <stddef.h>

#include "err.h"

/* The mount point of the cgroup2 file system whose root is the hierarchy's
 * root (not a bind mount of a subtree), from mountinfo's text, its octal
 * escapes undone. -ENOENT when there is none: no cgroup v2. */
int fx_cgroup2_mount(const char *mountinfo, size_t len, char *out, size_t outlen, struct fx_err *err);
