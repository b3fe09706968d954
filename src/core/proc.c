/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PF_KTHREAD_FLAG 0x00200000u /* include/linux/sched.h */
#define STAT_FLAGS_FIELD 9          /* proc(5): (9) flags %u */

/* The line "key:\t..." of text, as a NUL-terminated copy in out. */
static bool find_line(const char *text, size_t len, const char *key, char *out, size_t outlen)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;

		if (end - i > klen && memcmp(text + i, key, klen) == 0 && text[i + klen] == ':') {
			size_t n = end - i - klen - 1;

			if (n >= outlen)
				return false;
			memcpy(out, text + i + klen + 1, n);
			out[n] = '\0';
			return true;
		}
		i = end + 1;
	}
	return false;
}

/* Exactly n unsigned decimal numbers, separated by blanks. */
static int numbers(const char *s, unsigned long *v, size_t n)
{
	char *end;

	for (size_t i = 0; i < n; i++) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s < '0' || *s > '9')
			return -EINVAL;
		errno = 0;
		v[i] = strtoul(s, &end, 10);
		if (errno || v[i] > 0xffffffffUL)
			return -EINVAL;
		s = end;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	return *s ? -EINVAL : 0;
}

static int field(const char *text, size_t len, const char *key, unsigned long *v, size_t n,
		 struct fx_err *err)
{
	char line[128];

	if (!find_line(text, len, key, line, sizeof(line)))
		return fx_err_set(err, "no %s line", key);
	if (numbers(line, v, n) < 0)
		return fx_err_set(err, "%s: expected %zu number%s", key, n, n == 1 ? "" : "s");
	return 0;
}

int fx_proc_status_parse(const char *text, size_t len, struct fx_proc_status *st, struct fx_err *err)
{
	unsigned long pid = 0, tgid = 0, ppid = 0, uid[4] = { 0 }, gid[4] = { 0 };

	memset(st, 0, sizeof(*st));
	if (field(text, len, "Pid", &pid, 1, err) < 0 || field(text, len, "Tgid", &tgid, 1, err) < 0 ||
	    field(text, len, "PPid", &ppid, 1, err) < 0 || field(text, len, "Uid", uid, 4, err) < 0 ||
	    field(text, len, "Gid", gid, 4, err) < 0)
		return -EINVAL;
	if (pid == 0 || pid > 0x7fffffffUL || tgid == 0 || tgid > 0x7fffffffUL || ppid > 0x7fffffffUL)
		return fx_err_set(err, "Pid, Tgid or PPid out of range");
	st->pid = (pid_t)pid;
	st->tgid = (pid_t)tgid;
	st->ppid = (pid_t)ppid;
	for (size_t i = 0; i < 4; i++) {
		st->uid[i] = (uid_t)uid[i];
		st->gid[i] = (gid_t)gid[i];
	}
	return 0;
}

int fx_proc_stat_kthread(const char *text, size_t len, bool *kthread, struct fx_err *err)
{
	const char *close = NULL, *p;
	unsigned long flags;
	char buf[64];
	size_t n;

	for (size_t i = 0; i < len; i++)
		if (text[i] == ')')
			close = text + i;
	if (!close)
		return fx_err_set(err, "no ')' after the name");
	/* After ')': (3) state, (4) ppid ... (9) flags: skip six fields. */
	p = close + 1;
	for (int f = 3; f < STAT_FLAGS_FIELD; f++) {
		while (p < text + len && *p == ' ')
			p++;
		while (p < text + len && *p != ' ')
			p++;
	}
	while (p < text + len && *p == ' ')
		p++;
	for (n = 0; p + n < text + len && p[n] != ' ' && p[n] != '\n' && n + 1 < sizeof(buf); n++)
		buf[n] = p[n];
	buf[n] = '\0';
	if (numbers(buf, &flags, 1) < 0)
		return fx_err_set(err, "no flags field");
	*kthread = (flags & PF_KTHREAD_FLAG) != 0;
	return 0;
}

int fx_proc_read_at(int dirfd, const char *name, char *buf, size_t cap, size_t *len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int r = 0;

	*len = 0;
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	while (*len + 1 < cap) {
		ssize_t n = read(fd, buf + *len, cap - 1 - *len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = errno == ENOENT ? -ESRCH : -errno;
			break;
		}
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	buf[*len] = '\0';
	close(fd);
	return r;
}
