/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cgroup_fs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup.h"

#define MOUNTINFO_MAX (256 * 1024)
#define PROCS_MAX (64 * 1024)
#define MEMBERS_MAX 4096
/* Rounds of moving a group's processes out before giving up on it (a
 * process forking as fast as they are moved). */
#define END_ROUNDS 8

/* Reads a whole (small, kernel-made) file into a malloc'd buffer. */
static int read_file_at(int dirfd, const char *name, size_t cap, char **text, size_t *len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char *buf;
	int r = 0;

	*text = NULL;
	*len = 0;
	if (fd < 0)
		return errno ? -errno : -EIO;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (*len + 1 < cap) {
		ssize_t n = read(fd, buf + *len, cap - 1 - *len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		*len += (size_t)n;
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[*len] = '\0';
	*text = buf;
	return 0;
}

static int find_mount(char *out, size_t outlen, struct fx_err *err)
{
	char *text;
	size_t len;
	int r = read_file_at(AT_FDCWD, "/proc/self/mountinfo", MOUNTINFO_MAX, &text, &len);

	if (r < 0)
		return fx_err_set(err, "cannot read /proc/self/mountinfo: %s", strerror(-r)), r;
	r = fx_cgroup2_mount(text, len, out, outlen, err);
	free(text);
	return r;
}

static int open_dir_at(int at, const char *path)
{
	int fd = openat(at, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return errno ? -errno : -EIO;
	return fd;
}

/* A cgroup2 directory that only root can change. */
static int check_dir(int fd, const char *what, struct fx_err *err)
{
	struct statfs fs;
	struct stat st;

	if (fstatfs(fd, &fs) < 0 || fstat(fd, &st) < 0)
		return fx_err_set(err, "cannot inspect %s: %s", what, strerror(errno)), -EIO;
	if (fs.f_type != CGROUP2_SUPER_MAGIC)
		return fx_err_set(err, "%s is not on a cgroup2 file system", what), -ENOTDIR;
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return fx_err_set(err, "%s is not root's alone (owner %u, mode %04o): refusing to use it",
				  what, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777)), -EPERM;
	return 0;
}

int fx_cgroup_dir_open(struct fx_cgroup_dir *d, const char *name, bool create, struct fx_err *err)
{
	char what[sizeof(d->mount) + sizeof(d->name) + 2];
	int r;

	d->mount_fd = d->dir_fd = -1;
	if (!name[0] || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strlen(name) >= sizeof(d->name))
		return fx_err_set(err, "the exclusion cgroup '%.64s' is not a plain name", name);
	snprintf(d->name, sizeof(d->name), "%s", name);
	r = find_mount(d->mount, sizeof(d->mount), err);
	if (r < 0)
		return r == -ENOENT ? -ENODEV : r;
	snprintf(what, sizeof(what), "%s/%s", d->mount, d->name);
	r = open_dir_at(AT_FDCWD, d->mount);
	if (r < 0)
		return fx_err_set(err, "cannot open %s: %s", d->mount, strerror(-r)), r;
	d->mount_fd = r;
	if (create && mkdirat(d->mount_fd, d->name, 0755) < 0 && errno != EEXIST) {
		r = -errno;
		fx_err_set(err, "cannot make %s: %s", what, strerror(-r));
		goto fail;
	}
	r = open_dir_at(d->mount_fd, d->name);
	if (r < 0) {
		fx_err_set(err, "cannot open %s: %s", what, strerror(-r));
		goto fail;
	}
	d->dir_fd = r;
	r = check_dir(d->dir_fd, what, err);
	if (r == 0)
		return 0;
fail:
	fx_cgroup_dir_close(d);
	return r;
}

void fx_cgroup_dir_close(struct fx_cgroup_dir *d)
{
	if (d->dir_fd >= 0)
		close(d->dir_fd);
	if (d->mount_fd >= 0)
		close(d->mount_fd);
	d->mount_fd = d->dir_fd = -1;
}

static bool is_group_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= FX_CGROUP_GROUP_MAX || (s[0] == '0' && n > 1))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

int fx_cgroup_group_id(const struct fx_cgroup_dir *d, const char *group, uint64_t *id)
{
	struct stat st;

	if (!is_group_name(group))
		return -EINVAL;
	if (fstatat(d->dir_fd, group, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	*id = (uint64_t)st.st_ino;
	return 0;
}

int fx_cgroup_group_make(const struct fx_cgroup_dir *d, char name[FX_CGROUP_GROUP_MAX], uint64_t *id)
{
	for (unsigned i = 1; i < 100000; i++) {
		snprintf(name, FX_CGROUP_GROUP_MAX, "%u", i);
		if (mkdirat(d->dir_fd, name, 0755) == 0)
			return fx_cgroup_group_id(d, name, id);
		if (errno != EEXIST)
			return -errno;
	}
	return -ENOSPC;
}

int fx_cgroup_group_remove(const struct fx_cgroup_dir *d, const char *group)
{
	if (!is_group_name(group))
		return -EINVAL;
	if (unlinkat(d->dir_fd, group, AT_REMOVEDIR) < 0)
		return errno == ENOTEMPTY ? -EBUSY : -errno;
	return 0;
}

int fx_cgroup_groups(const struct fx_cgroup_dir *d, char (*names)[FX_CGROUP_GROUP_MAX], size_t cap)
{
	int fd = fcntl(d->dir_fd, F_DUPFD_CLOEXEC, 0);
	struct dirent *e;
	DIR *dir;
	size_t n = 0;

	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	rewinddir(dir);
	while ((e = readdir(dir)) && n < cap) {
		if (e->d_type == DT_DIR && is_group_name(e->d_name)) /* shorter than a name's room */
			memcpy(names[n++], e->d_name, strlen(e->d_name) + 1);
	}
	closedir(dir);
	return (int)n;
}

static int procs_of(int group_fd, pid_t *pids, size_t cap)
{
	char *text, *p, *end;
	size_t len, n = 0;
	int r = read_file_at(group_fd, "cgroup.procs", PROCS_MAX, &text, &len);

	if (r < 0 || !text)
		return r < 0 ? r : -EIO;
	for (p = text; *p && n < cap; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		if (v > 0)
			pids[n++] = (pid_t)v;
	}
	free(text);
	return (int)n;
}

int fx_cgroup_members(const struct fx_cgroup_dir *d, const char *group, pid_t *pids, size_t cap)
{
	int fd, r;

	if (!is_group_name(group))
		return -EINVAL;
	fd = open_dir_at(d->dir_fd, group);
	if (fd < 0)
		return fd;
	r = procs_of(fd, pids, cap);
	close(fd);
	return r;
}

static int write_pid(int dirfd, pid_t pid)
{
	int fd = openat(dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	char text[24];
	int n, r = 0;

	if (fd < 0)
		return -errno;
	n = snprintf(text, sizeof(text), "%d\n", (int)pid);
	if (write(fd, text, (size_t)n) != n)
		r = -errno;
	close(fd);
	return r;
}

int fx_cgroup_move_to_group(const struct fx_cgroup_dir *d, const char *group, pid_t pid)
{
	int fd, r;

	if (!is_group_name(group))
		return -EINVAL;
	fd = open_dir_at(d->dir_fd, group);
	if (fd < 0)
		return fd;
	r = write_pid(fd, pid);
	close(fd);
	return r;
}

int fx_cgroup_move_to_path(const struct fx_cgroup_dir *d, const char *path, pid_t pid)
{
	int fd, r;

	if (path[0] != '/')
		return -EINVAL;
	if (path[1] == '\0')
		return write_pid(d->mount_fd, pid);
	fd = open_dir_at(d->mount_fd, path + 1);
	if (fd < 0)
		return fd;
	r = write_pid(fd, pid);
	close(fd);
	return r;
}

int fx_cgroup_group_end(const struct fx_cgroup_dir *d, const char *group, const char *origin)
{
	pid_t *pids = malloc(MEMBERS_MAX * sizeof(*pids));
	int r = -EBUSY;

	if (!pids)
		return -ENOMEM;
	for (int round = 0; round < END_ROUNDS && r == -EBUSY; round++) {
		int n = fx_cgroup_members(d, group, pids, MEMBERS_MAX);

		for (int i = 0; i < n; i++)
			if (fx_cgroup_move_to_path(d, origin, pids[i]) < 0)
				fx_cgroup_move_to_path(d, "/", pids[i]);
		r = n < 0 ? n : fx_cgroup_group_remove(d, group);
	}
	free(pids);
	return r == -ENOENT ? 0 : r;
}
