/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where the cgroup v2 hierarchy is mounted, from /proc/self/mountinfo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "cgroup.h"

static int mount_of(const char *mountinfo, char *out, size_t outlen, struct fx_err *err)
{
	memset(err, 0, sizeof(*err));
	return fx_cgroup2_mount(mountinfo, strlen(mountinfo), out, outlen, err);
}

static void a_unified_system_has_it_at_sys_fs_cgroup(void **state)
{
	static const char mi[] =
		"22 28 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
		"25 22 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 "
		"rw,nsdelegate,memory_recursiveprot\n";
	struct fx_err err;
	char out[256];

	(void)state;
	assert_int_equal(mount_of(mi, out, sizeof(out), &err), 0);
	assert_string_equal(out, "/sys/fs/cgroup");
}

/* The lab machine: cgroup v1 controllers at /sys/fs/cgroup/NAME, v2 beside. */
static void a_hybrid_system_has_it_at_unified(void **state)
{
	static const char mi[] =
		"30 22 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
		"31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 "
		"cgroup2 rw,nsdelegate\n"
		"32 30 0:28 / /sys/fs/cgroup/systemd rw,nosuid shared:11 - cgroup cgroup rw,name=systemd\n";
	struct fx_err err;
	char out[256];

	(void)state;
	assert_int_equal(mount_of(mi, out, sizeof(out), &err), 0);
	assert_string_equal(out, "/sys/fs/cgroup/unified");
}

/* A container's bind of its own subtree is not the hierarchy's root; a
 * mount point with a space is written \040 by the kernel; optional fields
 * come and go before the dash. */
static void subtrees_are_skipped_and_escapes_undone(void **state)
{
	static const char mi[] =
		"40 22 0:30 /user.slice /run/sub rw shared:20 - cgroup2 cgroup2 rw\n"
		"41 22 0:30 / /mnt/my\\040cgroup rw shared:21 master:3 propagate_from:2 - cgroup2 none rw\n";
	struct fx_err err;
	char out[256];

	(void)state;
	assert_int_equal(mount_of(mi, out, sizeof(out), &err), 0);
	assert_string_equal(out, "/mnt/my cgroup");
}

static void no_cgroup2_is_a_clear_error(void **state)
{
	static const char v1_only[] =
		"30 22 0:26 / /sys/fs/cgroup ro shared:9 - tmpfs tmpfs ro\n"
		"32 30 0:28 / /sys/fs/cgroup/cpu rw shared:11 - cgroup cgroup rw,cpu\n"
		"33 22 0:29 / /odd rw - cgroup2\n"; /* no source, no options: still a cgroup2 */
	struct fx_err err;
	char out[256];

	(void)state;
	assert_int_equal(mount_of("", out, sizeof(out), &err), -ENOENT);
	assert_non_null(strstr(err.msg, "needs cgroup v2"));
	assert_int_equal(mount_of("32 30 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw\n", out,
				  sizeof(out), &err),
			 -ENOENT);
	assert_int_equal(mount_of(v1_only, out, sizeof(out), &err), 0);
	assert_string_equal(out, "/odd");
	/* Truncated lines are not read past their end. */
	assert_int_equal(mount_of("25 22 0:22 / /sys/fs/cgroup rw -", out, sizeof(out), &err), -ENOENT);
	assert_int_equal(mount_of("25 22", out, sizeof(out), &err), -ENOENT);
}

