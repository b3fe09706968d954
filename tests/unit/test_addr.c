/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The small parsers: each accepts one well-formed text or says what is wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

static void endpoint_ipv4_defaults_to_udp(void **state)
{
	struct fx_endpoint e;
	struct fx_err err;
	char text[FX_ENDPOINT_STRLEN];

	(void)state;
	assert_int_equal(fx_endpoint_parse("198.51.100.10:51820", &e, &err), 0);
	assert_int_equal(e.addr.family, AF_INET);
	assert_int_equal(e.port, 51820);
	assert_int_equal(e.proto, IPPROTO_UDP);
	fx_endpoint_format(&e, text, sizeof(text));
	assert_string_equal(text, "198.51.100.10:51820/udp");
}

static void endpoint_ipv6_and_tcp(void **state)
{
	struct fx_endpoint e;
	struct fx_err err;
	char text[FX_ENDPOINT_STRLEN];

	(void)state;
	assert_int_equal(fx_endpoint_parse("[2001:db8::1]:443/tcp", &e, &err), 0);
	assert_int_equal(e.addr.family, AF_INET6);
	assert_int_equal(e.port, 443);
	assert_int_equal(e.proto, IPPROTO_TCP);
	fx_endpoint_format(&e, text, sizeof(text));
	assert_string_equal(text, "[2001:db8::1]:443/tcp");
}

static void expect_endpoint_error(const char *text, const char *needle)
{
	struct fx_endpoint e;
	struct fx_err err = { 0 };

	assert_int_equal(fx_endpoint_parse(text, &e, &err), -EINVAL);
	if (!strstr(err.msg, needle))
		fail_msg("'%s': message '%s' lacks '%s'", text, err.msg, needle);
}

static void endpoint_errors_say_what_is_wrong(void **state)
{
	(void)state;
	expect_endpoint_error("198.51.100.10", "missing port");
	expect_endpoint_error("198.51.100.10:", "missing port");
	expect_endpoint_error("300.1.2.3:51820", "'300.1.2.3' is not an IPv4 or IPv6 address");
	expect_endpoint_error("198.51.100.10:0", "out of range");
	expect_endpoint_error("198.51.100.10:65536", "out of range");
	expect_endpoint_error("198.51.100.10:99999999999999999999", "out of range");
	expect_endpoint_error("198.51.100.10:5x", "not a number");
	expect_endpoint_error("198.51.100.10:51820/sctp", "unknown protocol 'sctp'");
	expect_endpoint_error("2001:db8::1:51820", "[address]:port");
	expect_endpoint_error("[2001:db8::1]", "missing port");
	expect_endpoint_error("[2001:db8::1:51820", "missing ']'");
	expect_endpoint_error("[198.51.100.10]:1", "brackets are for IPv6");
	expect_endpoint_error("vpn.example.com:51820", "not an IPv4 or IPv6 address");
	expect_endpoint_error("", "empty");
}

