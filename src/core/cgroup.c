/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cgroup.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define MOUNTINFO_FIELDS 16

/* Undoes the kernel's \ooo escapes (space, tab, newline, backslash). */
static int unescape(const char *s, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\0')
			return -EINVAL; /* the kernel escapes what it must: a raw NUL is damage */
		if (c == '\\') {
			if (i + 3 >= n || s[i + 1] < '0' || s[i + 1] > '3' || s[i + 2] < '0' ||
			    s[i + 2] > '7' || s[i + 3] < '0' || s[i + 3] > '7')
				return -EINVAL;
			c = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			if (c == '\0')
				return -EINVAL;
			i += 3;
		}
		if (o + 1 >= outlen)
			return -ENAMETOOLONG;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* Splits one line at spaces: up to MOUNTINFO_FIELDS words. */
static size_t split(const char *line, size_t len, const char **w, size_t *wl)
{
	size_t n = 0, i = 0;

	while (i < len && n < MOUNTINFO_FIELDS) {
		while (i < len && line[i] == ' ')
			i++;
		if (i == len)
			break;
		w[n] = line + i;
		while (i < len && line[i] != ' ')
			i++;
		wl[n] = (size_t)(line + i - w[n]);
		n++;
	}
	return n;
}

static bool word_is(const char *w, size_t wl, const char *s)
{
	return wl == strlen(s) && memcmp(w, s, wl) == 0;
}

/* "ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER" */
static int line_mount(const char *line, size_t len, char *out, size_t outlen)
{
	const char *w[MOUNTINFO_FIELDS];
	size_t wl[MOUNTINFO_FIELDS], n = split(line, len, w, wl), dash;

	for (dash = 6; dash < n && !word_is(w[dash], wl[dash], "-"); dash++)
		;
	if (n < 6 || dash + 1 >= n || !word_is(w[dash + 1], wl[dash + 1], "cgroup2") ||
	    !word_is(w[3], wl[3], "/"))
		return -ENOENT;
	if (w[4][0] != '/')
		return -EINVAL; /* fexynd opens it: an absolute path only */
	return unescape(w[4], wl[4], out, outlen);
}

int fx_cgroup2_mount(const char *mountinfo, size_t len, char *out, size_t outlen, struct fx_err *err)
{
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(mountinfo + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - mountinfo) : len;
		int r = line_mount(mountinfo + i, end - i, out, outlen);

		if (r == 0)
			return 0;
		if (r != -ENOENT)
			return fx_err_set(err, "a cgroup2 mount point that cannot be read"), r;
		i = end + 1;
	}
	return fx_err_set(err, "no cgroup2 file system is mounted: excluding programs needs cgroup v2"),
	       -ENOENT;
}

/* Absolute, no empty, "." or ".." component, no trailing slash but "/". */
static bool clean_path(const char *p)
{
	if (p[0] != '/')
		return false;
	if (p[1] == '\0')
		return true;
	for (const char *c = p; *c;) {
		const char *next = strchr(c + 1, '/');
		size_t n = next ? (size_t)(next - c - 1) : strlen(c + 1);

		if (n == 0 || (n == 1 && c[1] == '.') || (n == 2 && c[1] == '.' && c[2] == '.'))
			return false;
		c = next ? next : c + 1 + n;
	}
	return true;
}

int fx_cgroup_v2_path(const char *text, size_t len, char *out, size_t outlen, struct fx_err *err)
{
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len, n = end - i;

		if (n >= 3 && memcmp(text + i, "0::", 3) == 0) {
			if (n - 3 >= outlen)
				return fx_err_set(err, "its cgroup's path is too long"), -ENAMETOOLONG;
			memcpy(out, text + i + 3, n - 3);
			out[n - 3] = '\0';
			if (!clean_path(out))
				return fx_err_set(err, "its cgroup's path is not one: '%.64s'", out);
			return 0;
		}
		i = end + 1;
	}
	return fx_err_set(err, "it is in no cgroup v2 (no 0:: line)"), -ENOENT;
}

bool fx_cgroup_under(const char *path, const char *name, const char **group)
{
	size_t n = strlen(name);

	if (path[0] != '/' || strncmp(path + 1, name, n) != 0)
		return false;
	if (path[1 + n] == '\0') {
		*group = path + 1 + n;
		return true;
	}
	if (path[1 + n] != '/')
		return false;
	*group = path + 2 + n;
	return true;
}
