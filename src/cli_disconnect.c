/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fexyn disconnect: stop guarding and remove the firewall; the one way,
 * with reset, that fexyn opens the machine again. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int cmd_disconnect(const struct fx_cli *cli, int argc, char **argv)
{
	char *reply, *body;
	int r;

	if (argc > 1)
		return fx_cli_usage_error("disconnect", "unexpected argument '%s'", argv[1]);
	r = fx_cli_call(cli, "disconnect", &reply, &body);
	if (r != FX_EXIT_OK)
		return r;
	fx_cli_print_status(body, false);
	free(reply);
	return FX_EXIT_OK;
}
