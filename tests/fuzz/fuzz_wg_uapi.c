/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wireguard-go's replies to "get=1" on its UAPI socket: another program's
 * output, read by the root daemon once a second. The parser must take any
 * bytes, and say "malformed" or pass on the reply's errno, nothing else.
 */
#include <errno.h>

#include "fuzz.h"
#include "wg_uapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fx_wg_status st;
	int r = fx_wg_uapi_parse_get((const char *)data, size, &st);

	/* 0, or a negative errno as the reply gave it (capped at 4095), or -EBADMSG. */
	FUZZ_CHECK(r <= 0 && r >= -4095);
	if (r < 0)
		return 0;
	/* A handshake time is only ever reported with a handshake. */
	FUZZ_CHECK(st.handshake || st.last_handshake == 0);
	return 0;
}
