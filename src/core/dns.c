/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dns.h"
#include "state.h"
#include "text.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RESOLV_MAX (64 * 1024)

int fx_dns_format(const struct fx_wg_config *cfg, char *buf, size_t len)
{
	struct fx_text t = { .buf = buf, .len = len };
	char addr[INET6_ADDRSTRLEN];

	fx_text_add(&t, "# Written by fexynd while its tunnel is up; the original comes back at\n"
			"# fexyn disconnect (or fexyn reset).\n");
	for (size_t i = 0; i < cfg->n_dns; i++) {
		fx_addr_format(&cfg->dns[i], addr, sizeof(addr));
		fx_text_add(&t, "nameserver %s\n", addr);
	}
	if (cfg->n_search) {
		fx_text_add(&t, "search");
		for (size_t i = 0; i < cfg->n_search; i++)
			fx_text_add(&t, " %s", cfg->search[i]);
		fx_text_add(&t, "\n");
	}
	return t.full ? -ENOSPC : 0;
}

static void path_in(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static const struct fx_file_meta default_meta = { .mode = 0644, .uid = 0, .gid = 0 };

/* The original's mode and owner, kept beside its text. */
static int keep_meta(const char *state_dir, const struct stat *st)
{
	char text[64];

	snprintf(text, sizeof(text), "%o %u %u\n", (unsigned)(st->st_mode & 07777), (unsigned)st->st_uid,
		 (unsigned)st->st_gid);
	return fx_file_save(state_dir, FX_DNS_SAVED_META, text);
}

/* The kept mode and owner; the default when none were kept or they are damaged. */
static void kept_meta(const char *state_dir, struct fx_file_meta *meta)
{
	char path[PATH_MAX], text[64], *end;
	unsigned long v[3];
	const char *p = text;
	size_t len = 0;

	*meta = default_meta;
	path_in(path, sizeof(path), state_dir, FX_DNS_SAVED_META);
	if (fx_file_read(path, text, sizeof(text) - 1, &len) < 0)
		return;
	text[len] = '\0';
	/* "MODE UID GID\n", the mode in octal */
	for (int i = 0; i < 3; i++, p = end) {
		errno = 0;
		v[i] = strtoul(p, &end, i == 0 ? 8 : 10);
		if (errno || end == p || (*end != ' ' && *end != '\n'))
			return;
	}
	if (v[0] > 07777 || v[1] > UINT32_MAX || v[2] > UINT32_MAX)
		return;
	meta->mode = (mode_t)v[0];
	meta->uid = (uid_t)v[1];
	meta->gid = (gid_t)v[2];
}

/* Keeps what resolv_conf is now — its text, or where it links — once. */
static int keep_original(const char *resolv_conf, const char *state_dir)
{
	char saved[PATH_MAX], target[PATH_MAX];
	char *buf;
	size_t len = 0;
	struct stat st;
	ssize_t n;
	int r;

	path_in(saved, sizeof(saved), state_dir, FX_DNS_SAVED);
	if (access(saved, F_OK) == 0)
		return 0;
	path_in(saved, sizeof(saved), state_dir, FX_DNS_SAVED_LINK);
	if (access(saved, F_OK) == 0)
		return 0;
	r = fx_file_save(state_dir, FX_DNS_TARGET, resolv_conf);
	if (r < 0)
		return r;
	if (lstat(resolv_conf, &st) < 0)
		return errno == ENOENT ? fx_file_save(state_dir, FX_DNS_SAVED, "") : -errno;
	if (S_ISLNK(st.st_mode)) {
		n = readlink(resolv_conf, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		return fx_file_save(state_dir, FX_DNS_SAVED_LINK, target);
	}
	r = keep_meta(state_dir, &st);
	if (r < 0)
		return r;
	buf = malloc(RESOLV_MAX);
	if (!buf)
		return -ENOMEM;
	r = fx_file_read(resolv_conf, buf, RESOLV_MAX, &len);
	if (r == 0 && memchr(buf, '\0', len))
		r = -EINVAL;
	if (r == 0) {
		buf[len] = '\0';
		r = fx_file_save(state_dir, FX_DNS_SAVED, buf);
	}
	free(buf);
	return r;
}

int fx_dns_apply(const char *resolv_conf, const char *state_dir, const struct fx_wg_config *cfg)
{
	struct fx_file_meta meta;
	char text[4096];
	int r;

	if (cfg->n_dns == 0)
		return 0; /* no servers of its own: the resolver stays as it is */
	r = fx_dns_format(cfg, text, sizeof(text));
	if (r == 0)
		r = keep_original(resolv_conf, state_dir);
	kept_meta(state_dir, &meta);
	if (r == 0)
		r = fx_file_replace_as(resolv_conf, text, &meta);
	return r;
}

static int restore_link(const char *resolv_conf, const char *saved)
{
	char target[PATH_MAX], tmp[PATH_MAX];
	size_t len = 0;
	int r = fx_file_read(saved, target, sizeof(target), &len);

	if (r < 0)
		return r;
	target[len] = '\0';
	if (snprintf(tmp, sizeof(tmp), "%s.fexyn-tmp", resolv_conf) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	unlink(tmp);
	if (symlink(target, tmp) < 0)
		return -errno;
	if (rename(tmp, resolv_conf) < 0) {
		r = -errno;
		unlink(tmp);
	}
	return r;
}

static int restore_to(const char *resolv_conf, const char *state_dir)
{
	char saved[PATH_MAX];
	char *buf;
	size_t len = 0;
	int r;

	path_in(saved, sizeof(saved), state_dir, FX_DNS_SAVED_LINK);
	if (access(saved, F_OK) == 0) {
		r = restore_link(resolv_conf, saved);
		return r < 0 ? r : fx_file_remove(state_dir, FX_DNS_SAVED_LINK);
	}
	path_in(saved, sizeof(saved), state_dir, FX_DNS_SAVED);
	buf = malloc(RESOLV_MAX);
	if (!buf)
		return -ENOMEM;
	r = fx_file_read(saved, buf, RESOLV_MAX, &len);
	if (r == -ENOENT) {
		free(buf);
		return 0;
	}
	if (r == 0) {
		struct fx_file_meta meta;

		buf[len] = '\0';
		kept_meta(state_dir, &meta);
		r = fx_file_replace_as(resolv_conf, buf, &meta);
	}
	free(buf);
	if (r == 0)
		r = fx_file_remove(state_dir, FX_DNS_SAVED_META);
	return r < 0 ? r : fx_file_remove(state_dir, FX_DNS_SAVED);
}

int fx_dns_restore(const char *state_dir)
{
	char path[PATH_MAX], resolv_conf[PATH_MAX];
	size_t len = 0;
	int r;

	path_in(path, sizeof(path), state_dir, FX_DNS_TARGET);
	r = fx_file_read(path, resolv_conf, sizeof(resolv_conf), &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	resolv_conf[len] = '\0';
	r = restore_to(resolv_conf, state_dir);
	return r < 0 ? r : fx_file_remove(state_dir, FX_DNS_TARGET);
}
