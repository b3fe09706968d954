/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "exclude.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool wholly_owned_by(const struct fx_proc_status *st, uid_t uid)
{
	for (size_t i = 0; i < 4; i++)
		if (st->uid[i] != uid)
			return false;
	return true;
}

int fx_excl_check(const struct fx_excl_caller *who, const struct fx_excl_target *t, struct fx_err *err)
{
	if (!who->root && !who->member)
		return fx_err_set(err, "changing exclusions needs root or membership in group fexyn"), -EPERM;
	if (t->pid == 1)
		return fx_err_set(err, "PID 1 (init) cannot be excluded"), -EPERM;
	if (t->kthread)
		return fx_err_set(err, "PID %d is a kernel thread", (int)t->pid), -EINVAL;
	if (t->st.tgid != t->pid)
		return fx_err_set(err, "PID %d is a thread of process %d: name the process", (int)t->pid,
				  (int)t->st.tgid), -EINVAL;
	if (t->daemon_family)
		return fx_err_set(err, "PID %d is fexynd or a process it started", (int)t->pid), -EPERM;
	if (!who->root && !wholly_owned_by(&t->st, who->uid))
		return fx_err_set(err, "PID %d is not wholly yours (user ids %u %u %u %u; yours: %u)",
				  (int)t->pid, (unsigned)t->st.uid[0], (unsigned)t->st.uid[1],
				  (unsigned)t->st.uid[2], (unsigned)t->st.uid[3], (unsigned)who->uid), -EPERM;
	return 0;
}

bool fx_excl_kernel_ok(const char *release)
{
	char *end;
	unsigned long major = strtoul(release, &end, 10), minor;

	if (end == release || *end != '.')
		return false;
	minor = strtoul(end + 1, &end, 10);
	return major > 5 || (major == 5 && minor >= 13);
}

int fx_excl_origin_find(const char *text, size_t len, const char *group, char *out, size_t outlen)
{
	size_t glen = strlen(group);

	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;

		if (end - i > glen + 1 && memcmp(text + i, group, glen) == 0 && text[i + glen] == '\t') {
			size_t n = end - i - glen - 1;

			if (n >= outlen || text[i + glen + 1] != '/')
				return -EINVAL;
			memcpy(out, text + i + glen + 1, n);
			out[n] = '\0';
			return 0;
		}
		i = end + 1;
	}
	return -ENOENT;
}
