/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "exclude.h"

#include <errno.h>

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
