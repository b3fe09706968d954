/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "exclusions.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cgroup.h"
#include "context.h"
#include "daemon_apply.h"
#include "exclude.h"
#include "log.h"
#include "proc.h"
#include "reply.h"
#include "state.h"

#define PROC_TEXT_MAX 4096
#define MEMBERS_MAX 4096

void fx_excl_init(struct fx_excl *x)
{
	memset(x, 0, sizeof(*x));
	x->dir.mount_fd = x->dir.dir_fd = -1;
}

void fx_excl_done(struct fx_excl *x)
{
	fx_cgroup_dir_close(&x->dir);
}

static void sync_ids(struct fx_excl *x)
{
	for (size_t i = 0; i < x->n; i++)
		x->ids[i] = x->e[i].id;
}

/* The firewall takes the exclusions as they are now. */
static int commit(struct fx_daemon *d)
{
	sync_ids(&d->excl);
	return fx_daemon_enforce(d, true);
}

static int save_origins(struct fx_daemon *d)
{
	char *text = malloc(FX_MAX_EXCLUDED * (FX_CGROUP_GROUP_MAX + sizeof(d->excl.e[0].origin) + 2) + 1);
	size_t len = 0;
	int r;

	if (!text)
		return -ENOMEM;
	text[0] = '\0';
	for (size_t i = 0; i < d->excl.n; i++)
		len += (size_t)sprintf(text + len, "%s\t%s\n", d->excl.e[i].group, d->excl.e[i].origin);
	r = d->excl.n ? fx_file_save(d->cfg.state_dir, FX_EXCL_ORIGINS_FILE, text)
		      : fx_file_remove(d->cfg.state_dir, FX_EXCL_ORIGINS_FILE);
	free(text);
	if (r < 0 && r != -ENOENT)
		return fx_log_errno(r, "cannot save %s/%s", d->cfg.state_dir, FX_EXCL_ORIGINS_FILE);
	return 0;
}

static void load_origins(struct fx_daemon *d)
{
	char path[512], *text = malloc(64 * 1024);
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/%s", d->cfg.state_dir, FX_EXCL_ORIGINS_FILE);
	if (text && fx_file_read(path, text, 64 * 1024, &len) == 0) {
		for (size_t i = 0; i < d->excl.n; i++)
			if (fx_excl_origin_find(text, len, d->excl.e[i].group, d->excl.e[i].origin,
						sizeof(d->excl.e[i].origin)) < 0)
				snprintf(d->excl.e[i].origin, sizeof(d->excl.e[i].origin), "/");
	}
	free(text);
}

static bool kernel_ok(struct fx_excl *x)
{
	struct utsname u;

	if (uname(&u) == 0 && fx_excl_kernel_ok(u.release))
		return true;
	snprintf(x->unavailable, sizeof(x->unavailable),
		 "Linux %s cannot match sockets by their cgroup in nftables (5.13 or newer can)", u.release);
	return false;
}

/* Takes over the groups a previous fexynd left: the kernel kept them, and
 * their processes, and the firewall's set still names them. */
static void adopt_groups(struct fx_daemon *d)
{
	char names[FX_MAX_EXCLUDED][FX_CGROUP_GROUP_MAX];
	int n = fx_cgroup_groups(&d->excl.dir, names, FX_MAX_EXCLUDED);

	for (int i = 0; i < n; i++) {
		struct fx_exclusion *e = &d->excl.e[d->excl.n];

		if (fx_cgroup_group_id(&d->excl.dir, names[i], &e->id) < 0)
			continue;
		memcpy(e->group, names[i], sizeof(e->group));
		snprintf(e->origin, sizeof(e->origin), "/");
		d->excl.n++;
	}
	load_origins(d);
	sync_ids(&d->excl);
	if (d->excl.n)
		log_info("exclusions: %zu taken over from %s/%s", d->excl.n, d->excl.dir.mount,
			 d->excl.dir.name);
}

/* The directory is made by the first exclusion, not before: a machine
 * that never excludes anything gets no cgroup. */
void fx_excl_start(struct fx_daemon *d)
{
	struct fx_excl *x = &d->excl;
	struct fx_err err = { 0 };
	int r;

	if (!kernel_ok(x))
		return;
	r = fx_cgroup_dir_open(&x->dir, d->cfg.exclusion_cgroup, false, &err);
	if (r < 0 && r != -ENOENT) {
		snprintf(x->unavailable, sizeof(x->unavailable), "%s", err.msg);
		log_warn("split tunnelling is not available: %s", err.msg);
		return;
	}
	x->available = true;
	if (r == 0)
		adopt_groups(d);
}

