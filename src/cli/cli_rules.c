/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fexyn rules: the live ruleset, as the kernel holds it, in nft's words. */
#include "cli.h"

int fx_cli_rules(const struct fx_cli *cli, int argc, char **argv)
{
	return fx_cli_simple(cli, "rules", argc, argv, false);
}
