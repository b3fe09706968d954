/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fexyn connect [--interface NAME] [--backend auto|kernel|userspace]
 *               [--wait SECONDS | --no-wait] CONFIG [CONFIG ...]
 *
 * Brings up a WireGuard tunnel from wg-quick files, the firewall first.
 * Each file is read and checked here first, so a mistake is reported with
 * its file, line and key before the daemon is asked for anything; then the
 * daemon reads them again itself, as root. With several configs, fexynd
 * moves round-robin to the next when a server stops answering.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "conn_state.h"
#include "ipc.h"
#include "wgconf.h"

#define DEFAULT_WAIT_S 20

struct connect_args {
	const char *ifname, *backend;
	long wait_s;
	int first_config;
};

static int parse(int argc, char **argv, struct connect_args *a)
{
	static const struct option opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "backend", required_argument, NULL, 'b' },
		{ "wait", required_argument, NULL, 'w' },
		{ "no-wait", no_argument, NULL, 'n' },
		{ 0 },
	};
	enum fx_backend b;
	struct fx_err err = { 0 };
	char *end;
	int c;

	optind = 1;
	opterr = 0;
	a->wait_s = DEFAULT_WAIT_S;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'i' && fx_ifname_check(optarg, &err) < 0)
			return fx_cli_usage_error("connect", "--interface: %s", err.msg);
		if (c == 'i')
			a->ifname = optarg;
		else if (c == 'b' && fx_backend_parse(optarg, &b) < 0)
			return fx_cli_usage_error("connect", "--backend: '%s' is not auto, kernel or userspace",
						  optarg);
		else if (c == 'b')
			a->backend = optarg;
		else if (c == 'w' && ((a->wait_s = strtol(optarg, &end, 10)) < 0 || *end || !*optarg ||
				      a->wait_s > 3600))
			return fx_cli_usage_error("connect", "--wait: '%s' is not 0 to 3600 seconds", optarg);
		else if (c == 'n')
			a->wait_s = 0;
		else if (c == '?' || c == ':')
			return fx_cli_usage_error("connect", "unknown option or missing value: '%s'",
						  argv[optind - 1]);
	}
	if (optind == argc)
		return fx_cli_usage_error("connect", "name at least one wg-quick config file");
	if (argc - optind > FX_MAX_CONFIGS)
		return fx_cli_usage_error("connect", "at most %d config files", FX_MAX_CONFIGS);
	a->first_config = optind;
	return FX_EXIT_OK;
}

/* The request names files by absolute path, one word each. */
static int add_config(char *request, size_t len, const char *path)
{
	struct fx_wg_config *cfg = malloc(sizeof(*cfg));
	struct fx_err err = { 0 };
	char abs[PATH_MAX];
	int r;

	if (!cfg)
		return fprintf(stderr, "fexyn connect: out of memory\n"), FX_EXIT_FAIL;
	r = fx_wgconf_load(path, cfg, &err);
	fx_wgconf_wipe(cfg);
	free(cfg);
	if (r < 0)
		return fprintf(stderr, "fexyn connect: %s\n", err.msg), FX_EXIT_FAIL;
	if (!realpath(path, abs))
		return fprintf(stderr, "fexyn connect: %s: %s\n", path, strerror(errno)), FX_EXIT_FAIL;
	for (const char *p = abs; *p; p++)
		if (*p <= ' ' || *p > '~')
			return fprintf(stderr, "fexyn connect: %s: the path may not contain spaces or "
					       "control characters\n", abs), FX_EXIT_FAIL;
	if (strlen(abs) >= FX_CONF_PATH_MAX || strlen(request) + strlen(abs) + 9 >= len)
		return fprintf(stderr, "fexyn connect: %s: path too long\n", abs), FX_EXIT_FAIL;
	strcat(request, " config=");
	strcat(request, abs);
	return FX_EXIT_OK;
}

static const char *status_value(const char *body, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);

	for (const char *line = body; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
			const char *v = line + klen + 1;
			size_t n = strcspn(v, "\n");

			snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), v);
			return buf;
		}
	}
	buf[0] = '\0';
	return buf;
}

/* Polls the daemon until the tunnel carries traffic or the wait is over. */
static int wait_connected(const struct fx_cli *cli, long wait_s)
{
	char state[32], why[640];
	char *reply = NULL, *body;

	for (long ms = 0;; ms += 100) {
		int r = fx_cli_call(cli, "status", &reply, &body);

		if (r != FX_EXIT_OK)
			return r;
		status_value(body, "state", state, sizeof(state));
		if (strcmp(state, "connected") == 0 || ms >= wait_s * 1000) {
			status_value(body, "last_error", why, sizeof(why));
			if (strcmp(state, "connected") != 0)
				fprintf(stderr, "fexyn connect: not connected after %ld s (%s)%s%s; "
						"the firewall stays closed ('fexyn disconnect' gives up)\n",
					wait_s, state, why[0] ? ": " : "", why);
			fx_cli_print_status(body, false);
			free(reply);
			return strcmp(state, "connected") == 0 ? FX_EXIT_OK : FX_EXIT_FAIL;
		}
		free(reply);
		poll(NULL, 0, 100);
	}
}

int cmd_connect(const struct fx_cli *cli, int argc, char **argv)
{
	struct connect_args a = { 0 };
	char request[FX_IPC_MAX_LINE] = "connect";
	char *reply, *body;
	int r = parse(argc, argv, &a);

	if (r != FX_EXIT_OK)
		return r;
	if (a.ifname)
		snprintf(request + strlen(request), sizeof(request) - strlen(request), " interface=%s",
			 a.ifname);
	if (a.backend)
		snprintf(request + strlen(request), sizeof(request) - strlen(request), " backend=%s",
			 a.backend);
	for (int i = a.first_config; i < argc; i++) {
		r = add_config(request, sizeof(request), argv[i]);
		if (r != FX_EXIT_OK)
			return r;
	}
	r = fx_cli_call(cli, request, &reply, &body);
	if (r != FX_EXIT_OK)
		return r;
	if (a.wait_s == 0)
		fx_cli_print_status(body, false);
	free(reply);
	return a.wait_s ? wait_connected(cli, a.wait_s) : FX_EXIT_OK;
}
