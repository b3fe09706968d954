/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The fexyn command line: shared pieces of the verbs. */
#include <stdbool.h>
#include <stddef.h>

/* Exit codes: done, refused or failed, usage error. */
enum { FX_EXIT_OK = 0, FX_EXIT_FAIL = 1, FX_EXIT_USAGE = 2 };

struct fx_cli {
	const char *socket_path;
};

/* Sends request, prints any error to stderr, and on success hands back the
 * reply body (malloc'd, in *reply; free it). Returns an exit code. */
int fx_cli_call(const struct fx_cli *cli, const char *request, char **reply, char **body);
/* The same, with open files passed along (fexyn connect's configs). */
int fx_cli_call_fds(const struct fx_cli *cli, const char *request, const int *fds, size_t n_fds,
		    char **reply, char **body);

int fx_cli_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A verb that takes no arguments: sends it, prints the reply body as a
 * status (as_status) or verbatim. Returns an exit code. */
int fx_cli_simple(const struct fx_cli *cli, const char *verb, int argc, char **argv, bool as_status);

/* Prints a status body as text or JSON. */
void fx_cli_print_status(char *body, bool json);

int fx_cli_lockdown(const struct fx_cli *cli, int argc, char **argv);
int fx_cli_killswitch(const struct fx_cli *cli, int argc, char **argv);
int fx_cli_lan(const struct fx_cli *cli, int argc, char **argv);
int fx_cli_events(const struct fx_cli *cli, int argc, char **argv);
int fx_cli_connect(const struct fx_cli *cli, int argc, char **argv);
int fx_cli_guard(const struct fx_cli *cli, int argc, char **argv);
int fx_cli_status(const struct fx_cli *cli, int argc, char **argv);
int fx_cli_rules(const struct fx_cli *cli, int argc, char **argv);
int fx_cli_disconnect(const struct fx_cli *cli, int argc, char **argv);
int fx_cli_reset(const struct fx_cli *cli, int argc, char **argv);
int fx_cli_exclude(const struct fx_cli *cli, int argc, char **argv);
