/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "resolved.h"
#include "child.h"
#include "state.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ARGS (FX_WG_MAX_DNS + FX_WG_MAX_SEARCH + 8)

bool fx_resolved_manages(const char *resolv_conf)
{
	char target[PATH_MAX];
	ssize_t n = readlink(resolv_conf, target, sizeof(target) - 1);

	if (n < 0)
		return false;
	target[n] = '\0';
	return strstr(target, "/run/systemd/resolve/") != NULL;
}

/* Runs prog with argv and waits; its output goes to fexynd's log. */
static int run(char *const argv[])
{
	pid_t pid;
	int r = fx_child_spawn(argv[0], argv, NULL, -1, &pid);

	return r < 0 ? r : fx_child_wait(pid);
}

int fx_resolved_apply(const char *prog, const char *state_dir, const char *ifname,
		      const struct fx_wg_config *cfg)
{
	char addrs[FX_WG_MAX_DNS][INET6_ADDRSTRLEN], record[PATH_MAX + IFNAMSIZ + 2];
	char *argv[MAX_ARGS];
	size_t n = 0;
	int r;

	if (cfg->n_dns == 0)
		return 0;
	snprintf(record, sizeof(record), "%s\n%s\n", prog, ifname);
	r = fx_file_save(state_dir, FX_RESOLVED_RECORD, record);
	if (r < 0)
		return r;
	argv[n++] = (char *)prog;
	argv[n++] = "dns";
	argv[n++] = (char *)ifname;
	for (size_t i = 0; i < cfg->n_dns; i++) {
		fx_addr_format(&cfg->dns[i], addrs[i], sizeof(addrs[i]));
		argv[n++] = addrs[i];
	}
	argv[n] = NULL;
	r = run(argv);
	/* "~." routes every lookup to this link, not only its search domains. */
	n = 3;
	argv[1] = "domain";
	argv[n++] = "~.";
	for (size_t i = 0; i < cfg->n_search; i++)
		argv[n++] = (char *)cfg->search[i];
	argv[n] = NULL;
	if (r == 0)
		r = run(argv);
	if (r == 0)
		r = run((char *[]){ (char *)prog, "default-route", (char *)ifname, "yes", NULL });
	return r;
}

int fx_resolved_restore(const char *state_dir)
{
	char path[PATH_MAX], record[PATH_MAX + IFNAMSIZ + 2];
	char *prog, *ifname, *save = NULL;
	size_t len = 0;
	int r;

	snprintf(path, sizeof(path), "%s/%s", state_dir, FX_RESOLVED_RECORD);
	r = fx_file_read(path, record, sizeof(record), &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	record[len] = '\0';
	prog = strtok_r(record, "\n", &save);
	ifname = strtok_r(NULL, "\n", &save);
	if (!prog || !ifname)
		return -EBADMSG;
	/* A link that is already gone took its settings with it. */
	run((char *[]){ prog, "revert", ifname, NULL });
	return fx_file_remove(state_dir, FX_RESOLVED_RECORD);
}
