/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fexyn connect [--interface NAME] [--backend auto|kernel|userspace]
 *               [--no-standby | --switch-back] [--wait SECONDS | --no-wait]
 *               CONFIG [CONFIG ...]
 *
 * Brings up a WireGuard tunnel from wg-quick files, the firewall first.
 * Each file is opened here, with the caller's own rights, and checked, so a
 * mistake is reported with its file, line and key before the daemon is
 * asked for anything; then the open file itself goes to fexynd, which
 * never opens a path for a client (a config the caller cannot read is one
 * fexynd will not read for it). With several configs, fexynd keeps the
 * next one's tunnel up beside the current one (the hot standby; not with
 * --no-standby) and moves to it when a server stops answering.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "conn_state.h"
#include "ipc.h"
#include "wgconf.h"

#define DEFAULT_WAIT_S 20

struct connect_args {
	const char *ifname, *backend;
	bool no_standby, switch_back;
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
		{ "no-standby", no_argument, NULL, 's' },
		{ "switch-back", no_argument, NULL, 'B' },
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
		else if (c == 's')
			a->no_standby = true;
		else if (c == 'B')
			a->switch_back = true;
		else if (c == '?' || c == ':')
			return fx_cli_usage_error("connect", "unknown option or missing value: '%s'",
						  argv[optind - 1]);
	}
	if (a->no_standby && a->switch_back)
		return fx_cli_usage_error("connect", "--switch-back switches to a standby: not with --no-standby");
	if (optind == argc)
		return fx_cli_usage_error("connect", "name at least one wg-quick config file");
	if (argc - optind > FX_MAX_CONFIGS)
		return fx_cli_usage_error("connect", "at most %d config files", FX_MAX_CONFIGS);
	a->first_config = optind;
	return FX_EXIT_OK;
}

/* Opens and checks path, and names it in the request by its absolute path
 * (encoded: a word of the protocol has no spaces); the open file is what
 * fexynd reads. */
static int add_config(char *request, size_t len, const char *path, int *fd)
{
	struct fx_wg_config *cfg = malloc(sizeof(*cfg));
	struct fx_err err = { 0 };
	char abs[PATH_MAX], word[FX_CONF_PATH_MAX * 3];
	size_t n = 0;
	char *text = NULL;
	int r;

	*fd = -1;
	if (!cfg)
		return fprintf(stderr, "fexyn connect: out of memory\n"), FX_EXIT_FAIL;
	/* O_NONBLOCK: a FIFO does not hang us before the regular-file check. */
	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	r = *fd < 0 ? -errno : fx_wgconf_read_fd(*fd, path, &text, &n, &err);
	if (*fd < 0)
		fx_err_set(&err, "%s: %s", path, strerror(-r));
	if (r == 0) {
		r = fx_wgconf_parse(path, text, n, cfg, &err);
		fx_wipe(text, FX_WG_CONF_MAX_SIZE + 1);
		free(text);
	}
	fx_wgconf_wipe(cfg);
	free(cfg);
	if (r < 0)
		return fprintf(stderr, "fexyn connect: %s\n", err.msg), FX_EXIT_FAIL;
	if (!realpath(path, abs))
		return fprintf(stderr, "fexyn connect: %s: %s\n", path, strerror(errno)), FX_EXIT_FAIL;
	if (strlen(abs) >= FX_CONF_PATH_MAX || fx_ipc_encode(abs, word, sizeof(word)) < 0 ||
	    strlen(request) + strlen(word) + 9 >= len)
		return fprintf(stderr, "fexyn connect: %s: path too long\n", abs), FX_EXIT_FAIL;
	strcat(request, " config=");
	strcat(request, word);
	return FX_EXIT_OK;
}

/* The value of key in an event line (tab-separated key=value fields). */
static const char *event_value(const char *line, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);

	buf[0] = '\0';
	for (const char *f = line; f; f = strchr(f, '\t'), f = f ? f + 1 : NULL) {
		if (strncmp(f, key, klen) == 0 && f[klen] == '=') {
			size_t n = strcspn(f + klen + 1, "\t\n");

			snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), f + klen + 1);
			break;
		}
	}
	return buf;
}

static void print_event_status(char *line)
{
	for (char *p = line; *p; p++)
		if (*p == '\t')
			*p = '\n';
	fx_cli_print_status(line, false);
}