static void ifname_limits_follow_the_kernel(void **state)
{
	struct fx_err err = { 0 };

	(void)state;
	assert_int_equal(fx_ifname_check("wg0", &err), 0);
	assert_int_equal(fx_ifname_check("fifteen-chars-x", &err), 0);
	assert_int_equal(fx_ifname_check("sixteen-chars-xx", &err), -EINVAL);
	assert_int_equal(fx_ifname_check("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "40 characters"));
	assert_int_equal(fx_ifname_check("wg/0", &err), -EINVAL);
	assert_int_equal(fx_ifname_check("wg 0", &err), -EINVAL);
	assert_int_equal(fx_ifname_check("..", &err), -EINVAL);
	assert_int_equal(fx_ifname_check("", &err), -EINVAL);
}

static void fwmark_accepts_decimal_and_hex(void **state)
{
	struct fx_err err;
	uint32_t m;

	(void)state;
	assert_int_equal(fx_fwmark_parse("51820", &m, &err), 0);
	assert_int_equal(m, 51820);
	assert_int_equal(fx_fwmark_parse("0xca6c", &m, &err), 0);
	assert_int_equal(m, 0xca6c);
	assert_int_equal(fx_fwmark_parse("0", &m, &err), -EINVAL);
	assert_int_equal(fx_fwmark_parse("-1", &m, &err), -EINVAL);
	assert_int_equal(fx_fwmark_parse("4294967296", &m, &err), -EINVAL);
	assert_int_equal(fx_fwmark_parse("12abc", &m, &err), -EINVAL);
	assert_int_equal(fx_fwmark_parse("", &m, &err), -EINVAL);
}

static void prefixes_parse_with_and_without_length(void **state)
{
	struct fx_prefix p;
	struct fx_err err;

	(void)state;
	assert_int_equal(fx_prefix_parse("10.0.0.0/8", &p, &err), 0);
	assert_int_equal(p.len, 8);
	assert_int_equal(fx_prefix_parse("fe80::/10", &p, &err), 0);
	assert_int_equal(p.len, 10);
	assert_int_equal(fx_prefix_parse("10.0.0.1", &p, &err), 0);
	assert_int_equal(p.len, 32);
	assert_int_equal(fx_prefix_parse("10.0.0.0/33", &p, &err), -EINVAL);
	assert_int_equal(fx_prefix_parse("10.0.0.0/", &p, &err), -EINVAL);
}

/* An endpoint-like text: numbers that may be out of range, v4 or v6, a
 * protocol that may be wrong, and sometimes one character changed. */
static void random_endpoint(unsigned *seed, char *text, size_t len)
{
	static const char *const protos[] = { "", "/udp", "/tcp", "/sctp", "/" };
	static const char mutations[] = "0123456789:.[]/abcdefx ";
	const char *proto = protos[rand_r(seed) % 5];
	int port = rand_r(seed) % 70000;

	if (rand_r(seed) % 2)
		snprintf(text, len, "%d.%d.%d.%d:%d%s", rand_r(seed) % 300, rand_r(seed) % 256,
			 rand_r(seed) % 256, rand_r(seed) % 256, port, proto);
	else
		snprintf(text, len, "[%x:%x::%x]:%d%s", rand_r(seed) % 0x10000, rand_r(seed) % 0x10000,
			 rand_r(seed) % 0x20000, port, proto);
	if (rand_r(seed) % 3 == 0 && strlen(text) > 0)
		text[(size_t)rand_r(seed) % strlen(text)] = mutations[rand_r(seed) % (int)(sizeof(mutations) - 1)];
}

/* Never a crash; whatever is accepted formats back to text that parses to the
 * same endpoint; and the generator really exercises both outcomes. */
static void endpoint_survives_random_text(void **state)
{
	unsigned seed = 5;
	int accepted = 0, refused = 0;
	char text[64];

	(void)state;
	for (int round = 0; round < 20000; round++) {
		struct fx_endpoint e, again;
		char out[FX_ENDPOINT_STRLEN];

		random_endpoint(&seed, text, sizeof(text));
		if (fx_endpoint_parse(text, &e, NULL) < 0) {
			refused++;
			continue;
		}
		accepted++;
		assert_true(e.port >= 1);
		assert_true(e.proto == IPPROTO_UDP || e.proto == IPPROTO_TCP);
		fx_endpoint_format(&e, out, sizeof(out));
		assert_int_equal(fx_endpoint_parse(out, &again, NULL), 0);
		assert_memory_equal(&e, &again, sizeof(e));
	}
	assert_true(accepted > 2000);
	assert_true(refused > 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(endpoint_ipv4_defaults_to_udp),
		cmocka_unit_test(endpoint_ipv6_and_tcp),
		cmocka_unit_test(endpoint_errors_say_what_is_wrong),
		cmocka_unit_test(ifname_limits_follow_the_kernel),
		cmocka_unit_test(fwmark_accepts_decimal_and_hex),
		cmocka_unit_test(prefixes_parse_with_and_without_length),
		cmocka_unit_test(endpoint_survives_random_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
