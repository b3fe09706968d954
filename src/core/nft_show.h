/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The live ruleset as nft text, for `fexyn rules`: nft(8) is the one
 * faithful printer of kernel expressions, so the daemon runs
 * `nft list table inet fexyn` and returns what the kernel holds.
 *
 * Any user may ask, so the program runs as the daemon would want any
 * helper to: by an absolute path, with a fixed minimal environment (not
 * fexynd's), the default signal mask and dispositions, stdin from
 * /dev/null, and within a deadline, so that a hung nft cannot stall the
 * daemon's event loop.
 */
#include <stddef.h>

#define FX_NFT_SHOW_TIMEOUT_MS 2000

/*
 * Runs nft_path and returns 0 with a malloc'd NUL-terminated text in *text;
 * on failure *text is NULL (nothing to free) and the result is -ENOENT when
 * there is no table, -ENOPKG when nft_path cannot be run, -ETIMEDOUT when
 * nft did not finish within timeout_ms (it is killed and reaped), -EFBIG
 * when its output is too long, -EIO when it failed otherwise.
 */
int fx_nft_show(const char *nft_path, int timeout_ms, char **text, size_t *len);
