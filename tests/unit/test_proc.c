/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/PID/status and /proc/PID/stat, as split tunnelling reads them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "proc.h"

static const char status_text[] =
	"Name:\tbash\n"
	"Umask:\t0022\n"
	"State:\tS (sleeping)\n"
	"Tgid:\t4242\n"
	"Ngid:\t0\n"
	"Pid:\t4243\n"
	"PPid:\t4000\n"
	"TracerPid:\t0\n"
	"Uid:\t1000\t1001\t1002\t1003\n"
	"Gid:\t100\t101\t102\t103\n"
	"FDSize:\t256\n";

static void status_gives_the_process_and_its_four_ids(void **state)
{
	struct fx_proc_status st;
	struct fx_err err = { 0 };

	(void)state;
	assert_int_equal(fx_proc_status_parse(status_text, strlen(status_text), &st, &err), 0);
	assert_int_equal(st.pid, 4243);
	assert_int_equal(st.tgid, 4242);
	assert_int_equal(st.ppid, 4000);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(st.uid[i], 1000 + i);
		assert_int_equal(st.gid[i], 100 + i);
	}
}

static void expect_status_error(const char *text, const char *needle)
{
	struct fx_proc_status st;
	struct fx_err err = { 0 };

	assert_true(fx_proc_status_parse(text, strlen(text), &st, &err) < 0);
	if (!strstr(err.msg, needle))
		fail_msg("'%s' does not say '%s'", err.msg, needle);
}

static void status_with_a_field_missing_or_bent_is_refused(void **state)
{
	(void)state;
	expect_status_error("Pid:\t1\nTgid:\t1\nPPid:\t0\nGid:\t0\t0\t0\t0\n", "no Uid line");
	expect_status_error("Pid:\t1\nTgid:\t1\nPPid:\t0\nUid:\t0\t0\t0\nGid:\t0\t0\t0\t0\n", "Uid: expected 4 numbers");
	expect_status_error("Pid:\t1\nTgid:\t1\nPPid:\t0\nUid:\t0\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n", "Uid: expected 4");
	expect_status_error("Pid:\t1\nTgid:\t-1\nPPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n", "Tgid: expected 1 number");
	expect_status_error("Pid:\t1\nTgid:\t0\nPPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n", "out of range");
	expect_status_error("Pid:\t1\nTgid:\t99999999999\nPPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n", "Tgid");
	/* A name cannot forge a line: it is on the Name line, escaped by the kernel. */
	expect_status_error("Name:\tx Tgid:\t5\nPid:\t1\nPPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n", "no Tgid line");
	expect_status_error("Tgid:\t1\nPPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n", "no Pid line");
	expect_status_error("Pid:\t0\nTgid:\t1\nPPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n", "out of range");
	expect_status_error("", "no Pid line");
}

static bool kthread_of(const char *text)
{
	struct fx_err err = { 0 };
	bool k = false;

	assert_int_equal(fx_proc_stat_kthread(text, strlen(text), &k, &err), 0);
	return k;
}

static void stat_tells_kernel_threads_by_their_flag(void **state)
{
	(void)state;
	/* kthreadd, a kworker and a shell, as 6.1 writes them (flags: field 9). */
	assert_true(kthread_of("2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 7 0\n"));
	assert_true(kthread_of("45 (kworker/1:1-events) I 2 0 0 0 -1 69238880 0 0 0 0\n"));
	assert_false(kthread_of("4242 (bash) S 4000 4242 4242 34816 4242 4194304 1097 0 0 0\n"));
	/* A name with spaces and parentheses of its own: counted from the last ')'. */
	assert_false(kthread_of("4242 (a) S 1 1 1 0 -1 2129984 (x) S 1 1 1 0 -1 4194560 0 0\n"));
	assert_true(kthread_of("7 (x) 1 2 3 4 -1 (y) S 1 1 1 0 -1 2097152 0\n"));
}

static void stat_without_its_fields_is_refused(void **state)
{
	struct fx_err err = { 0 };
	bool k;

	(void)state;
	assert_true(fx_proc_stat_kthread("42 bash S 1", 11, &k, &err) < 0);
	assert_non_null(strstr(err.msg, "no ')'"));
	assert_true(fx_proc_stat_kthread("42 (bash) S 1 1\n", 16, &k, &err) < 0);
	assert_non_null(strstr(err.msg, "no flags field"));
	assert_true(fx_proc_stat_kthread("42 (bash) S 1 1 1 0 -1 x1 0\n", 28, &k, &err) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(status_gives_the_process_and_its_four_ids),
		cmocka_unit_test(status_with_a_field_missing_or_bent_is_refused),
		cmocka_unit_test(stat_tells_kernel_threads_by_their_flag),
		cmocka_unit_test(stat_without_its_fields_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
