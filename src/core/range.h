/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Address ranges, for the LAN sets: the private ranges minus whatever
 * belongs to the tunnel (its addresses, its DNS servers, the prefixes its
 * AllowedIPs route into it). A prefix is a range; a range with a hole cut
 * out of it is two ranges; nftables interval sets hold ranges directly.
 */
#include <stdbool.h>
#include <stddef.h>

#include "addr.h"

/* lo..hi, both included, one family. */
struct fx_range {
	struct fx_addr lo, hi;
};

/* Orders two addresses of one family as unsigned big-endian numbers. */
int fx_addr_cmp(const struct fx_addr *a, const struct fx_addr *b);
/* The next (previous) address; false when it would wrap around. */
bool fx_addr_next(struct fx_addr *a);
bool fx_addr_prev(struct fx_addr *a);

void fx_range_of_prefix(const struct fx_prefix *p, struct fx_range *out);
bool fx_range_contains(const struct fx_range *r, const struct fx_addr *a);
bool fx_range_overlaps(const struct fx_range *a, const struct fx_range *b);

/*
 * Takes cut out of the n ranges in v (capacity cap), splitting where it
 * falls inside one. Ranges of the other family are left alone. Returns 0,
 * or -E2BIG (v unchanged) when the result would not fit.
 */
int fx_ranges_subtract(struct fx_range *v, size_t *n, size_t cap, const struct fx_range *cut);
