/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wireguard-go's text protocol without wireguard-go: the "set=1" request is
 * compared with the exact text, and "get=1" replies are made by hand,
 * well-formed and not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wg_uapi.h"
#include "wgconf.h"

#define PRIV "OQyMfXJHNCzYEA8vb3cNZdZw5Y4DUdiujk9urDQvwjE="
#define PRIV_HEX "390c8c7d7247342cd8100f2f6f770d65d670e58e0351d8ae8e4f6eac342fc231"
#define PSK "wopwphx1EKHNiSFsoWz/yupJh0d+htvMuXBG/C4YOE4="
#define PSK_HEX "c28a70a61c7510a1cd89216ca16cffcaea4987477e86dbccb97046fc2e18384e"
/* 0x60, then 31 zero bytes; 0x40, then 31 zero bytes. */
#define PUB1 "YAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define PUB1_HEX "6000000000000000000000000000000000000000000000000000000000000000"
#define PUB2 "QAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define PUB2_HEX "4000000000000000000000000000000000000000000000000000000000000000"
/* 32 bytes of 0xff: upper-case hex would show here. */
#define ONES "//////////////////////////////////////////8="
#define ONES_HEX "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

static const char two_peers_conf[] =
	"[Interface]\n"
	"PrivateKey = " PRIV "\n"
	"Address = 10.66.0.2/24, fd00::2/64\n"
	"ListenPort = 51000\n"
	"\n"
	"[Peer]\n"
	"PublicKey = " PUB1 "\n"
	"PresharedKey = " PSK "\n"
	"Endpoint = 1.2.3.4:51820\n"
	"AllowedIPs = 0.0.0.0/0, ::/0\n"
	"PersistentKeepalive = 25\n"
	"\n"
	"[Peer]\n"
	"PublicKey = " PUB2 "\n"
	"Endpoint = [2001:db8::1]:51820\n"
	"AllowedIPs = 10.0.0.0/8\n"
	"PersistentKeepalive = 25\n";

static const char two_peers_set[] =
	"set=1\n"
	"private_key=" PRIV_HEX "\n"
	"listen_port=51000\n"
	"fwmark=51820\n"
	"replace_peers=true\n"
	"public_key=" PUB1_HEX "\n"
	"preshared_key=" PSK_HEX "\n"
	"endpoint=1.2.3.4:51820\n"
	"persistent_keepalive_interval=25\n"
	"replace_allowed_ips=true\n"
	"allowed_ip=0.0.0.0/0\n"
	"allowed_ip=::/0\n"
	"public_key=" PUB2_HEX "\n"
	"endpoint=[2001:db8::1]:51820\n"
	"persistent_keepalive_interval=25\n"
	"replace_allowed_ips=true\n"
	"allowed_ip=10.0.0.0/8\n"
	"\n";

static struct fx_wg_config cfg;
static char buf[16 * 1024];

static void parse_conf(const char *text)
{
	struct fx_err err = { 0 };
	int r = fx_wgconf_parse("t.conf", text, strlen(text), &cfg, &err);

	if (r != 0)
		fail_msg("config does not parse: %s", err.msg);
}

/* ---- set ---- */

static void set_two_peers_exact_text(void **state)
{
	int r;

	(void)state;
	parse_conf(two_peers_conf);
	memset(buf, 'x', sizeof(buf));
	r = fx_wg_uapi_format_set(buf, sizeof(buf), &cfg, 51820);
	assert_int_equal(r, (int)strlen(two_peers_set));
	assert_string_equal(buf, two_peers_set);
}

static void set_keys_are_lower_case_hex(void **state)
{
	static const char conf[] =
		"[Interface]\n"
		"PrivateKey = " ONES "\n"
		"[Peer]\n"
		"PublicKey = " ONES "\n"
		"PresharedKey = " ONES "\n"
		"Endpoint = 192.0.2.255:65535\n"
		"AllowedIPs = 192.168.7.0/24\n";
	static const char want[] =
		"set=1\n"
		"private_key=" ONES_HEX "\n"
		"fwmark=3405\n"
		"replace_peers=true\n"
		"public_key=" ONES_HEX "\n"
		"preshared_key=" ONES_HEX "\n"
		"endpoint=192.0.2.255:65535\n"
		"persistent_keepalive_interval=0\n"
		"replace_allowed_ips=true\n"
		"allowed_ip=192.168.7.0/24\n"
		"\n";

	(void)state;
	parse_conf(conf);
	assert_int_equal(fx_wg_uapi_format_set(buf, sizeof(buf), &cfg, 0xd4d), (int)strlen(want));
	assert_string_equal(buf, want);
}

static void set_without_peers(void **state)
{
	static const char want[] =
		"set=1\n"
		"private_key=" PRIV_HEX "\n"
		"fwmark=4294967295\n"
		"replace_peers=true\n"
		"\n";

	(void)state;
	/* The parser wants a peer; the formatter does without. */
	parse_conf(two_peers_conf);
	cfg.n_peers = 0;
	cfg.has_listen_port = false;
	assert_int_equal(fx_wg_uapi_format_set(buf, sizeof(buf), &cfg, UINT32_MAX),
			 (int)strlen(want));
	assert_string_equal(buf, want);
}

