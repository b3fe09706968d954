/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who may exclude which process from the tunnel: one row per decision. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "exclude.h"

static const struct fx_excl_caller root = { .uid = 0, .root = true };
static const struct fx_excl_caller member = { .uid = 1000, .member = true };
static const struct fx_excl_caller stranger = { .uid = 1001 };

/* A process of user uid, the whole of it. */
static struct fx_excl_target process_of(pid_t pid, uid_t uid)
{
	struct fx_excl_target t = { .pid = pid };

	t.st.tgid = pid;
	t.st.ppid = 1;
	for (size_t i = 0; i < 4; i++)
		t.st.uid[i] = uid;
	return t;
}

static void expect(const struct fx_excl_caller *who, const struct fx_excl_target *t, int want,
		   const char *needle)
{
	struct fx_err err = { 0 };
	int r = fx_excl_check(who, t, &err);

	assert_int_equal(r, want);
	if (needle && !strstr(err.msg, needle))
		fail_msg("'%s' does not say '%s'", err.msg, needle);
}

static void root_may_move_any_process(void **state)
{
	struct fx_excl_target t = process_of(4242, 1000);

	(void)state;
	expect(&root, &t, 0, NULL);
	t = process_of(4243, 0);
	expect(&root, &t, 0, NULL);
}

static void a_member_may_move_only_what_is_wholly_theirs(void **state)
{
	struct fx_excl_target t = process_of(4242, 1000);

	(void)state;
	expect(&member, &t, 0, NULL);
	t = process_of(4243, 1001);
	expect(&member, &t, -EPERM, "PID 4243 is not wholly yours");
	/* A set-uid program they started: effective and saved ids are root's. */
	t = process_of(4244, 1000);
	t.st.uid[1] = t.st.uid[2] = 0;
	expect(&member, &t, -EPERM, "user ids 1000 0 0 1000; yours: 1000");
	t = process_of(4245, 1000);
	t.st.uid[3] = 0; /* only the file system id differs */
	expect(&member, &t, -EPERM, "not wholly yours");
}

static void others_may_move_nothing(void **state)
{
	struct fx_excl_target t = process_of(4242, 1001);

	(void)state;
	expect(&stranger, &t, -EPERM, "needs root or membership in group fexyn");
}

static void init_kernel_threads_threads_and_fexynd_are_refused_even_to_root(void **state)
{
	struct fx_excl_target t = process_of(1, 0);

	(void)state;
	expect(&root, &t, -EPERM, "PID 1 (init)");
	t = process_of(45, 0);
	t.kthread = true;
	expect(&root, &t, -EINVAL, "PID 45 is a kernel thread");
	t = process_of(4250, 1000);
	t.st.tgid = 4242;
	expect(&root, &t, -EINVAL, "PID 4250 is a thread of process 4242");
	expect(&member, &t, -EINVAL, "thread");
	t = process_of(777, 0);
	t.daemon_family = true;
	expect(&root, &t, -EPERM, "PID 777 is fexynd or a process it started");
}

static void sockets_match_by_cgroup_from_linux_5_13(void **state)
{
	(void)state;
	assert_true(fx_excl_kernel_ok("5.13.0"));
	assert_true(fx_excl_kernel_ok("6.1.0-28-amd64"));
	assert_true(fx_excl_kernel_ok("10.0"));
	assert_false(fx_excl_kernel_ok("5.12.19"));
	assert_false(fx_excl_kernel_ok("4.19.0-27-amd64"));
	assert_false(fx_excl_kernel_ok("6"));
	assert_false(fx_excl_kernel_ok(""));
}

static int origin_of(const char *text, const char *group, char *out, size_t outlen)
{
	return fx_excl_origin_find(text, strlen(text), group, out, outlen);
}

static void origins_are_found_by_group(void **state)
{
	static const char text[] = "1\t/user.slice/user-1000.slice/session-2.scope\n"
				   "12\t/system.slice/a b.service\n"
				   "2\t/\n";
	char out[64];

	(void)state;
	assert_int_equal(origin_of(text, "12", out, sizeof(out)), 0);
	assert_string_equal(out, "/system.slice/a b.service");
	assert_int_equal(origin_of(text, "1", out, sizeof(out)), 0);
	assert_string_equal(out, "/user.slice/user-1000.slice/session-2.scope");
	assert_int_equal(origin_of(text, "2", out, sizeof(out)), 0);
	assert_string_equal(out, "/");
	assert_int_equal(origin_of(text, "3", out, sizeof(out)), -ENOENT);
	assert_int_equal(origin_of("", "1", out, sizeof(out)), -ENOENT);
	/* Damaged lines name nothing fexyn will open. */
	assert_int_equal(origin_of("1\trelative\n", "1", out, sizeof(out)), -EINVAL);
	assert_int_equal(origin_of(text, "1", out, 8), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sockets_match_by_cgroup_from_linux_5_13),
		cmocka_unit_test(origins_are_found_by_group),
		cmocka_unit_test(root_may_move_any_process),
		cmocka_unit_test(a_member_may_move_only_what_is_wholly_theirs),
		cmocka_unit_test(others_may_move_nothing),
		cmocka_unit_test(init_kernel_threads_threads_and_fexynd_are_refused_even_to_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