/* Reads one line (without its newline) from fd into buf, waiting until
 * deadline_ms of CLOCK_MONOTONIC; 0 with a line, -ETIMEDOUT, or -errno. */
static int read_line(int fd, char *buf, size_t cap, size_t *have, uint64_t deadline_ms)
{
	for (;;) {
		char *nl = memchr(buf, '\n', *have);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now = fx_now_ms();
		ssize_t n;

		if (nl)
			return 0;
		if (*have == cap - 1)
			return -EMSGSIZE;
		if (now >= deadline_ms)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)(deadline_ms - now)) == 0)
			return -ETIMEDOUT;
		n = read(fd, buf + *have, cap - 1 - *have);
		if (n <= 0)
			return n < 0 ? -errno : -ECONNRESET;
		*have += (size_t)n;
	}
}

/* Drops the first line from buf, returning it NUL-terminated in line. */
static void take_line(char *buf, size_t *have, char *line, size_t len)
{
	char *nl = memchr(buf, '\n', *have);
	size_t n = (size_t)(nl - buf);

	snprintf(line, len, "%.*s", (int)(n < len ? n : len - 1), buf);
	memmove(buf, nl + 1, *have - n - 1);
	*have -= n + 1;
}

/* Follows fexynd's events until the tunnel carries traffic or the wait is
 * over: no polling, so the command returns the moment it is connected. */
static int wait_connected(const struct fx_cli *cli, long wait_s)
{
	char buf[8192] = "", line[8192] = "", state[32], why[640];
	uint64_t deadline = fx_now_ms() + (uint64_t)wait_s * 1000;
	size_t have = 0;
	int fd = fx_ipc_open(cli->socket_path, "events"), r;

	if (fd < 0) {
		fprintf(stderr, "fexyn: cannot reach fexynd at %s: %s\n", cli->socket_path, strerror(-fd));
		return FX_EXIT_FAIL;
	}
	r = read_line(fd, buf, sizeof(buf), &have, deadline);
	if (r == 0) {
		take_line(buf, &have, state, sizeof(state));
		r = strcmp(state, "ok") == 0 ? 0 : -EPROTO;
	}
	state[0] = '\0';
	while (r == 0 && strcmp(state, "connected") != 0) {
		r = read_line(fd, buf, sizeof(buf), &have, deadline);
		if (r == 0) {
			take_line(buf, &have, line, sizeof(line));
			event_value(line, "state", state, sizeof(state));
		}
	}
	close(fd);
	if (r == -ETIMEDOUT || (r == 0 && line[0])) {
		event_value(line, "last_error", why, sizeof(why));
		if (r < 0)
			fprintf(stderr, "fexyn connect: not connected after %ld s (%s)%s%s; "
					"the firewall stays closed ('fexyn disconnect' gives up)\n",
				wait_s, state[0] ? state : "unknown", why[0] ? ": " : "", why);
		print_event_status(line);
		return r == 0 ? FX_EXIT_OK : FX_EXIT_FAIL;
	}
	fprintf(stderr, "fexyn connect: lost fexynd while waiting: %s\n", strerror(-r));
	return FX_EXIT_FAIL;
}

int fx_cli_connect(const struct fx_cli *cli, int argc, char **argv)
{
	struct connect_args a = { 0 };
	char request[FX_IPC_MAX_LINE] = "connect";
	int fds[FX_MAX_CONFIGS];
	size_t n_fds = 0;
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
	if (a.no_standby)
		snprintf(request + strlen(request), sizeof(request) - strlen(request), " standby=no");
	if (a.switch_back)
		snprintf(request + strlen(request), sizeof(request) - strlen(request), " switch_back=yes");
	for (int i = a.first_config; r == FX_EXIT_OK && i < argc; i++)
		r = add_config(request, sizeof(request), argv[i], &fds[n_fds++]);
	if (r == FX_EXIT_OK)
		r = fx_cli_call_fds(cli, request, fds, n_fds, &reply, &body);
	for (size_t i = 0; i < n_fds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (r != FX_EXIT_OK)
		return r;
	if (a.wait_s == 0)
		fx_cli_print_status(body, false);
	free(reply);
	return a.wait_s ? wait_connected(cli, a.wait_s) : FX_EXIT_OK;
}
