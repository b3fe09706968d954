/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"

int fx_cli_call(const struct fx_cli *cli, const char *request, char **reply, char **body)
{
	return fx_cli_call_fds(cli, request, NULL, 0, reply, body);
}

int fx_cli_call_fds(const struct fx_cli *cli, const char *request, const int *fds, size_t n_fds,
		    char **reply, char **body)
{
	struct fx_err err = { 0 };
	size_t len;
	int r = fx_ipc_call_fds(cli->socket_path, request, fds, n_fds, reply, &len);

	if (r < 0) {
		fprintf(stderr, "fexyn: cannot reach fexynd at %s: %s%s\n", cli->socket_path,
			strerror(-r),
			r == -ENOENT || r == -ECONNREFUSED ? " (is fexynd running?)" : "");
		return FX_EXIT_FAIL;
	}
	r = fx_reply_split(*reply, body, &err);
	if (r < 0) {
		fprintf(stderr, "fexyn: %s\n", err.msg);
		free(*reply);
		*reply = NULL;
		return FX_EXIT_FAIL;
	}
	return FX_EXIT_OK;
}

int fx_cli_usage_error(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fexyn %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'fexyn help'.\n");
	return FX_EXIT_USAGE;
}

int fx_cli_simple(const struct fx_cli *cli, const char *verb, int argc, char **argv, bool as_status)
{
	char *reply, *body;
	int r;

	if (argc > 1)
		return fx_cli_usage_error(verb, "unexpected argument '%s'", argv[1]);
	r = fx_cli_call(cli, verb, &reply, &body);
	if (r != FX_EXIT_OK)
		return r;
	if (as_status)
		fx_cli_print_status(body, false);
	else
		fputs(body, stdout);
	free(reply);
	return FX_EXIT_OK;
}
