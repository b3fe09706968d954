/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fexyn rules: the live ruleset, as the kernel holds it, in nft's words. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int cmd_rules(const struct fx_cli *cli, int argc, char **argv)
{
	char *reply, *body;
	int r;

	if (argc > 1)
		return fx_cli_usage_error("rules", "unexpected argument '%s'", argv[1]);
	r = fx_cli_call(cli, "rules", &reply, &body);
	if (r != FX_EXIT_OK)
		return r;
	fputs(body, stdout);
	free(reply);
	return FX_EXIT_OK;
}
