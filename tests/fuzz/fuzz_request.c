/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Control-socket lines: anything a local client writes to fexynd. The
 * request parser must split any line into a verb and key=value words
 * without reading past it; the words then go through the guard parser, as
 * fexynd's "guard" verb does, and a guard it accepts must survive the trip
 * through its own wire and disk formats unchanged (the restarted daemon
 * reinstalls exactly what was asked for).
 */
#include <errno.h>

#include "fuzz.h"
#include "guard.h"
#include "ipc.h"
#include "state.h"

static void check_words(const struct fx_request *req)
{
	FUZZ_CHECK(req->verb && req->verb[0] && !strchr(req->verb, ' '));
	FUZZ_CHECK(req->n_args <= FX_IPC_MAX_ARGS);
	for (size_t i = 0; i < req->n_args; i++) {
		FUZZ_CHECK(req->args[i].key[0] != '\0');
		FUZZ_CHECK(!strchr(req->args[i].key, '=') && !strchr(req->args[i].key, ' '));
		FUZZ_CHECK(!strchr(req->args[i].value, ' '));
	}
}

/* The daemon's parse_guard (daemon_cmd.c), without the daemon. */
static int guard_from(const struct fx_request *req, struct fx_guard *g, struct fx_err *err)
{
	memset(g, 0, sizeof(*g));
	for (size_t i = 0; i < req->n_args; i++) {
		int r = fx_guard_set(g, req->args[i].key, req->args[i].value, err);

		if (r < 0) {
			fuzz_check_message(err->msg, sizeof(err->msg));
			return r;
		}
	}
	return fx_guard_check(g, err);
}

/* Wire: "guard WORDS" parses back to the same guard; disk: the state file too. */
static void check_round_trip(const struct fx_guard *g, struct fx_request *req)
{
	static char line[FX_IPC_MAX_LINE + 64], words[FX_IPC_MAX_LINE], again[FX_IPC_MAX_LINE];
	static char file[16384];
	struct fx_guard back;
	struct fx_err err = { { 0 } };
	int n;

	FUZZ_CHECK(fx_guard_format(g, ' ', words, sizeof(words)) == 0);
	n = snprintf(line, sizeof(line), "guard %s", words);
	if ((size_t)n >= FX_IPC_MAX_LINE)
		return; /* a guard the line limit cannot carry is refused by the client */
	FUZZ_CHECK(fx_request_parse(line, (size_t)n, req, &err) == 0);
	FUZZ_CHECK(guard_from(req, &back, &err) == 0);
	FUZZ_CHECK(fx_guard_format(&back, ' ', again, sizeof(again)) == 0);
	FUZZ_CHECK(strcmp(words, again) == 0);

	FUZZ_CHECK(fx_state_format(g, file, sizeof(file)) == 0);
	FUZZ_CHECK(fx_state_parse_text(file, strlen(file), &back, &err) == 0);
	FUZZ_CHECK(fx_guard_format(&back, ' ', again, sizeof(again)) == 0);
	FUZZ_CHECK(strcmp(words, again) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fx_request req;
	struct fx_err err = { { 0 } };
	struct fx_guard g;

	if (fx_request_parse((const char *)data, size, &req, &err) < 0) {
		fuzz_check_message(err.msg, sizeof(err.msg));
		return 0;
	}
	check_words(&req);
	if (guard_from(&req, &g, &err) == 0)
		check_round_trip(&g, &req);
	return 0;
}
