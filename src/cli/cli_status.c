/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fexyn status [--json]: what the kill switch is doing, read from the daemon
 * and, for the table, from the kernel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static bool is_list_key(const char *key)
{
	static const char *const lists[] = { "endpoint", "dns", "address", "link_address", "route" };

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (strcmp(key, lists[i]) == 0)
			return true;
	return false;
}

static bool is_number_key(const char *key)
{
	return strcmp(key, "since") == 0 || strcmp(key, "fwmark") == 0 ||
	       strcmp(key, "daemon_pid") == 0 || strcmp(key, "switches") == 0 ||
	       strcmp(key, "switched_at") == 0;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Repeated keys become arrays; the body lists them on consecutive lines. */
static void print_json(char *body)
{
	const char *prev = NULL;
	bool in_list = false, first = true;
	char *save = NULL;

	putchar('{');
	for (char *line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (!eq)
			continue;
		*eq = '\0';
		if (in_list && prev && strcmp(prev, line) == 0) {
			putchar(',');
			json_string(eq + 1);
			continue;
		}
		if (in_list)
			putchar(']');
		printf("%s", first ? "" : ",");
		first = false;
		json_string(line);
		putchar(':');
		in_list = is_list_key(line);
		if (in_list)
			putchar('[');
		if (is_number_key(line) && strspn(eq + 1, "0123456789") == strlen(eq + 1) && eq[1])
			fputs(eq + 1, stdout);
		else
			json_string(eq + 1);
		prev = line;
	}
	if (in_list)
		putchar(']');
	puts("}");
}

static void print_text(char *body)
{
	char *save = NULL;

	for (char *line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (!eq)
			continue;
		*eq = '\0';
		if (strcmp(line, "since") == 0) {
			time_t t = (time_t)strtoll(eq + 1, NULL, 10);
			char when[64];

			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", localtime(&t));
			printf("%-12s %s (%llds ago)\n", "since:", when, (long long)(time(NULL) - t));
			continue;
		}
		printf("%s:%*s %s\n", line, (int)(11 - strlen(line) > 0 ? 11 - strlen(line) : 0), "",
		       eq + 1);
	}
}

void fx_cli_print_status(char *body, bool json)
{
	if (json)
		print_json(body);
	else
		print_text(body);
}

int fx_cli_status(const struct fx_cli *cli, int argc, char **argv)
{
	bool json = false;
	char *reply, *body;
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else
			return fx_cli_usage_error("status", "unknown option '%s'", argv[i]);
	}
	r = fx_cli_call(cli, "status", &reply, &body);
	if (r != FX_EXIT_OK)
		return r;
	fx_cli_print_status(body, json);
	free(reply);
	return FX_EXIT_OK;
}
