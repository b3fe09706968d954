/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "state.h"
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STATE_VERSION "1"

static int parse_kv_line(char *line, unsigned lineno, const char *version, bool *versioned,
			 fx_kv_fn fn, void *ctx, struct fx_err *err)
{
	char *eq;

	if (line[0] == '\0' || line[0] == '#')
		return 0;
	eq = strchr(line, '=');
	if (!eq)
		return fx_err_set(err, "line %u: expected key=value", lineno);
	*eq = '\0';
	if (strcmp(line, "version") == 0) {
		if (strcmp(eq + 1, version) != 0)
			return fx_err_set(err, "line %u: version: unsupported '%.16s'", lineno, eq + 1);
		*versioned = true;
		return 0;
	}
	if (fn(line, eq + 1, ctx, err) < 0)
		return fx_err_prefix(err, -EINVAL, "line %u: ", lineno);
	return 0;
}

int fx_kv_parse(const char *text, size_t len, const char *version, const char *what, fx_kv_fn fn,
		void *ctx, struct fx_err *err)
{
	char *copy, *line;
	bool versioned = false;
	unsigned lineno = 0;
	int r = 0;

	if (memchr(text, '\0', len))
		return fx_err_set(err, "contains a NUL byte: not a %s", what);
	copy = strndup(text, len);
	if (!copy)
		return -ENOMEM;
	/* strsep keeps empty lines, so line numbers stay true. */
	for (char *rest = copy; r == 0 && (line = strsep(&rest, "\n"));) {
		lineno++;
		if (!rest && line[0] == '\0')
			break;
		r = parse_kv_line(line, lineno, version, &versioned, fn, ctx, err);
	}
	free(copy);
	if (r == 0 && !versioned)
		r = fx_err_set(err, "missing version line: not a %s", what);
	return r;
}

static int guard_kv(const char *key, const char *value, void *ctx, struct fx_err *err)
{
	return fx_guard_set(ctx, key, value, err);
}

int fx_state_parse_text(const char *text, size_t len, struct fx_guard *g, struct fx_err *err)
{
	int r;

	memset(g, 0, sizeof(*g));
	r = fx_kv_parse(text, len, STATE_VERSION, "fexyn state file", guard_kv, g, err);
	if (r == 0)
		r = fx_guard_check(g, err);
	return r;
}

int fx_state_format(const struct fx_guard *g, char *buf, size_t len)
{
	int n = snprintf(buf, len, "# fexynd state: what is guarded. Written by fexynd; do not edit.\n"
				   "version=" STATE_VERSION "\n");

	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	if (fx_guard_format(g, '\n', buf + n, len - (size_t)n) < 0)
		return -ENOSPC;
	n = (int)strlen(buf);
	if ((size_t)n + 2 > len)
		return -ENOSPC;
	strcpy(buf + n, "\n");
	return 0;
}

static int path_of(const char *dir, const char *name, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}

int fx_file_read(const char *path, char *buf, size_t cap, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t total = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf + total, cap - total);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int r = n < 0 ? -errno : 0;

			close(fd);
			*len = total;
			return r;
		}
		total += (size_t)n;
		if (total == cap) {
			close(fd);
			return -EFBIG;
		}
	}
}

int fx_state_load(const char *dir, struct fx_guard *g, struct fx_err *err)
{
	char path[4096];
	char *buf;
	size_t len = 0;
	int r = path_of(dir, FX_STATE_FILE, path, sizeof(path));

	if (r < 0)
		return r;
	buf = malloc(FX_STATE_MAX_SIZE);
	if (!buf)
		return -ENOMEM;
	r = fx_file_read(path, buf, FX_STATE_MAX_SIZE, &len);
	if (r == -ENOENT)
		r = 0;
	else if (r == -EFBIG)
		r = fx_err_set(err, "%s: larger than %d bytes", path, FX_STATE_MAX_SIZE);
	else if (r < 0)
		fx_err_set(err, "%s: %s", path, strerror(-r));
	else if ((r = fx_state_parse_text(buf, len, g, err)) < 0)
		fx_err_prefix(err, r, "%s: ", path);
	else
		r = 1;
	free(buf);
	return r;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int replace(const char *path, const char *text, const struct fx_file_meta *meta)
{
	char tmp[4096];
	int fd, r;

	if (snprintf(tmp, sizeof(tmp), "%s.fexyn-tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	r = fx_write_all(fd, text, strlen(text));
	/* Owner first: chown clears set-id bits, which the mode then restores. */
	if (r == 0 && meta->uid != (uid_t)-1 && fchown(fd, meta->uid, meta->gid) < 0)
		r = -errno;
	if (r == 0 && fchmod(fd, meta->mode & 07777) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

int fx_file_replace(const char *path, const char *text, mode_t mode)
{
	const struct fx_file_meta meta = { .mode = mode, .uid = (uid_t)-1, .gid = (gid_t)-1 };

	return replace(path, text, &meta);
}

int fx_file_replace_as(const char *path, const char *text, const struct fx_file_meta *meta)
{
	return replace(path, text, meta);
}

int fx_file_save(const char *dir, const char *name, const char *text)
{
	char path[4096];
	int r;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (path_of(dir, name, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	r = fx_file_replace(path, text, 0600);
	return r < 0 ? r : fsync_dir(dir);
}

int fx_state_save(const char *dir, const struct fx_guard *g)
{
	char text[8192];
	int r = fx_state_format(g, text, sizeof(text));

	return r < 0 ? r : fx_file_save(dir, FX_STATE_FILE, text);
}

int fx_file_remove(const char *dir, const char *name)
{
	char path[4096];
	int r = path_of(dir, name, path, sizeof(path));

	if (r < 0)
		return r;
	if (unlink(path) < 0)
		return errno == ENOENT ? 0 : -errno;
	return fsync_dir(dir);
}

int fx_file_set_aside(const char *dir, const char *name)
{
	char from[4096], to[4096];

	if (path_of(dir, name, from, sizeof(from)) < 0 ||
	    snprintf(to, sizeof(to), "%s.corrupt-%lld", from, (long long)time(NULL)) >= (int)sizeof(to))
		return -ENAMETOOLONG;
	if (rename(from, to) < 0)
		return errno == ENOENT ? 0 : -errno;
	return fsync_dir(dir);
}

int fx_state_remove(const char *dir)
{
	return fx_file_remove(dir, FX_STATE_FILE);
}
