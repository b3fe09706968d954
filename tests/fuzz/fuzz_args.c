/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The small values of the command line and the control socket: addresses,
 * endpoints, prefixes, interface names and firewall marks. Every input goes
 * to all five parsers (an endpoint's text is a near miss for an address, a
 * prefix's for both). What a parser accepts must format and parse back to
 * the same value: that text is what the state file and the status show.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>

#include "addr.h"
#include "fuzz.h"

static void check_addr(const char *s)
{
	char text[INET6_ADDRSTRLEN];
	struct fx_err err = { { 0 } };
	struct fx_addr a, back;

	if (fx_addr_parse(s, &a, &err) < 0) {
		fuzz_check_message(err.msg, sizeof(err.msg));
		return;
	}
	FUZZ_CHECK(a.family == AF_INET || a.family == AF_INET6);
	fx_addr_format(&a, text, sizeof(text));
	FUZZ_CHECK(fx_addr_parse(text, &back, &err) == 0);
	FUZZ_CHECK(fx_addr_equal(&a, &back));
}

static void check_endpoint(const char *s)
{
	char text[FX_ENDPOINT_STRLEN];
	struct fx_err err = { { 0 } };
	struct fx_endpoint e, back;

	if (fx_endpoint_parse(s, &e, &err) < 0) {
		fuzz_check_message(err.msg, sizeof(err.msg));
		return;
	}
	FUZZ_CHECK(e.port != 0 && (e.proto == IPPROTO_UDP || e.proto == IPPROTO_TCP));
	fx_endpoint_format(&e, text, sizeof(text));
	FUZZ_CHECK(fx_endpoint_parse(text, &back, &err) == 0);
	FUZZ_CHECK(fx_addr_equal(&e.addr, &back.addr));
	FUZZ_CHECK(e.port == back.port && e.proto == back.proto);
}

static void check_prefix(const char *s)
{
	char addr[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN + 8];
	struct fx_err err = { { 0 } };
	struct fx_prefix p, back;

	if (fx_prefix_parse(s, &p, &err) < 0) {
		fuzz_check_message(err.msg, sizeof(err.msg));
		return;
	}
	FUZZ_CHECK(p.len <= fx_addr_len(&p.addr) * 8);
	fx_addr_format(&p.addr, addr, sizeof(addr));
	snprintf(text, sizeof(text), "%s/%u", addr, p.len);
	FUZZ_CHECK(fx_prefix_parse(text, &back, &err) == 0);
	FUZZ_CHECK(fx_addr_equal(&p.addr, &back.addr) && p.len == back.len);
}

static void check_ifname(const char *s)
{
	struct fx_err err = { { 0 } };

	if (fx_ifname_check(s, &err) < 0) {
		fuzz_check_message(err.msg, sizeof(err.msg));
		return;
	}
	/* The kernel's own rules (dev_valid_name): fits, no '/', ':' or space. */
	FUZZ_CHECK(strlen(s) < IFNAMSIZ && strcmp(s, ".") != 0 && strcmp(s, "..") != 0);
	FUZZ_CHECK(!strpbrk(s, "/: \t\n\v\f\r"));
}

static void check_fwmark(const char *s)
{
	struct fx_err err = { { 0 } };
	uint32_t mark = 0;

	if (fx_fwmark_parse(s, &mark, &err) < 0) {
		fuzz_check_message(err.msg, sizeof(err.msg));
		return;
	}
	FUZZ_CHECK(mark != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	/* argv words and socket words are C strings: text after a NUL is not seen. */
	if (memchr(data, '\0', size))
		return 0;
	s = fuzz_cstr(data, size);
	check_addr(s);
	check_endpoint(s);
	check_prefix(s);
	check_ifname(s);
	check_fwmark(s);
	free(s);
	return 0;
}
