/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fexyn reset [--state-dir DIR] [--exclusion-cgroup NAME]: remove everything
 * fexyn put in place. With the daemon running, it does the work. Without it
 * — crashed, stopped — the kernel keeps the orphaned table blocking, so
 * reset removes the table, ends the exclusions and removes the saved state
 * itself: nobody is locked out of their own machine.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_fs.h"
#include "cli.h"
#include "conn_state.h"
#include "dns.h"
#include "exclude.h"
#include "resolved.h"
#include "ipc.h"
#include "nft.h"
#include "policy.h"
#include "link.h"
#include "route.h"
#include "settings.h"
#include "state.h"
#include "wg_uapi.h"

#define DEFAULT_STATE_DIR "/var/lib/fexyn"

/*
 * The tunnel fexyn connect left: its process, interface, routes and rules,
 * exactly as the saved state recorded them when they were made (the config
 * file may have changed or gone since), and the link only if it is still
 * the one fexynd made.
 */
static void remove_made(struct fx_tunnel_made *t)
{
	if (fx_tunnel_made_remove(t) == -EPERM)
		fprintf(stderr, "fexyn reset: %s is not the link fexynd made: left alone\n", t->ifname);
	else
		printf("removed the tunnel %s\n", t->ifname);
}

static void remove_tunnel(const char *state_dir)
{
	struct fx_conn_saved *s = malloc(sizeof(*s));
	struct fx_err err = { 0 };

	if (fx_dns_restore(state_dir) < 0 || fx_resolved_restore(state_dir) < 0)
		fprintf(stderr, "fexyn reset: cannot restore the resolver configuration kept in %s\n",
			state_dir);
	if (!s || fx_conn_state_load(state_dir, s, &err) <= 0) {
		if (err.msg[0])
			fprintf(stderr, "fexyn reset: %s; no tunnel removed\n", err.msg);
		fx_conn_configs_remove(state_dir, 0);
		free(s);
		return;
	}
	if (fx_route_plan_undo(&s->plan) < 0)
		fprintf(stderr, "fexyn reset: a route or rule of %s could not be removed\n", s->tun.ifname);
	remove_made(&s->tun);
	if (s->has_standby)
		remove_made(&s->standby);
	if (s->restore_src_valid_mark)
		fx_src_valid_mark_set(false);
	fx_conn_state_remove(state_dir);
	fx_conn_configs_remove(state_dir, 0); /* fexynd's copies: each holds a private key */
	free(s);
}

/* Lockdown goes off, or the next fexynd would block again at once; a
 * damaged settings file is set aside, never overwritten. */
static int lockdown_off(const char *state_dir)
{
	struct fx_settings s;
	struct fx_err err = { 0 };
	int r = fx_settings_load(state_dir, &s, &err);

	if (r == 0 || (r > 0 && !s.lockdown))
		return 0;
	if (r < 0) {
		r = fx_file_set_aside(state_dir, FX_SETTINGS_FILE);
		fx_settings_default(&s);
	}
	s.lockdown = false;
	return r < 0 ? r : fx_settings_save(state_dir, &s);
}

/*
 * The exclusions a stopped fexynd left: the firewall is gone already, so
 * their processes can go back where the origins file says they came from.
 * No cgroup v2, or no directory: nothing was excluded.
 */
static void end_exclusions(const char *state_dir, const char *cgroup)
{
	char names[FX_MAX_EXCLUDED][FX_CGROUP_GROUP_MAX], path[512], origin[256], *text = malloc(64 * 1024);
	struct fx_cgroup_dir dir;
	struct fx_err err = { 0 };
	size_t len = 0;
	int n;

	snprintf(path, sizeof(path), "%s/%s", state_dir, FX_EXCL_ORIGINS_FILE);
	if (!text || fx_file_read(path, text, 64 * 1024, &len) < 0)
		len = 0;
	if (fx_cgroup_dir_open(&dir, cgroup, false, &err) < 0) {
		free(text);
		return;
	}
	n = fx_cgroup_groups(&dir, names, FX_MAX_EXCLUDED);
	for (int i = 0; i < n; i++) {
		if (fx_excl_origin_find(text, len, names[i], origin, sizeof(origin)) < 0)
			snprintf(origin, sizeof(origin), "/");
		if (fx_cgroup_group_end(&dir, names[i], origin) < 0)
			fprintf(stderr, "fexyn reset: exclusion %s could not be ended\n", names[i]);
		else
			printf("ended exclusion %s: its processes are back in %s\n", names[i], origin);
	}
	fx_cgroup_dir_close(&dir);
	fx_file_remove(state_dir, FX_EXCL_ORIGINS_FILE);
	free(text);
}

static int reset_without_daemon(const char *state_dir, const char *cgroup)
{
	struct fx_err err = { 0 };
	int r;

	if (geteuid() != 0) {
		fprintf(stderr, "fexyn reset: fexynd is not running, and removing its firewall without "
				"it needs root\n");
		return FX_EXIT_FAIL;
	}
	remove_tunnel(state_dir);
	r = fx_nft_delete_table_once(&err);

	if (r == -EPERM) {
		fprintf(stderr, "fexyn reset: table inet fexyn belongs to a running fexynd that does not "
				"answer on this socket; use its --socket, or stop it first\n");
		return FX_EXIT_FAIL;
	}
	if (r < 0) {
		fprintf(stderr, "fexyn reset: cannot remove table inet fexyn: %s\n", err.msg);
		return FX_EXIT_FAIL;
	}
	end_exclusions(state_dir, cgroup);
	r = fx_state_remove(state_dir);
	if (r == 0)
		r = lockdown_off(state_dir);
	if (r < 0) {
		fprintf(stderr, "fexyn reset: removed the firewall, but not the saved state in %s: %s\n",
			state_dir, strerror(-r));
		return FX_EXIT_FAIL;
	}
	printf("fexynd is not running: removed table inet fexyn and the saved state in %s; "
	       "lockdown is off\n", state_dir);
	return FX_EXIT_OK;
}

static int parse(int argc, char **argv, const char **state_dir, const char **cgroup)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--state-dir") == 0 && i + 1 < argc)
			*state_dir = argv[++i];
		else if (strcmp(argv[i], "--exclusion-cgroup") == 0 && i + 1 < argc)
			*cgroup = argv[++i];
		else
			return fx_cli_usage_error("reset", "unexpected argument '%s'", argv[i]);
	}
	return FX_EXIT_OK;
}

int fx_cli_reset(const struct fx_cli *cli, int argc, char **argv)
{
	const char *state_dir = DEFAULT_STATE_DIR, *cgroup = FX_EXCLUSION_CGROUP;
	char *reply = NULL, *body;
	struct fx_err err = { 0 };
	size_t len;
	int r = parse(argc, argv, &state_dir, &cgroup);

	if (r != FX_EXIT_OK)
		return r;
	r = fx_ipc_call(cli->socket_path, "reset", &reply, &len);
	if (r == -ENOENT || r == -ECONNREFUSED)
		return reset_without_daemon(state_dir, cgroup);
	if (r < 0) {
		fprintf(stderr, "fexyn reset: cannot reach fexynd at %s: %s\n", cli->socket_path,
			strerror(-r));
		return FX_EXIT_FAIL;
	}
	r = fx_reply_split(reply, &body, &err);
	if (r < 0)
		fprintf(stderr, "fexyn reset: %s\n", err.msg);
	else
		fx_cli_print_status(body, false);
	free(reply);
	return r < 0 ? FX_EXIT_FAIL : FX_EXIT_OK;
}
