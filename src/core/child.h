/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The programs fexynd runs (wireguard-go, resolvectl): by absolute path,
 * never looked up in PATH, with a minimal environment instead of fexynd's
 * own, every signal back at its default and unblocked (fexynd blocks them
 * for its signalfd), and stdin on /dev/null. fexynd's own descriptors are
 * all close-on-exec, so none of them follows.
 */
#include <sys/types.h>

/* PATH and LC_ALL; env_extra (NULL-terminated, may be NULL) adds to them. */
#define FX_CHILD_PATH "PATH=/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * Starts prog with argv (argv[0] included). out_fd >= 0 becomes the
 * child's stdout and stderr; otherwise it shares fexynd's. Returns 0 with
 * *pid set, -EINVAL for a relative path, or a negative errno.
 */
int fx_child_spawn(const char *prog, char *const argv[], const char *const env_extra[], int out_fd,
	     pid_t *pid);

/* Waits for pid; 0 when it exited with status 0, -EIO otherwise. */
int fx_child_wait(pid_t pid);
