/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fexyn events [--json]: the state now, then one line per change, until
 * fexynd goes away or the reader does. For status bars and scripts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ipc.h"

/* An event's fields are tab-separated key=value pairs. */
static void print_event(char *line, bool json)
{
	for (char *p = line; *p; p++)
		if (*p == '\t')
			*p = json ? '\n' : ' ';
	if (json) {
		fx_cli_print_status(line, true);
	} else {
		puts(line);
	}
	fflush(stdout);
}

int fx_cli_events(const struct fx_cli *cli, int argc, char **argv)
{
	bool json = argc == 2 && strcmp(argv[1], "--json") == 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *in;
	int fd;

	if (argc > 2 || (argc == 2 && !json))
		return fx_cli_usage_error("events", "unexpected argument '%s'", argv[1]);
	fd = fx_ipc_open(cli->socket_path, "events");
	if (fd < 0) {
		fprintf(stderr, "fexyn: cannot reach fexynd at %s: %s\n", cli->socket_path, strerror(-fd));
		return FX_EXIT_FAIL;
	}
	in = fdopen(fd, "r");
	if (!in) {
		close(fd);
		return FX_EXIT_FAIL;
	}
	n = getline(&line, &cap, in);
	if (n <= 0 || strcmp(line, "ok\n") != 0) {
		fprintf(stderr, "fexyn events: %s", n > 0 ? line : "fexynd closed the connection\n");
		free(line);
		fclose(in);
		return FX_EXIT_FAIL;
	}
	while ((n = getline(&line, &cap, in)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		print_event(line, json);
	}
	free(line);
	fclose(in);
	fprintf(stderr, "fexyn events: fexynd closed the connection\n");
	return FX_EXIT_FAIL;
}
