/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fexyn: the command-line client of fexynd. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ipc.h"

static int show_help(const struct fx_cli *cli, int argc, char **argv);

static const struct {
	const char *name;
	int (*fn)(const struct fx_cli *cli, int argc, char **argv);
	const char *args;
	const char *help;
} verbs[] = {
	{ "connect", fx_cli_connect,
	  "[--interface NAME] [--backend auto|kernel|userspace] [--no-standby | --switch-back] [--wait S | --no-wait] CONFIG [CONFIG ...]",
	  "bring up WireGuard from wg-quick files, firewall first; several: round robin when one dies" },
	{ "guard", fx_cli_guard,
	  "--tunnel IFACE --endpoint ADDR:PORT[/udp|/tcp] [--endpoint ...] [--fwmark MARK] [--dns ADDR ...]\n"
	  "      [--address PREFIX ...] [--route PREFIX ...]",
	  "block everything outside the tunnel IFACE but its packets to the endpoints" },
	{ "status", fx_cli_status, "[--json]", "show the state, tunnel, endpoints and the live table" },
	{ "rules", fx_cli_rules, "", "show the live firewall rules (nft syntax)" },
	{ "events", fx_cli_events, "[--json]", "print the state now and a line per change (for status bars)" },
	{ "lockdown", fx_cli_lockdown, "on|off",
	  "block all traffic whenever no tunnel is up, across restarts and reboots (default off)" },
	{ "killswitch", fx_cli_killswitch, "on|off",
	  "off: tunnels run without firewall rules (default on)" },
	{ "lan", fx_cli_lan, "allow|block", "let the local network through (private ranges; default allow)" },
	{ "exclude", fx_cli_exclude, "run [--] COMMAND [ARGS...] | add PID | remove PID | list | clear",
	  "split tunnelling: chosen programs use the real connection, all else stays in the tunnel" },
	{ "disconnect", fx_cli_disconnect, "[--keep-exclusions | --clear-exclusions]",
	  "stop guarding and remove the firewall (excluded programs stay excluded unless cleared)" },
	{ "reset", fx_cli_reset, "[--state-dir DIR] [--exclusion-cgroup NAME]",
	  "remove everything fexyn put in place, even with fexynd stopped" },
	{ "help", show_help, "", "show this help" },
};

static int show_help(const struct fx_cli *cli, int argc, char **argv)
{
	(void)cli, (void)argc, (void)argv;
	printf("Usage: fexyn [--socket PATH] COMMAND [ARGS]\n\n"
	       "A VPN kill switch in the kernel's firewall. Commands:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		printf("  %s%s%s\n      %s\n", verbs[i].name, *verbs[i].args ? " " : "", verbs[i].args,
		       verbs[i].help);
	printf("\nThe socket defaults to $FEXYN_SOCKET, else " FX_DEFAULT_SOCKET ".\n"
	       "Exit status: 0 done, 1 refused or failed, 2 usage error.\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct fx_cli cli = { .socket_path = getenv("FEXYN_SOCKET") };
	int i = 1;

	if (!cli.socket_path || !*cli.socket_path)
		cli.socket_path = FX_DEFAULT_SOCKET;
	while (i < argc && argv[i][0] == '-') {
		if ((strcmp(argv[i], "--socket") == 0 || strcmp(argv[i], "-s") == 0) && i + 1 < argc) {
			cli.socket_path = argv[i + 1];
			i += 2;
		} else if (strncmp(argv[i], "--socket=", 9) == 0) {
			cli.socket_path = argv[i] + 9;
			i++;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			return show_help(&cli, 0, NULL);
		} else {
			fprintf(stderr, "fexyn: unknown option '%s'\nTry 'fexyn help'.\n", argv[i]);
			return FX_EXIT_USAGE;
		}
	}
	if (i == argc) {
		show_help(&cli, 0, NULL);
		return FX_EXIT_USAGE;
	}
	for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++)
		if (strcmp(argv[i], verbs[v].name) == 0)
			return verbs[v].fn(&cli, argc - i, argv + i);
	fprintf(stderr, "fexyn: unknown command '%s'\nTry 'fexyn help'.\n", argv[i]);
	return FX_EXIT_USAGE;
}