/* Every buffer too short by at least one byte (the NUL) is -ENOSPC, and
 * none is written past its end (the sanitizer build checks that). */
static void set_short_buffer_is_enospc(void **state)
{
	size_t need = strlen(two_peers_set) + 1;

	(void)state;
	parse_conf(two_peers_conf);
	for (size_t len = 0; len <= need; len++) {
		char *b = malloc(len ? len : 1);
		int r;

		assert_non_null(b);
		r = fx_wg_uapi_format_set(b, len, &cfg, 51820);
		if (len < need) {
			if (r != -ENOSPC)
				fail_msg("length %zu: %d, not -ENOSPC", len, r);
		} else {
			assert_int_equal(r, (int)need - 1);
			assert_string_equal(b, two_peers_set);
		}
		free(b);
	}
}

static void set_unresolved_endpoint_is_edestaddrreq(void **state)
{
	(void)state;
	parse_conf("[Interface]\nPrivateKey = " PRIV "\n"
		   "[Peer]\nPublicKey = " PUB1 "\nEndpoint = 1.2.3.4:51820\nAllowedIPs = 0.0.0.0/0\n"
		   "[Peer]\nPublicKey = " PUB2 "\nEndpoint = vpn.example.com:51820\n"
		   "AllowedIPs = ::/0\n");
	assert_true(cfg.peers[1].has_endpoint);
	assert_false(cfg.peers[1].endpoint_resolved);
	assert_int_equal(fx_wg_uapi_format_set(buf, sizeof(buf), &cfg, 51820), -EDESTADDRREQ);

	/* Once the daemon's resolver filled it in, the request goes out. */
	cfg.peers[1].endpoint_resolved = true;
	cfg.peers[1].endpoint.addr.family = AF_INET6;
	memset(cfg.peers[1].endpoint.addr.bytes, 0, 16);
	cfg.peers[1].endpoint.addr.bytes[0] = 0xfd;
	cfg.peers[1].endpoint.addr.bytes[15] = 7;
	cfg.peers[1].endpoint.port = 443;
	assert_true(fx_wg_uapi_format_set(buf, sizeof(buf), &cfg, 51820) > 0);
	assert_non_null(strstr(buf, "\nendpoint=[fd00::7]:443\n"));
}

/* ---- get ---- */

static const char get_reply[] =
	"private_key=" PRIV_HEX "\n"
	"listen_port=51000\n"
	"fwmark=51820\n"
	"public_key=" PUB1_HEX "\n"
	"preshared_key=" PSK_HEX "\n"
	"protocol_version=1\n"
	"endpoint=1.2.3.4:51820\n"
	"last_handshake_time_sec=1700000000\n"
	"last_handshake_time_nsec=5\n"
	"tx_bytes=100\n"
	"rx_bytes=200\n"
	"persistent_keepalive_interval=0\n"
	"allowed_ip=0.0.0.0/0\n"
	"public_key=" PUB2_HEX "\n"
	"protocol_version=1\n"
	"endpoint=[2001:db8::1]:51820\n"
	"last_handshake_time_sec=0\n"
	"last_handshake_time_nsec=0\n"
	"tx_bytes=10\n"
	"rx_bytes=50\n"
	"persistent_keepalive_interval=25\n"
	"allowed_ip=10.0.0.0/8\n"
	"errno=0\n"
	"\n";

static int parse_get(const char *text, struct fx_wg_status *st)
{
	return fx_wg_uapi_parse_get(text, strlen(text), st);
}

static void get_sums_peers_and_keeps_newest_handshake(void **state)
{
	struct fx_wg_status st;

	(void)state;
	memset(&st, 0xa5, sizeof(st));
	assert_int_equal(parse_get(get_reply, &st), 0);
	assert_true(st.handshake);
	assert_int_equal(st.last_handshake, 1700000000);
	assert_int_equal(st.rx_bytes, 250);
	assert_int_equal(st.tx_bytes, 110);
}

static void get_newest_handshake_wins(void **state)
{
	struct fx_wg_status st;

	(void)state;
	assert_int_equal(parse_get("public_key=" PUB1_HEX "\n"
				   "last_handshake_time_sec=1700000100\n"
				   "public_key=" PUB2_HEX "\n"
				   "last_handshake_time_sec=1700000000\n"
				   "errno=0\n\n",
				   &st),
			 0);
	assert_true(st.handshake);
	assert_int_equal(st.last_handshake, 1700000100);
}

static void get_without_handshake(void **state)
{
	struct fx_wg_status st;

	(void)state;
	assert_int_equal(parse_get("private_key=" PRIV_HEX "\n"
				   "public_key=" PUB1_HEX "\n"
				   "last_handshake_time_sec=0\n"
				   "last_handshake_time_nsec=0\n"
				   "tx_bytes=148\n"
				   "rx_bytes=0\n"
				   "errno=0\n\n",
				   &st),
			 0);
	assert_false(st.handshake);
	assert_int_equal(st.last_handshake, 0);
	assert_int_equal(st.tx_bytes, 148);
	assert_int_equal(st.rx_bytes, 0);

	/* No peers at all. */
	assert_int_equal(parse_get("private_key=" PRIV_HEX "\nerrno=0\n\n", &st), 0);
	assert_false(st.handshake);
	assert_int_equal(st.rx_bytes, 0);
	assert_int_equal(st.tx_bytes, 0);
}

