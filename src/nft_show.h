/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The live ruleset as nft text, for `fexyn rules`: nft(8) is the one
 * faithful printer of kernel expressions, so the daemon runs
 * `nft list table inet fexyn` and returns what the kernel holds.
 */
#include <stddef.h>

/* Returns 0 with a malloc'd NUL-terminated text; -ENOENT when there is no
 * table, -ENOPKG when nft(8) is not installed. */
int fx_nft_show(char **text, size_t *len);
