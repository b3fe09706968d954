/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Address ranges: prefixes as ranges, and holes cut out of them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "range.h"

static struct fx_range range_of(const char *prefix)
{
	struct fx_prefix p;
	struct fx_range r;

	assert_int_equal(fx_prefix_parse(prefix, &p, NULL), 0);
	fx_range_of_prefix(&p, &r);
	return r;
}

static void assert_range(const struct fx_range *r, const char *lo, const char *hi)
{
	char text[INET6_ADDRSTRLEN];

	fx_addr_format(&r->lo, text, sizeof(text));
	assert_string_equal(text, lo);
	fx_addr_format(&r->hi, text, sizeof(text));
	assert_string_equal(text, hi);
}

static void a_prefix_is_a_range_whatever_its_host_bits(void **state)
{
	struct fx_range r = range_of("10.66.0.2/24");

	(void)state;
	assert_range(&r, "10.66.0.0", "10.66.0.255");
	r = range_of("fe80::1/10");
	assert_range(&r, "fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	r = range_of("0.0.0.0/0");
	assert_range(&r, "0.0.0.0", "255.255.255.255");
}

static void next_and_prev_stop_at_the_ends(void **state)
{
	struct fx_range r = range_of("255.255.255.255/32");
	struct fx_addr a = r.lo;

	(void)state;
	assert_false(fx_addr_next(&a));
	a = range_of("0.0.0.0/32").lo;
	assert_false(fx_addr_prev(&a));
	a = range_of("10.0.0.255/32").lo;
	assert_true(fx_addr_next(&a));
	assert_range(&(struct fx_range){ a, a }, "10.0.1.0", "10.0.1.0");
}

static void a_cut_in_the_middle_splits(void **state)
{
	struct fx_range v[4] = { range_of("10.0.0.0/8") };
	struct fx_range cut = range_of("10.66.0.0/24");
	size_t n = 1;

	(void)state;
	assert_int_equal(fx_ranges_subtract(v, &n, 4, &cut), 0);
	assert_int_equal(n, 2);
	assert_range(&v[0], "10.0.0.0", "10.65.255.255");
	assert_range(&v[1], "10.66.1.0", "10.255.255.255");
	cut = range_of("10.0.0.0/32");
	assert_int_equal(fx_ranges_subtract(v, &n, 4, &cut), 0);
	assert_int_equal(n, 2);
	assert_range(&v[0], "10.0.0.1", "10.65.255.255");
}

static void a_cut_at_an_edge_or_over_all_of_it(void **state)
{
	struct fx_range v[4] = { range_of("192.168.0.0/16"), range_of("fc00::/7") };
	struct fx_range cut = range_of("192.168.255.0/24");
	size_t n = 2;

	(void)state;
	assert_int_equal(fx_ranges_subtract(v, &n, 4, &cut), 0);
	assert_int_equal(n, 2);
	assert_range(&v[0], "192.168.0.0", "192.168.254.255");
	cut = range_of("192.0.0.0/8");
	assert_int_equal(fx_ranges_subtract(v, &n, 4, &cut), 0);
	assert_int_equal(n, 1);
	/* The other family is left alone. */
	assert_range(&v[0], "fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

static void a_split_that_does_not_fit_changes_nothing(void **state)
{
	struct fx_range v[1] = { range_of("10.0.0.0/8") };
	struct fx_range cut = range_of("10.1.0.0/16");
	size_t n = 1;

	(void)state;
	assert_int_equal(fx_ranges_subtract(v, &n, 1, &cut), -E2BIG);
	assert_int_equal(n, 1);
	assert_range(&v[0], "10.0.0.0", "10.255.255.255");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_prefix_is_a_range_whatever_its_host_bits),
		cmocka_unit_test(next_and_prev_stop_at_the_ends),
		cmocka_unit_test(a_cut_in_the_middle_splits),
		cmocka_unit_test(a_cut_at_an_edge_or_over_all_of_it),
		cmocka_unit_test(a_split_that_does_not_fit_changes_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
