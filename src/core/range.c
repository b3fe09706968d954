/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "range.h"

#include <errno.h>
#include <string.h>

int fx_addr_cmp(const struct fx_addr *a, const struct fx_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, fx_addr_len(a));
}

bool fx_addr_next(struct fx_addr *a)
{
	for (size_t i = fx_addr_len(a); i-- > 0;)
		if (++a->bytes[i] != 0)
			return true;
	return false; /* wrapped to all zeros */
}

bool fx_addr_prev(struct fx_addr *a)
{
	for (size_t i = fx_addr_len(a); i-- > 0;)
		if (a->bytes[i]-- != 0)
			return true;
	return false;
}

void fx_range_of_prefix(const struct fx_prefix *p, struct fx_range *out)
{
	size_t alen = fx_addr_len(&p->addr);

	out->lo = out->hi = p->addr;
	for (size_t bit = p->len; bit < alen * 8; bit++) {
		uint8_t m = (uint8_t)(0x80 >> (bit % 8));

		out->lo.bytes[bit / 8] &= (uint8_t)~m;
		out->hi.bytes[bit / 8] |= m;
	}
}

bool fx_range_contains(const struct fx_range *r, const struct fx_addr *a)
{
	return a->family == r->lo.family && fx_addr_cmp(&r->lo, a) <= 0 && fx_addr_cmp(a, &r->hi) <= 0;
}

bool fx_range_overlaps(const struct fx_range *a, const struct fx_range *b)
{
	return a->lo.family == b->lo.family && fx_addr_cmp(&a->lo, &b->hi) <= 0 &&
	       fx_addr_cmp(&b->lo, &a->hi) <= 0;
}

/* What is left of r around cut: up to two pieces, below and above it. */
static size_t pieces_around(const struct fx_range *r, const struct fx_range *cut, struct fx_range out[2])
{
	size_t n = 0;

	if (fx_addr_cmp(&r->lo, &cut->lo) < 0) {
		out[n] = *r;
		out[n].hi = cut->lo;
		fx_addr_prev(&out[n++].hi); /* cut->lo > r->lo: no wrap */
	}
	if (fx_addr_cmp(&cut->hi, &r->hi) < 0) {
		out[n] = *r;
		out[n].lo = cut->hi;
		fx_addr_next(&out[n++].lo); /* cut->hi < r->hi: no wrap */
	}
	return n;
}

int fx_ranges_subtract(struct fx_range *v, size_t *n, size_t cap, const struct fx_range *cut)
{
	size_t grown = 0;

	for (size_t i = 0; i < *n; i++)
		if (fx_range_overlaps(&v[i], cut) && fx_addr_cmp(&v[i].lo, &cut->lo) < 0 &&
		    fx_addr_cmp(&cut->hi, &v[i].hi) < 0)
			grown++;
	if (*n + grown > cap)
		return -E2BIG;
	for (size_t i = 0; i < *n;) {
		struct fx_range piece[2];
		size_t k;

		if (!fx_range_overlaps(&v[i], cut)) {
			i++;
			continue;
		}
		k = pieces_around(&v[i], cut, piece);
		if (k == 0) {
			memmove(&v[i], &v[i + 1], (*n - i - 1) * sizeof(*v));
			(*n)--;
			continue;
		}
		v[i] = piece[0];
		if (k == 2) {
			memmove(&v[i + 2], &v[i + 1], (*n - i - 1) * sizeof(*v));
			v[i + 1] = piece[1];
			(*n)++;
		}
		i += k;
	}
	return 0;
}
