/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * For scripts/static-analysis.sh only: force-included (-include) into the
 * unit tests when clang-tidy analyses them, never compiled into a test.
 *
 * To clang's analyser, cmocka's assertions are functions that return, so it
 * follows every path past a failed one and reports what happens there: the
 * NULL that assert_non_null had just ruled out, the array that
 * assert_int_equal(list(...), 2) had just shown to be filled. At run time a
 * failed assertion leaves the test (cmocka longjmps out). Here each one is
 * an expression that aborts when it fails, so the analyser sees that too.
 */
#pragma once
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define FX_HOLDS(cond) ((cond) ? (void)0 : abort())

#define _assert_true(r, expr, file, line) FX_HOLDS(r)
#define _assert_int_equal(a, b, file, line) FX_HOLDS((a) == (b))
#define _assert_int_not_equal(a, b, file, line) FX_HOLDS((a) != (b))
#define _assert_in_range(v, lo, hi, file, line) FX_HOLDS((v) >= (lo) && (v) <= (hi))
#define _assert_string_equal(a, b, file, line) FX_HOLDS((a) && (b) && strcmp((a), (b)) == 0)
#define _assert_string_not_equal(a, b, file, line) \
	FX_HOLDS((a) && (b) && strcmp((a), (b)) != 0)
#define _assert_memory_equal(a, b, n, file, line) FX_HOLDS(memcmp((a), (b), (n)) == 0)
#define _fail(file, line) abort()
