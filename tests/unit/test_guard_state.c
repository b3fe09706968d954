/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The guard words and the state file built from them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"

static void fill(struct fx_guard *g)
{
	struct fx_err err;

	memset(g, 0, sizeof(*g));
	assert_int_equal(fx_guard_set(g, "tunnel", "wg0", &err), 0);
	assert_int_equal(fx_guard_set(g, "endpoint", "198.51.100.10:51820", &err), 0);
	assert_int_equal(fx_guard_set(g, "endpoint", "[2001:db8::1]:443/tcp", &err), 0);
	assert_int_equal(fx_guard_set(g, "fwmark", "0xca6c", &err), 0);
	assert_int_equal(fx_guard_set(g, "dns", "10.66.0.1", &err), 0);
}

static void guard_rejects_unknown_keys_and_repeats(void **state)
{
	struct fx_guard g;
	struct fx_err err = { 0 };

	(void)state;
	fill(&g);
	assert_int_equal(fx_guard_set(&g, "colour", "red", &err), -ENOENT);
	assert_non_null(strstr(err.msg, "unknown key 'colour'"));
	assert_int_equal(fx_guard_set(&g, "tunnel", "wg1", &err), -EINVAL);
	assert_int_equal(fx_guard_set(&g, "endpoint", "198.51.100.10:51820/udp", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "given twice"));
	assert_int_equal(fx_guard_set(&g, "fwmark", "7", &err), -EINVAL);
	assert_int_equal(fx_guard_set(&g, "endpoint", "1.2.3.4", &err), -EINVAL);
	assert_string_equal(err.msg, "endpoint: '1.2.3.4': missing port (write ADDRESS:PORT)");
}

static void guard_needs_a_tunnel_and_an_endpoint(void **state)
{
	struct fx_guard g = { 0 };
	struct fx_err err = { 0 };

	(void)state;
	assert_int_equal(fx_guard_check(&g, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "tunnel"));
	fx_guard_set(&g, "tunnel", "wg0", &err);
	assert_int_equal(fx_guard_check(&g, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "endpoint"));
}

static void guard_endpoint_limit_is_enforced(void **state)
{
	struct fx_guard g = { 0 };
	struct fx_err err = { 0 };
	char text[32];

	(void)state;
	for (int i = 0; i < FX_MAX_ENDPOINTS; i++) {
		snprintf(text, sizeof(text), "10.0.0.1:%d", i + 1);
		assert_int_equal(fx_guard_set(&g, "endpoint", text, &err), 0);
	}
	assert_int_equal(fx_guard_set(&g, "endpoint", "10.0.0.1:999", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "more than"));
}

static void state_round_trips(void **state)
{
	struct fx_guard g, back;
	struct fx_err err = { 0 };
	char text[4096];

	(void)state;
	fill(&g);
	assert_int_equal(fx_state_format(&g, text, sizeof(text)), 0);
	assert_int_equal(fx_state_parse_text(text, strlen(text), &back, &err), 0);
	assert_memory_equal(&g, &back, sizeof(g));
}

static void expect_state_error(const char *text, size_t len, const char *needle)
{
	struct fx_guard g;
	struct fx_err err = { 0 };

	assert_int_equal(fx_state_parse_text(text, len, &g, &err), -EINVAL);
	if (!strstr(err.msg, needle))
		fail_msg("message '%s' lacks '%s'", err.msg, needle);
}

static void state_errors_name_the_line(void **state)
{
	static const char bad_endpoint[] = "version=1\ntunnel=wg0\n\nendpoint=1.2.3.4\n";
	static const char unknown[] = "version=1\ntunnel=wg0\nendpoint=1.2.3.4:1\nfoo=bar\n";
	static const char no_version[] = "tunnel=wg0\nendpoint=1.2.3.4:1\n";
	static const char truncated[] = "version=1\ntunnel=wg0\nendpoi";
	static const char missing_endpoint[] = "version=1\ntunnel=wg0\n";
	static const char future[] = "version=2\n";

	(void)state;
	expect_state_error(bad_endpoint, strlen(bad_endpoint), "line 4: endpoint: '1.2.3.4': missing port");
	expect_state_error(unknown, strlen(unknown), "line 4: unknown key 'foo'");
	expect_state_error(no_version, strlen(no_version), "missing version");
	expect_state_error(truncated, strlen(truncated), "line 3: expected key=value");
	expect_state_error(missing_endpoint, strlen(missing_endpoint), "endpoint: missing");
	expect_state_error(future, strlen(future), "line 1: version: unsupported");
}

static void state_rejects_random_bytes(void **state)
{
	unsigned char junk[512];
	unsigned seed = 7;

	(void)state;
	for (int round = 0; round < 200; round++) {
		struct fx_guard g;
		struct fx_err err = { 0 };

		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (unsigned char)(rand_r(&seed) & 0xff);
		assert_true(fx_state_parse_text((const char *)junk, sizeof(junk), &g, &err) < 0);
		assert_true(err.msg[0] != '\0');
	}
}

static void state_file_save_load_remove(void **state)
{
	char dir[] = "/tmp/fexyn-unit-XXXXXX";
	struct fx_guard g, back;
	struct fx_err err = { 0 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	fill(&g);
	assert_int_equal(fx_state_load(dir, &back, &err), 0);
	assert_int_equal(fx_state_save(dir, &g), 0);
	assert_int_equal(fx_state_load(dir, &back, &err), 1);
	assert_memory_equal(&g, &back, sizeof(g));
	assert_int_equal(fx_state_remove(dir), 0);
	assert_int_equal(fx_state_remove(dir), 0);
	assert_int_equal(fx_state_load(dir, &back, &err), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(guard_rejects_unknown_keys_and_repeats),
		cmocka_unit_test(guard_needs_a_tunnel_and_an_endpoint),
		cmocka_unit_test(guard_endpoint_limit_is_enforced),
		cmocka_unit_test(state_round_trips),
		cmocka_unit_test(state_errors_name_the_line),
		cmocka_unit_test(state_rejects_random_bytes),
		cmocka_unit_test(state_file_save_load_remove),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
