/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The connect state file (/var/lib/fexyn/connect): what a restarted fexynd
 * resumes and what `fexyn reset` undoes, so it is read even when fexynd
 * is gone. A file it accepts must format and parse back to the same text.
 */
#include <errno.h>

#include "conn_state.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[65536], again[65536];
	static struct fx_conn_saved s, back;
	struct fx_err err = { { 0 } };

	if (fx_conn_state_parse((const char *)data, size, &s, &err) < 0) {
		fuzz_check_message(err.msg, sizeof(err.msg));
		return 0;
	}
	FUZZ_CHECK(s.ifname[0] && s.n_configs >= 1 && s.n_configs <= FX_MAX_CONFIGS);
	FUZZ_CHECK(s.current < s.n_configs);
	for (size_t c = 0; c < s.n_configs; c++)
		FUZZ_CHECK(s.paths[c][0] == '/' && memchr(s.paths[c], '\0', FX_CONF_PATH_MAX));
	FUZZ_CHECK(fx_conn_state_format(&s, text, sizeof(text)) == 0);
	FUZZ_CHECK(fx_conn_state_parse(text, strlen(text), &back, &err) == 0);
	FUZZ_CHECK(fx_conn_state_format(&back, again, sizeof(again)) == 0);
	FUZZ_CHECK(strcmp(text, again) == 0);
	return 0;
}
