/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * What split tunnelling (issue 15) needs to know of a process before it
 * moves it, read from /proc/PID/status and /proc/PID/stat (proc.c). The
 * parsers are pure: they take the files' text, so that the unit tests can
 * give them any, and a process cannot make them read past what it wrote
 * (its name is the only part it controls).
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

struct fx_proc_status {
	pid_t pid;       /* the task whose directory this is */
	pid_t tgid;      /* the process; differs from the pid for a thread */
	pid_t ppid;
	uid_t uid[4];    /* real, effective, saved, filesystem */
	gid_t gid[4];
};

/* Pid, Tgid, PPid, Uid and Gid from /proc/PID/status; every one is needed. */
int fx_proc_status_parse(const char *text, size_t len, struct fx_proc_status *st, struct fx_err *err);

/* Whether /proc/PID/stat describes a kernel thread (PF_KTHREAD in its
 * flags). The name in parentheses may hold anything, ')' too: the fields
 * are counted from the last ')'. */
int fx_proc_stat_kthread(const char *text, size_t len, bool *kthread, struct fx_err *err);

/*
 * Reads the file name in the /proc/PID directory dirfd (a client opened
 * it, with its own rights, and passed it): at most cap - 1 bytes, NUL
 * terminated. A process that has exited reads as -ESRCH, whatever PID it
 * had: the directory is the process, not its number.
 */
int fx_proc_read_at(int dirfd, const char *name, char *buf, size_t cap, size_t *len);
