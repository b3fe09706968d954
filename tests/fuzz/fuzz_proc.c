/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What split tunnelling reads about a process and the machine: the
 * /proc/PID/status and /proc/PID/stat of a process a client named (its
 * name, on the Name line and inside stat's parentheses, is the client's
 * to choose), /proc/PID/cgroup, /proc/self/mountinfo (mount points are
 * root's, but escaped), and fexynd's origins file. The first input byte
 * picks the parser. Promises: no read past the input, a refusal says why,
 * and what is accepted is what fexynd may use: ids in range, a cgroup path
 * that stays below the mount point, an absolute mount point.
 */
#include <errno.h>

#include "cgroup.h"
#include "exclude.h"
#include "fuzz.h"
#include "proc.h"

static void status(const char *text, size_t len)
{
	struct fx_err err = { { 0 } };
	struct fx_proc_status st;

	if (fx_proc_status_parse(text, len, &st, &err) < 0) {
		fuzz_check_message(err.msg, sizeof(err.msg));
		return;
	}
	FUZZ_CHECK(st.pid > 0 && st.tgid > 0 && st.ppid >= 0);
}

static void stat_kthread(const char *text, size_t len)
{
	struct fx_err err = { { 0 } };
	bool k;

	if (fx_proc_stat_kthread(text, len, &k, &err) < 0)
		fuzz_check_message(err.msg, sizeof(err.msg));
}

static void cgroup_path(const char *text, size_t len)
{
	struct fx_err err = { { 0 } };
	char out[256];

	if (fx_cgroup_v2_path(text, len, out, sizeof(out), &err) < 0) {
		fuzz_check_message(err.msg, sizeof(err.msg));
		return;
	}
	FUZZ_CHECK(out[0] == '/' && !strchr(out, '\n'));
	/* Each component a name: the path stays below the mount point. */
	for (const char *c = out + 1; out[1] && c;) {
		const char *slash = strchr(c, '/');
		size_t n = slash ? (size_t)(slash - c) : strlen(c);

		FUZZ_CHECK(n > 0 && !(n == 1 && c[0] == '.') && !(n == 2 && c[0] == '.' && c[1] == '.'));
		c = slash ? slash + 1 : NULL;
	}
}

static void mountinfo(const char *text, size_t len)
{
	struct fx_err err = { { 0 } };
	char out[256];

	if (fx_cgroup2_mount(text, len, out, sizeof(out), &err) < 0) {
		fuzz_check_message(err.msg, sizeof(err.msg));
		return;
	}
	FUZZ_CHECK(out[0] == '/' && strlen(out) < sizeof(out));
}

static void origins(const char *text, size_t len)
{
	char out[256];

	if (fx_excl_origin_find(text, len, "1", out, sizeof(out)) == 0)
		FUZZ_CHECK(out[0] == '/' && !strchr(out, '\n'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void (*const parsers[])(const char *, size_t) = { status, stat_kthread, cgroup_path,
								 mountinfo, origins };
	char *text;

	if (size == 0)
		return 0;
	/* An exact-size copy: a read past the input is a read past the heap block. */
	text = malloc(size - 1 ? size - 1 : 1);
	FUZZ_CHECK(text != NULL);
	memcpy(text, data + 1, size - 1);
	parsers[data[0] % (sizeof(parsers) / sizeof(parsers[0]))](text, size - 1);
	free(text);
	return 0;
}
