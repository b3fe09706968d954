/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fexyn lockdown on|off, fexyn killswitch on|off, fexyn lan allow|block:
 * the settings fexynd keeps across restarts and reboots.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int set_one(const struct fx_cli *cli, const char *verb, const char *on, const char *off,
		   int argc, char **argv)
{
	char request[64];
	char *reply, *body;
	int r;

	if (argc != 2 || (strcmp(argv[1], on) != 0 && strcmp(argv[1], off) != 0))
		return fx_cli_usage_error(verb, "say %s or %s", on, off);
	snprintf(request, sizeof(request), "set %s=%s", verb, argv[1]);
	r = fx_cli_call(cli, request, &reply, &body);
	if (r != FX_EXIT_OK)
		return r;
	fx_cli_print_status(body, false);
	free(reply);
	return FX_EXIT_OK;
}

int fx_cli_lockdown(const struct fx_cli *cli, int argc, char **argv)
{
	return set_one(cli, "lockdown", "on", "off", argc, argv);
}

int fx_cli_killswitch(const struct fx_cli *cli, int argc, char **argv)
{
	return set_one(cli, "killswitch", "on", "off", argc, argv);
}

int fx_cli_lan(const struct fx_cli *cli, int argc, char **argv)
{
	return set_one(cli, "lan", "allow", "block", argc, argv);
}