/* The directory, made if it is not there yet. */
static int dir_ready(struct fx_daemon *d, struct fx_err *err)
{
	if (d->excl.dir.dir_fd >= 0)
		return 0;
	return fx_cgroup_dir_open(&d->excl.dir, d->cfg.exclusion_cgroup, true, err);
}

static void end_group(struct fx_excl *x, const struct fx_exclusion *e)
{
	int r = fx_cgroup_group_end(&x->dir, e->group, e->origin);

	if (r < 0)
		log_warn("exclusion %s: cannot be removed: %s (it is out of the firewall)", e->group,
			 strerror(-r));
}

/* Ends the exclusions whose index is marked in end[]: out of the firewall
 * first, then emptied. A firewall that cannot be changed ends nothing. */
static int end_some(struct fx_daemon *d, const bool *end, struct fx_err *err)
{
	struct fx_exclusion *gone = malloc(FX_MAX_EXCLUDED * sizeof(*gone));
	size_t n_gone = 0, keep = 0;
	int r;

	if (!gone)
		return fx_err_set(err, "out of memory"), -ENOMEM;
	for (size_t i = 0; i < d->excl.n; i++) {
		if (end[i])
			gone[n_gone++] = d->excl.e[i];
		else
			d->excl.e[keep++] = d->excl.e[i];
	}
	d->excl.n = keep;
	r = n_gone ? commit(d) : 0;
	if (r < 0) {
		fx_err_set(err, "the firewall cannot be changed: %s", d->m.apply_error);
		/* Still excluded, as the firewall (blocked, with them) says. */
		for (size_t i = 0; i < n_gone; i++)
			d->excl.e[d->excl.n++] = gone[i];
		sync_ids(&d->excl);
	} else {
		for (size_t i = 0; i < n_gone; i++)
			end_group(&d->excl, &gone[i]);
		save_origins(d);
	}
	free(gone);
	return r;
}

/* Exclusions whose processes have all exited: nothing left to exclude. */
static void prune(struct fx_daemon *d)
{
	bool end[FX_MAX_EXCLUDED] = { false }, any = false;
	struct fx_err err = { 0 };
	pid_t pid;

	for (size_t i = 0; i < d->excl.n; i++) {
		end[i] = fx_cgroup_members(&d->excl.dir, d->excl.e[i].group, &pid, 1) == 0;
		any |= end[i];
	}
	if (any && end_some(d, end, &err) < 0)
		log_warn("ended exclusions stay in the firewall: %s", err.msg);
}

int fx_excl_clear(struct fx_daemon *d, struct fx_err *err)
{
	bool end[FX_MAX_EXCLUDED];

	for (size_t i = 0; i < FX_MAX_EXCLUDED; i++)
		end[i] = true;
	if (!d->excl.n)
		return 0;
	log_info("exclusions: clearing %zu", d->excl.n);
	return end_some(d, end, err);
}

/* What fexynd knows of the process a request names, read through the
 * /proc/PID directory the client opened and passed. */
struct target {
	pid_t pid;
	int dirfd;
	struct fx_excl_target t;
	char cgroup[256];
};

static int parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > 0x3fffffff)
		return -EINVAL;
	*pid = (pid_t)v;
	return 0;
}

static int read_target(const struct fx_request *req, struct target *tg, struct fx_err *err)
{
	char text[PROC_TEXT_MAX];
	size_t len;
	int r;

	if (req->n_args != 1 || strcmp(req->args[0].key, "pid") != 0 || parse_pid(req->args[0].value, &tg->pid) < 0)
		return fx_err_set(err, "expected pid=PID (a positive number)");
	if (req->n_fds != 1)
		return fx_err_set(err, "expected the /proc/%d directory with the request", (int)tg->pid);
	tg->dirfd = req->fds[0];
	tg->t.pid = tg->pid;
	r = fx_proc_read_at(tg->dirfd, "status", text, sizeof(text), &len);
	if (r < 0)
		return fx_err_set(err, "PID %d: %s", (int)tg->pid, r == -ESRCH ? "no such process" : strerror(-r)), r;
	if (fx_proc_status_parse(text, len, &tg->t.st, err) < 0)
		return fx_err_prefix(err, -EINVAL, "PID %d: /proc/%d/status: ", (int)tg->pid, (int)tg->pid);
	if (tg->t.st.pid != tg->pid)
		return fx_err_set(err, "the directory sent is PID %d's, not PID %d's", (int)tg->t.st.pid,
				  (int)tg->pid);
	r = fx_proc_read_at(tg->dirfd, "stat", text, sizeof(text), &len);
	if (r < 0 || fx_proc_stat_kthread(text, len, &tg->t.kthread, err) < 0)
		return fx_err_set(err, "PID %d: cannot read /proc/%d/stat", (int)tg->pid, (int)tg->pid);
	tg->t.daemon_family = tg->pid == getpid() || tg->t.st.ppid == getpid();
	r = fx_proc_read_at(tg->dirfd, "cgroup", text, sizeof(text), &len);
	if (r < 0)
		return fx_err_set(err, "PID %d: cannot read /proc/%d/cgroup", (int)tg->pid, (int)tg->pid);
	return fx_cgroup_v2_path(text, len, tg->cgroup, sizeof(tg->cgroup), err) < 0
		       ? fx_err_prefix(err, -EINVAL, "PID %d: ", (int)tg->pid)
		       : 0;
}