static void bad_escapes_and_long_paths_are_refused(void **state)
{
	struct fx_err err;
	char out[16];

	(void)state;
	assert_int_equal(mount_of("1 2 0:1 / /a\\09 rw - cgroup2 x rw\n", out, sizeof(out), &err), -EINVAL);
	assert_int_equal(mount_of("1 2 0:1 / /a\\0 rw - cgroup2 x rw\n", out, sizeof(out), &err), -EINVAL);
	assert_int_equal(mount_of("1 2 0:1 / /a\\000b rw - cgroup2 x rw\n", out, sizeof(out), &err), -EINVAL);
	assert_int_equal(mount_of("1 2 0:1 / /a/very/long/mount/point rw - cgroup2 x rw\n", out,
				  sizeof(out), &err),
			 -ENAMETOOLONG);
	assert_non_null(strstr(err.msg, "cannot be read"));
	/* Found by fuzzing: a raw NUL or a relative mount point is damage, not a path. */
	assert_int_equal(fx_cgroup2_mount("1 2 0:1 / /a\0b rw - cgroup2 x rw\n", 33, out, sizeof(out), &err),
			 -EINVAL);
	assert_int_equal(mount_of("1 2 0:1 / relative rw - cgroup2 x rw\n", out, sizeof(out), &err), -EINVAL);
}

static int path_of(const char *text, char *out, size_t outlen, struct fx_err *err)
{
	return fx_cgroup_v2_path(text, strlen(text), out, outlen, err);
}

/* /proc/PID/cgroup: the "0::" line, whatever v1 lines come before it. */
static void a_process_cgroup_is_its_v2_line(void **state)
{
	struct fx_err err = { 0 };
	char out[64];

	(void)state;
	assert_int_equal(path_of("12:cpu,cpuacct:/x\n1:name=systemd:/user.slice\n0::/user.slice/a b\n", out,
				 sizeof(out), &err), 0);
	assert_string_equal(out, "/user.slice/a b");
	assert_int_equal(path_of("0::/\n", out, sizeof(out), &err), 0);
	assert_string_equal(out, "/");
	assert_int_equal(path_of("0::/fexyn-excluded/3", out, sizeof(out), &err), 0); /* no newline */
	assert_string_equal(out, "/fexyn-excluded/3");
}

/* fexynd opens the path below the mount point: nothing that climbs out. */
static void a_cgroup_path_that_is_not_one_is_refused(void **state)
{
	static const char *const bad[] = { "0::\n", "0::relative\n", "0::/a/../b\n", "0::/..\n",
					   "0::/a/./b\n", "0::/a//b\n", "0::/a/\n" };
	struct fx_err err = { 0 };
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(path_of(bad[i], out, sizeof(out), &err), -EINVAL);
		assert_non_null(strstr(err.msg, "not one"));
	}
	assert_int_equal(path_of("1:name=systemd:/x\n", out, sizeof(out), &err), -ENOENT);
	assert_non_null(strstr(err.msg, "no cgroup v2"));
	assert_int_equal(path_of("0::/a/long/path\n", out, 8, &err), -ENAMETOOLONG);
}

static void under_names_the_group_below_fexynds_directory(void **state)
{
	const char *group = NULL;

	(void)state;
	assert_true(fx_cgroup_under("/fexyn-excluded/3", "fexyn-excluded", &group));
	assert_string_equal(group, "3");
	assert_true(fx_cgroup_under("/fexyn-excluded", "fexyn-excluded", &group));
	assert_string_equal(group, "");
	assert_false(fx_cgroup_under("/fexyn-excluded2/3", "fexyn-excluded", &group));
	assert_false(fx_cgroup_under("/user.slice/fexyn-excluded/3", "fexyn-excluded", &group));
	assert_false(fx_cgroup_under("/", "fexyn-excluded", &group));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_process_cgroup_is_its_v2_line),
		cmocka_unit_test(a_cgroup_path_that_is_not_one_is_refused),
		cmocka_unit_test(under_names_the_group_below_fexynds_directory),
		cmocka_unit_test(a_unified_system_has_it_at_sys_fs_cgroup),
		cmocka_unit_test(a_hybrid_system_has_it_at_unified),
		cmocka_unit_test(subtrees_are_skipped_and_escapes_undone),
		cmocka_unit_test(no_cgroup2_is_a_clear_error),
		cmocka_unit_test(bad_escapes_and_long_paths_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
