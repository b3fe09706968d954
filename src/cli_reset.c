/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fexyn reset: remove everything fexyn put in place, whatever its state. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int cmd_reset(const struct fx_cli *cli, int argc, char **argv)
{
	char *reply, *body;
	int r;

	if (argc > 1)
		return fx_cli_usage_error("reset", "unexpected argument '%s'", argv[1]);
	r = fx_cli_call(cli, "reset", &reply, &body);
	if (r != FX_EXIT_OK)
		return r;
	fx_cli_print_status(body, false);
	free(reply);
	return FX_EXIT_OK;
}