static int check_target(const struct fx_request *req, const struct target *tg, struct fx_err *err)
{
	struct fx_excl_caller who = { .uid = req->uid, .root = req->uid == 0, .member = req->privileged };

	return fx_excl_check(&who, &tg->t, err);
}

/* The exclusion a process is in, by its cgroup's path; -1 if none. */
static int exclusion_of(const struct fx_excl *x, const char *cgroup)
{
	const char *group;

	if (x->dir.dir_fd < 0 || !fx_cgroup_under(cgroup, x->dir.name, &group))
		return -1;
	for (size_t i = 0; i < x->n; i++) {
		size_t n = strlen(x->e[i].group);

		if (strncmp(group, x->e[i].group, n) == 0 && (group[n] == '\0' || group[n] == '/'))
			return (int)i;
	}
	return -1;
}

static bool in_our_dir(const struct fx_excl *x, const char *cgroup)
{
	const char *group;

	return x->dir.dir_fd >= 0 && fx_cgroup_under(cgroup, x->dir.name, &group);
}

static bool usable(struct fx_daemon *d, const char *verb, struct fx_reply *reply)
{
	if (d->excl.available)
		return true;
	fx_reply_error(reply, "%s: split tunnelling is not available: %s", verb, d->excl.unavailable);
	return false;
}

/* The process is the one named still: its directory reads, as that PID. */
static bool still_there(const struct target *tg)
{
	struct fx_proc_status st;
	char text[PROC_TEXT_MAX];
	size_t len;

	return fx_proc_read_at(tg->dirfd, "status", text, sizeof(text), &len) == 0 &&
	       fx_proc_status_parse(text, len, &st, NULL) == 0 && st.pid == tg->pid;
}

/* The group is new and in the firewall: the process goes in. Between the
 * check and the move the process may have exited and its PID gone to
 * another: read again through its directory after the move, and undo. */
static int move_in(struct fx_daemon *d, const struct target *tg, struct fx_err *err)
{
	struct fx_exclusion *e = &d->excl.e[d->excl.n - 1];
	bool end[FX_MAX_EXCLUDED] = { false };
	struct fx_err ignored;
	int r = fx_cgroup_move_to_group(&d->excl.dir, e->group, tg->pid);

	if (r == 0 && still_there(tg))
		return 0;
	if (r == 0)
		r = -ESRCH;
	fx_err_set(err, "PID %d could not be moved: %s", (int)tg->pid,
		   r == -ESRCH ? "it exited" : strerror(-r));
	end[d->excl.n - 1] = true;
	end_some(d, end, &ignored);
	return r;
}

