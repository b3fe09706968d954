/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The cgroup v2 file system as split tunnelling (issue 15) uses it
 * (cgroup_fs.c): fexynd's directory at the top of the hierarchy, one
 * group below it per exclusion, processes moved by writing their PID to
 * a group's cgroup.procs. Every path is opened relative to a directory
 * descriptor fexynd holds, never by a name a client gave.
 *
 * The directory is root's, mode 0755, so that no one else can make a
 * group in it or move a process into one: the kernel checks write access
 * to the destination's cgroup.procs (and to the common ancestor's), so a
 * process that writes its own PID there is refused.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

/* The directory fexynd keeps exclusions in, unless told otherwise. */
#define FX_EXCLUSION_CGROUP "fexyn-excluded"
/* A group's name: its number. */
#define FX_CGROUP_GROUP_MAX 16

struct fx_cgroup_dir {
	int mount_fd; /* the hierarchy's root */
	int dir_fd;   /* fexynd's directory in it */
	char mount[256];
	char name[64];
};

/*
 * Finds the cgroup2 hierarchy (/proc/self/mountinfo) and opens directory
 * name at its top, making it first if create. Refuses a directory that is
 * not root's or that others may write to. -ENODEV: no cgroup v2;
 * -ENOENT: not creating, and there is no such directory (d->mount is
 * filled in, nothing is open).
 */
int fx_cgroup_dir_open(struct fx_cgroup_dir *d, const char *name, bool create, struct fx_err *err);
void fx_cgroup_dir_close(struct fx_cgroup_dir *d);

/* Makes a new, empty group (the lowest free number) and gives its name
 * and id (the inode number, which is what nftables' socket cgroupv2 matches). */
int fx_cgroup_group_make(const struct fx_cgroup_dir *d, char name[FX_CGROUP_GROUP_MAX], uint64_t *id);
int fx_cgroup_group_id(const struct fx_cgroup_dir *d, const char *group, uint64_t *id);
/* Removes an empty group; -EBUSY while a process is in it. */
int fx_cgroup_group_remove(const struct fx_cgroup_dir *d, const char *group);

/* The groups there are, by name (numbers only; anything else is not ours
 * to touch); returns how many, at most cap. */
int fx_cgroup_groups(const struct fx_cgroup_dir *d, char (*names)[FX_CGROUP_GROUP_MAX], size_t cap);
/* The processes in a group; returns how many (at most cap), or a negative errno. */
int fx_cgroup_members(const struct fx_cgroup_dir *d, const char *group, pid_t *pids, size_t cap);

/* Moves process pid into group (of fexynd's directory), or into path
 * (below the hierarchy's root, "/" for the root itself). */
int fx_cgroup_move_to_group(const struct fx_cgroup_dir *d, const char *group, pid_t pid);
int fx_cgroup_move_to_path(const struct fx_cgroup_dir *d, const char *path, pid_t pid);

/*
 * Puts a group's processes back in origin (at the top of the hierarchy
 * where origin is gone) and removes the group; a group that keeps gaining
 * processes meanwhile is tried a few times, then -EBUSY. The group must be
 * out of the firewall already: its processes' sockets would still match.
 */
int fx_cgroup_group_end(const struct fx_cgroup_dir *d, const char *group, const char *origin);
