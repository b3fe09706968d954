/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fexyn disconnect: stop guarding and remove the firewall; the one way,
 * with reset, that fexyn opens the machine again. */
#include "cli.h"

int fx_cli_disconnect(const struct fx_cli *cli, int argc, char **argv)
{
	return fx_cli_simple(cli, "disconnect", argc, argv, true);
}