void fx_cmd_exclude_add(struct fx_daemon *d, const struct fx_request *req, struct fx_reply *reply)
{
	struct fx_err err = { 0 };
	struct fx_exclusion *e;
	struct target tg = { 0 };
	int i, r;

	if (!usable(d, "exclude", reply))
		return;
	if (read_target(req, &tg, &err) < 0 || check_target(req, &tg, &err) < 0 ||
	    dir_ready(d, &err) < 0) {
		fx_reply_error(reply, "exclude: %s", err.msg);
		return;
	}
	prune(d);
	i = exclusion_of(&d->excl, tg.cgroup);
	if (i >= 0 || in_our_dir(&d->excl, tg.cgroup)) {
		fx_reply_error(reply, "exclude: PID %d is excluded already (exclusion %s)", (int)tg.pid,
			       i >= 0 ? d->excl.e[i].group : "?");
		return;
	}
	if (d->excl.n == FX_MAX_EXCLUDED) {
		fx_reply_error(reply, "exclude: %d exclusions already, the most there can be", FX_MAX_EXCLUDED);
		return;
	}
	e = &d->excl.e[d->excl.n];
	r = fx_cgroup_group_make(&d->excl.dir, e->group, &e->id);
	if (r < 0) {
		fx_reply_error(reply, "exclude: cannot make a cgroup in %s/%s: %s", d->excl.dir.mount,
			       d->excl.dir.name, strerror(-r));
		return;
	}
	snprintf(e->origin, sizeof(e->origin), "%s", tg.cgroup);
	d->excl.n++;
	if (commit(d) < 0) {
		bool end[FX_MAX_EXCLUDED] = { false };

		fx_reply_error(reply, "exclude: the firewall cannot be changed: %s", d->m.apply_error);
		end[d->excl.n - 1] = true;
		end_some(d, end, &err);
		return;
	}
	if (move_in(d, &tg, &err) < 0) {
		fx_reply_error(reply, "exclude: %s", err.msg);
		return;
	}
	save_origins(d);
	log_info("exclusion %s (cgroup id %llu): PID %d, for uid %u", e->group, (unsigned long long)e->id,
		 (int)tg.pid, (unsigned)req->uid);
	fx_reply_line(reply, "exclusion=%s", e->group);
	fx_reply_line(reply, "pid=%d", (int)tg.pid);
}

void fx_cmd_exclude_remove(struct fx_daemon *d, const struct fx_request *req, struct fx_reply *reply)
{
	bool end[FX_MAX_EXCLUDED] = { false };
	struct fx_err err = { 0 };
	struct target tg = { 0 };
	int i;

	if (!usable(d, "exclude remove", reply))
		return;
	if (read_target(req, &tg, &err) < 0 || check_target(req, &tg, &err) < 0) {
		fx_reply_error(reply, "exclude remove: %s", err.msg);
		return;
	}
	i = exclusion_of(&d->excl, tg.cgroup);
	if (i < 0) {
		fx_reply_error(reply, "exclude remove: PID %d is not excluded", (int)tg.pid);
		return;
	}
	end[i] = true;
	log_info("exclusion %s: ended by uid %u (PID %d)", d->excl.e[i].group, (unsigned)req->uid,
		 (int)tg.pid);
	if (end_some(d, end, &err) < 0) {
		fx_reply_error(reply, "exclude remove: %s", err.msg);
		return;
	}
	fx_reply_line(reply, "pid=%d", (int)tg.pid);
}

void fx_cmd_exclude_clear(struct fx_daemon *d, const struct fx_request *req, struct fx_reply *reply)
{
	struct fx_err err = { 0 };

	if (req->n_args) {
		fx_reply_error(reply, "exclude clear: unexpected argument '%.40s'", req->args[0].key);
		return;
	}
	if (fx_excl_clear(d, &err) < 0)
		fx_reply_error(reply, "exclude clear: %s", err.msg);
}

/* Open to everyone, so it changes nothing: an exclusion whose processes
 * have all exited shows with none until a change prunes it. */
void fx_cmd_exclude_list(struct fx_daemon *d, const struct fx_request *req, struct fx_reply *reply)
{
	pid_t *pids;

	if (req->n_args) {
		fx_reply_error(reply, "exclude list: unexpected argument '%.40s'", req->args[0].key);
		return;
	}
	fx_reply_line(reply, "available=%s", d->excl.available ? "yes" : "no");
	if (!d->excl.available) {
		fx_reply_line(reply, "reason=%s", d->excl.unavailable);
		return;
	}
	pids = malloc(MEMBERS_MAX * sizeof(*pids));
	if (!pids) {
		fx_reply_error(reply, "exclude list: out of memory");
		return;
	}
	fx_reply_line(reply, "cgroup=%s/%s", d->excl.dir.mount, d->cfg.exclusion_cgroup);
	for (size_t i = 0; i < d->excl.n; i++) {
		const struct fx_exclusion *e = &d->excl.e[i];
		int n = fx_cgroup_members(&d->excl.dir, e->group, pids, MEMBERS_MAX);

		fx_reply_line(reply, "exclusion=%s", e->group);
		for (int k = 0; k < n; k++)
			fx_reply_line(reply, "pid=%d", (int)pids[k]);
	}
	free(pids);
}