/* The reply to a set: errno alone. */
static void get_remote_errno(void **state)
{
	struct fx_wg_status st;

	(void)state;
	assert_int_equal(parse_get("errno=0\n\n", &st), 0);
	assert_int_equal(parse_get("errno=2\n\n", &st), -2);
	assert_int_equal(parse_get("errno=22\n\n", &st), -EINVAL);
	/* Nothing that is not an errno. */
	assert_int_equal(parse_get("errno=99999\n\n", &st), -EIO);
	/* Without the final empty line it still counts. */
	assert_int_equal(parse_get("errno=2\n", &st), -2);
	assert_int_equal(parse_get("errno=2", &st), -2);
}

static void get_without_errno_is_ebadmsg(void **state)
{
	struct fx_wg_status st;
	char *cut;

	(void)state;
	assert_int_equal(parse_get("", &st), -EBADMSG);
	assert_int_equal(parse_get("\n", &st), -EBADMSG);
	/* The reply cut short before errno. */
	cut = strdup(get_reply);
	assert_non_null(cut);
	*strstr(cut, "errno=0") = '\0';
	assert_int_equal(parse_get(cut, &st), -EBADMSG);
	free(cut);
	/* errno after the empty line belongs to nothing. */
	assert_int_equal(parse_get("tx_bytes=1\n\nerrno=0\n\n", &st), -EBADMSG);
}

static void get_malformed_is_ebadmsg(void **state)
{
	static const char *const bad[] = {
		"rx_bytes=lots\nerrno=0\n\n",
		"rx_bytes=\nerrno=0\n\n",
		"rx_bytes=-1\nerrno=0\n\n",
		"rx_bytes= 1\nerrno=0\n\n",
		"rx_bytes=12x\nerrno=0\n\n",
		"rx_bytes=99999999999999999999999\nerrno=0\n\n",
		"tx_bytes=+5\nerrno=0\n\n",
		"last_handshake_time_sec=soon\nerrno=0\n\n",
		"errno=x\n\n",
		"errno=-1\n\n",
		"errno=\n\n",
		"no equals sign\nerrno=0\n\n",
		"=5\nerrno=0\n\n",
	};
	struct fx_wg_status st;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse_get(bad[i], &st);

		if (r != -EBADMSG)
			fail_msg("'%s': %d, not -EBADMSG", bad[i], r);
	}
}

static void get_nul_is_ebadmsg(void **state)
{
	static const char text[] = "tx_bytes=1\nrx_bytes=2\0\nerrno=0\n\n";
	static const char tail[] = "errno=0\n\n\0";
	struct fx_wg_status st;

	(void)state;
	assert_int_equal(fx_wg_uapi_parse_get(text, sizeof(text) - 1, &st), -EBADMSG);
	/* Even after the end of the reply proper. */
	assert_int_equal(fx_wg_uapi_parse_get(tail, sizeof(tail) - 1, &st), -EBADMSG);
}

/* len bounds the text: nothing after it is read. */
static void get_reads_only_len_bytes(void **state)
{
	static const char text[] = "rx_bytes=7\nerrno=0\n\nrx_bytes=x";
	struct fx_wg_status st;
	char *exact = malloc(sizeof(get_reply) - 1);

	(void)state;
	assert_int_equal(fx_wg_uapi_parse_get(text, strlen("rx_bytes=7\nerrno=0\n\n"), &st), 0);
	assert_int_equal(st.rx_bytes, 7);
	/* Not NUL-terminated: exactly len bytes on the heap. */
	assert_non_null(exact);
	memcpy(exact, get_reply, sizeof(get_reply) - 1);
	assert_int_equal(fx_wg_uapi_parse_get(exact, sizeof(get_reply) - 1, &st), 0);
	assert_int_equal(st.rx_bytes, 250);
	free(exact);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_two_peers_exact_text),
		cmocka_unit_test(set_keys_are_lower_case_hex),
		cmocka_unit_test(set_without_peers),
		cmocka_unit_test(set_short_buffer_is_enospc),
		cmocka_unit_test(set_unresolved_endpoint_is_edestaddrreq),
		cmocka_unit_test(get_sums_peers_and_keeps_newest_handshake),
		cmocka_unit_test(get_newest_handshake_wins),
		cmocka_unit_test(get_without_handshake),
		cmocka_unit_test(get_remote_errno),
		cmocka_unit_test(get_without_errno_is_ebadmsg),
		cmocka_unit_test(get_malformed_is_ebadmsg),
		cmocka_unit_test(get_nul_is_ebadmsg),
		cmocka_unit_test(get_reads_only_len_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
