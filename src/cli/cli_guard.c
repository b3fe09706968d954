/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fexyn guard --tunnel IFACE --endpoint ADDR:PORT[/udp|/tcp] ... : the kill
 * switch for a tunnel something else manages. --address names the tunnel's
 * own addresses (fexynd also reads them off the link), --route the private
 * prefixes it carries: neither may be reached around the tunnel. Arguments are checked here
 * with the daemon's own parsers, so mistakes are usage errors that name
 * the option, and the request carries only canonical text.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "guard.h"
#include "ipc.h"

static int parse(int argc, char **argv, struct fx_guard *g)
{
	static const struct option opts[] = {
		{ "tunnel", required_argument, NULL, 't' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "fwmark", required_argument, NULL, 'm' },
		{ "dns", required_argument, NULL, 'n' },
		{ "address", required_argument, NULL, 'a' },
		{ "route", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 },
	};
	struct fx_err err = { 0 };
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		const char *key = c == 't' ? "tunnel" : c == 'e' ? "endpoint" : c == 'm' ? "fwmark"
				: c == 'a' ? "address" : c == 'r' ? "route" : "dns";

		if (c == 'j')
			continue;
		if (c == '?' || c == ':')
			return fx_cli_usage_error("guard", "unknown option or missing value: '%s'",
						  argv[optind - 1]);
		if (fx_guard_set(g, key, optarg, &err) < 0)
			return fx_cli_usage_error("guard", "--%s", err.msg);
	}
	if (optind < argc)
		return fx_cli_usage_error("guard", "unexpected argument '%s'", argv[optind]);
	if (fx_guard_check(g, &err) < 0)
		return fx_cli_usage_error("guard", "--%s", err.msg);
	return FX_EXIT_OK;
}

static bool wants_json(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--json") == 0)
			return true;
	return false;
}

int fx_cli_guard(const struct fx_cli *cli, int argc, char **argv)
{
	struct fx_guard g = { 0 };
	char request[FX_IPC_MAX_LINE];
	char *reply, *body;
	int r = parse(argc, argv, &g);

	if (r != FX_EXIT_OK)
		return r;
	strcpy(request, "guard ");
	if (fx_guard_format(&g, ' ', request + 6, sizeof(request) - 6) < 0)
		return fx_cli_usage_error("guard", "too many arguments");
	r = fx_cli_call(cli, request, &reply, &body);
	if (r != FX_EXIT_OK)
		return r;
	fx_cli_print_status(body, wants_json(argc, argv));
	free(reply);
	return FX_EXIT_OK;
}
