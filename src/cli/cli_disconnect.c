/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fexyn disconnect [--keep-exclusions | --clear-exclusions]: stop guarding
 * and remove the firewall; the one way, with reset, that fexyn opens the
 * machine again. Excluded programs stay excluded by default (they use the
 * real connection either way, until the next connect); --clear-exclusions
 * ends the exclusions first.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int fx_cli_disconnect(const struct fx_cli *cli, int argc, char **argv)
{
	const char *request = "disconnect";
	char *reply, *body;
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--keep-exclusions") == 0)
			request = "disconnect exclusions=keep";
		else if (strcmp(argv[i], "--clear-exclusions") == 0)
			request = "disconnect exclusions=clear";
		else
			return fx_cli_usage_error("disconnect", "unexpected argument '%s'", argv[i]);
	}
	r = fx_cli_call(cli, request, &reply, &body);
	if (r != FX_EXIT_OK)
		return r;
	fx_cli_print_status(body, false);
	free(reply);
	return FX_EXIT_OK;
}
