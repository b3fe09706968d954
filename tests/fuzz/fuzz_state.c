/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guard state file (/var/lib/fexyn/state): read by a root daemon at
 * start, after whatever happened to the disk. A file it accepts must
 * format and parse back to the same text, or a restart would change what
 * is guarded.
 */
#include <errno.h>

#include "fuzz.h"
#include "guard.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[16384], again[16384];
	struct fx_err err = { { 0 } };
	struct fx_guard g, back;

	if (fx_state_parse_text((const char *)data, size, &g, &err) < 0) {
		fuzz_check_message(err.msg, sizeof(err.msg));
		return 0;
	}
	FUZZ_CHECK(g.tunnel[0] && g.n_endpoints > 0);
	FUZZ_CHECK(g.n_endpoints <= FX_MAX_ENDPOINTS && g.n_resolvers <= FX_MAX_RESOLVERS);
	FUZZ_CHECK(fx_state_format(&g, text, sizeof(text)) == 0);
	FUZZ_CHECK(fx_state_parse_text(text, strlen(text), &back, &err) == 0);
	FUZZ_CHECK(fx_state_format(&back, again, sizeof(again)) == 0);
	FUZZ_CHECK(strcmp(text, again) == 0);
	return 0;
}
