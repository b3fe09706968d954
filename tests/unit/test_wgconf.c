/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wg-quick configs as providers hand them out, and every way one can be
 * wrong: each message names the file, the line and the key, and none of
 * them quotes a key.
 */
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
#include <unistd.h>

#include "wgconf.h"

#define PRIV "OQyMfXJHNCzYEA8vb3cNZdZw5Y4DUdiujk9urDQvwjE="
#define PRIV_HEX "390c8c7d7247342cd8100f2f6f770d65d670e58e0351d8ae8e4f6eac342fc231"
#define PUB "t7CHFus/wSiWuWIjF3SUKHczwo7oulO9tWuIJFd9U+w="
#define PUB_HEX "b7b08716eb3fc12896b96223177494287733c28ee8ba53bdb56b8824577d53ec"
#define PSK "wopwphx1EKHNiSFsoWz/yupJh0d+htvMuXBG/C4YOE4="
#define PSK_HEX "c28a70a61c7510a1cd89216ca16cffcaea4987477e86dbccb97046fc2e18384e"
#define PUB2 "UdggxcPvgAU6iK45lt5Q6AGGWzaYZU6/UgCl+gk5uZ0="
/* 31 and 33 bytes: as long as a key in base64, but not a key. */
#define KEY31 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg=="
#define KEY33 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"

/* As Mullvad's config generator writes it (line numbers matter below). */
static const char provider_conf[] =
	"[Interface]\n"
	"# Device: Eager Owl\n"
	"PrivateKey = " PRIV "\n"
	"Address = 10.66.77.88/32,fc00:bbbb:bbbb:bb01::3:4d57/128\n"
	"DNS = 10.64.0.1\n"
	"\n"
	"[Peer]\n"
	"PublicKey = " PUB "\n"
	"AllowedIPs = 0.0.0.0/0,::/0\n"
	"Endpoint = se-got-wg-001.relays.example.net:51820\n";

/* Every key once, in odd spelling, with CRLF, comments and spaces. */
static const char full_conf[] =
	"  [interface]   # the tunnel\r\n"
	"privatekey=" PRIV "\r\n"
	"ADDRESS = 10.66.0.2/24 , fd00::2 # host bits are kept\r\n"
	"Address = 10.67.0.2\r\n"
	"DNS = 10.64.0.1, 2001:db8::53, corp.example.com, lan.\r\n"
	"MTU = 1380\r\n"
	"ListenPort = 51820\r\n"
	"FwMark = 0xca6c\r\n"
	"Table = main\r\n"
	"\r\n"
	"[PEER]\r\n"
	"PublicKey = " PUB "\r\n"
	"PresharedKey = " PSK "\r\n"
	"AllowedIPs = 10.0.0.1/8, 192.168.1.77/20\r\n"
	"AllowedIPs = 2001:db8:1234::1/33\r\n"
	"Endpoint = [2001:db8::1]:443\r\n"
	"PersistentKeepalive = 25\r\n"
	"[Peer]\r\n"
	"PublicKey = " PUB2 "\r\n"
	"Endpoint = 198.51.100.7:51820\r\n"
	"PersistentKeepalive = off\r\n";

static int parse(const char *text, struct fx_wg_config *c, struct fx_err *err)
{
	memset(err, 0, sizeof(*err));
	return fx_wgconf_parse("x.conf", text, strlen(text), c, err);
}

static void addr_is(const struct fx_addr *a, int family, const char *text)
{
	char buf[INET6_ADDRSTRLEN];

	assert_int_equal(a->family, family);
	fx_addr_format(a, buf, sizeof(buf));
	assert_string_equal(buf, text);
}

static void prefix_is(const struct fx_prefix *p, int family, const char *text, unsigned len)
{
	addr_is(&p->addr, family, text);
	assert_int_equal(p->len, len);
}

static void key_is(const uint8_t key[FX_KEY_LEN], const char *hex)
{
	char buf[FX_KEY_HEX_LEN + 1];

	fx_key_to_hex(key, buf);
	assert_string_equal(buf, hex);
}

/* No key, not even a part of one long enough to matter. */
static void assert_no_key_text(const char *msg)
{
	static const char *const keys[] = { PRIV, PUB, PSK, PUB2, KEY31, KEY33 };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		for (size_t off = 0; off + 12 <= strlen(keys[i]); off += 4) {
			char piece[13];

			memcpy(piece, keys[i] + off, 12);
			piece[12] = '\0';
			if (strstr(msg, piece))
				fail_msg("message '%s' quotes key text '%s'", msg, piece);
		}
	}
}

static bool is_all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

static void expect_error(const char *text, const char *needle)
{
	struct fx_wg_config *c = malloc(sizeof(*c));
	struct fx_err err;
	int r;

	assert_non_null(c);
	memset(c, 0xa5, sizeof(*c));
	r = parse(text, c, &err);
	if (r != -EINVAL)
		fail_msg("expected -EINVAL for '%s' (wanted '%s'), got %d '%s'", text, needle, r,
			 err.msg);
	if (!strstr(err.msg, needle))
		fail_msg("message '%s' lacks '%s'", err.msg, needle);
	assert_no_key_text(err.msg);
	/* Nothing left behind, least of all the private key. */
	assert_true(is_all_zero(c, sizeof(*c)));
	free(c);
}

static void provider_config_parses_field_by_field(void **state)
{
	struct fx_wg_config *c = malloc(sizeof(*c));
	struct fx_err err;

	(void)state;
	assert_non_null(c);
	assert_int_equal(parse(provider_conf, c, &err), 0);
	key_is(c->private_key, PRIV_HEX);
	assert_int_equal(c->n_addresses, 2);
	prefix_is(&c->addresses[0], AF_INET, "10.66.77.88", 32);
	prefix_is(&c->addresses[1], AF_INET6, "fc00:bbbb:bbbb:bb01::3:4d57", 128);
	assert_int_equal(c->n_dns, 1);
	addr_is(&c->dns[0], AF_INET, "10.64.0.1");
	assert_int_equal(c->n_search, 0);
	assert_int_equal(c->mtu, 0);
	assert_false(c->has_listen_port);
	assert_int_equal(c->fwmark, 0);
	assert_int_equal(c->table_mode, FX_WG_TABLE_AUTO);

	assert_int_equal(c->n_peers, 1);
	const struct fx_wg_peer *p = &c->peers[0];

	assert_int_equal(p->line, 7);
	key_is(p->public_key, PUB_HEX);
	assert_false(p->has_preshared_key);
	assert_true(is_all_zero(p->preshared_key, FX_KEY_LEN));
	assert_int_equal(p->n_allowed_ips, 2);
	prefix_is(&p->allowed_ips[0], AF_INET, "0.0.0.0", 0);
	prefix_is(&p->allowed_ips[1], AF_INET6, "::", 0);
	assert_true(p->has_endpoint);
	assert_string_equal(p->endpoint_host, "se-got-wg-001.relays.example.net");
	assert_int_equal(p->endpoint_port, 51820);
	/* A name: the daemon resolves it before the firewall goes up. */
	assert_false(p->endpoint_resolved);
	assert_int_equal(p->persistent_keepalive, 0);

	fx_wgconf_wipe(c);
	assert_true(is_all_zero(c, sizeof(*c)));
	fx_wgconf_wipe(NULL);
	free(c);
}

static void full_config_parses_field_by_field(void **state)
{
	struct fx_wg_config *c = malloc(sizeof(*c));
	struct fx_err err;
	char ep[FX_ENDPOINT_STRLEN];

	(void)state;
	assert_non_null(c);
	if (parse(full_conf, c, &err) != 0)
		fail_msg("%s", err.msg);
	key_is(c->private_key, PRIV_HEX);
	assert_int_equal(c->n_addresses, 3);
	prefix_is(&c->addresses[0], AF_INET, "10.66.0.2", 24);
	prefix_is(&c->addresses[1], AF_INET6, "fd00::2", 128);
	prefix_is(&c->addresses[2], AF_INET, "10.67.0.2", 32);
	assert_int_equal(c->n_dns, 2);
	addr_is(&c->dns[0], AF_INET, "10.64.0.1");
	addr_is(&c->dns[1], AF_INET6, "2001:db8::53");
	assert_int_equal(c->n_search, 2);
	assert_string_equal(c->search[0], "corp.example.com");
	assert_string_equal(c->search[1], "lan.");
	assert_int_equal(c->mtu, 1380);
	assert_true(c->has_listen_port);
	assert_int_equal(c->listen_port, 51820);
	assert_int_equal(c->fwmark, 0xca6c);
	assert_int_equal(c->table_mode, FX_WG_TABLE_ID);
	assert_int_equal(c->table, 254);

	assert_int_equal(c->n_peers, 2);
	const struct fx_wg_peer *p = &c->peers[0];

	assert_int_equal(p->line, 11);
	key_is(p->public_key, PUB_HEX);
	assert_true(p->has_preshared_key);
	key_is(p->preshared_key, PSK_HEX);
	/* As wg(8): the host bits of an allowed IP are masked off. */
	assert_int_equal(p->n_allowed_ips, 3);
	prefix_is(&p->allowed_ips[0], AF_INET, "10.0.0.0", 8);
	prefix_is(&p->allowed_ips[1], AF_INET, "192.168.0.0", 20);
	prefix_is(&p->allowed_ips[2], AF_INET6, "2001:db8::", 33);
	assert_true(p->has_endpoint);
	assert_string_equal(p->endpoint_host, "2001:db8::1");
	assert_int_equal(p->endpoint_port, 443);
	assert_true(p->endpoint_resolved);
	fx_endpoint_format(&p->endpoint, ep, sizeof(ep));
	assert_string_equal(ep, "[2001:db8::1]:443/udp");
	assert_int_equal(p->persistent_keepalive, 25);

	p = &c->peers[1];
	assert_int_equal(p->line, 18);
	assert_int_equal(p->n_allowed_ips, 0);
	assert_true(p->endpoint_resolved);
	fx_endpoint_format(&p->endpoint, ep, sizeof(ep));
	assert_string_equal(ep, "198.51.100.7:51820/udp");
	assert_string_equal(p->endpoint_host, "198.51.100.7");
	assert_int_equal(p->persistent_keepalive, 0);
	fx_wgconf_wipe(c);
	free(c);
}

/* A config with one line changed: "[Interface]\nPrivateKey\n...". The peer
 * header is on line 5. */
#define IFACE "[Interface]\nPrivateKey = " PRIV "\n"
#define PEER "[Peer]\nPublicKey = " PUB "\nEndpoint = 198.51.100.7:51820\n"

static void small_values(void **state)
{
	struct fx_wg_config *c = malloc(sizeof(*c));
	struct fx_err err;

	(void)state;
	assert_non_null(c);
	assert_int_equal(parse(IFACE "FwMark = off\nTable = off\nMTU = 576\nListenPort = 0\n" PEER,
			       c, &err), 0);
	assert_int_equal(c->fwmark, 0);
	assert_int_equal(c->table_mode, FX_WG_TABLE_OFF);
	assert_int_equal(c->mtu, 576);
	assert_true(c->has_listen_port);
	assert_int_equal(c->listen_port, 0);
	assert_int_equal(parse(IFACE "FwMark = 51820\nTable = 4294967294\nMTU = 65535\n" PEER,
			       c, &err), 0);
	assert_int_equal(c->fwmark, 51820);
	assert_int_equal(c->table_mode, FX_WG_TABLE_ID);
	assert_int_equal(c->table, 4294967294u);
	assert_int_equal(c->mtu, 65535);
	assert_int_equal(parse(IFACE "Table = auto\nFwMark = 0xFFFFFFFF\n" PEER, c, &err), 0);
	assert_int_equal(c->table_mode, FX_WG_TABLE_AUTO);
	assert_int_equal(c->fwmark, 0xffffffffu);
	/* No trailing newline, a '#' right after the value. */
	assert_int_equal(parse(IFACE "[Peer]\nPublicKey = " PUB "#x\nEndpoint=vpn:1", c, &err), 0);
	assert_string_equal(c->peers[0].endpoint_host, "vpn");
	assert_int_equal(c->peers[0].endpoint_port, 1);
	assert_false(c->peers[0].endpoint_resolved);
	fx_wgconf_wipe(c);
	free(c);
}

static void structure_errors(void **state)
{
	(void)state;
	expect_error("[Foo]\n", "x.conf:1: [Foo]: unknown section");
	expect_error(IFACE PEER "[Peer\n", "x.conf:6: malformed section header");
	expect_error(IFACE PEER "[" PUB "]\n", "x.conf:6: malformed section header");
	expect_error("# hello\nPrivateKey = " PRIV "\n[Interface]\n",
		     "x.conf:2: PrivateKey: outside any section");
	expect_error(IFACE "Address 10.0.0.1\n" PEER, "x.conf:3: expected 'Key = value'");
	/* The missing '=' must not make the key's padding the separator and the
	 * key a key name. */
	expect_error("[Interface]\nPrivateKey " PRIV "\n" PEER, "x.conf:2: expected 'Key = value'");
	expect_error(IFACE " = 1\n" PEER, "x.conf:3: expected 'Key = value'");
	expect_error(IFACE "Foo = 1\n" PEER, "x.conf:3: Foo: unknown key in [Interface]");
	expect_error(IFACE PEER "Foo = bar\n", "x.conf:6: Foo: unknown key in [Peer]");
	expect_error(IFACE "PublicKey = " PUB "\n" PEER,
		     "x.conf:3: PublicKey: belongs in [Peer], not in [Interface]");
	expect_error(IFACE "Address =\n" PEER, "x.conf:3: Address: empty value");
	expect_error(IFACE "DNS = # none\n" PEER, "x.conf:3: DNS: empty value");
	expect_error(IFACE "PrivateKey = " PRIV "\n" PEER,
		     "x.conf:3: PrivateKey: given twice in one section (first on line 2)");
	expect_error(IFACE "MTU = 1400\nmtu = 1400\n" PEER, "x.conf:4: MTU: given twice");
	expect_error(IFACE PEER "Endpoint = 198.51.100.8:1\n", "x.conf:6: Endpoint: given twice");
	expect_error(IFACE PEER "[Interface]\n",
		     "x.conf:6: [Interface]: given twice (first on line 1)");
	expect_error(IFACE "Address = 10.0.0.1,,10.0.0.2\n" PEER, "x.conf:3: Address: empty item");
	expect_error(IFACE "Address = 10.0.0.1,\n" PEER, "x.conf:3: Address: empty item");
	expect_error(IFACE "Address = 10.0.0.1, ,10.0.0.2\n" PEER, "x.conf:3: Address: empty item");
}

static void too_many_items(void **state)
{
	char *text = malloc(8192);
	size_t n;

	(void)state;
	assert_non_null(text);
	sprintf(text, IFACE "Address = 10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4\n"
			    "Address = 10.0.0.5, 10.0.0.6, 10.0.0.7, 10.0.0.8, 10.0.0.9\n" PEER);
	expect_error(text, "x.conf:4: Address: too many addresses (at most 8)");
	expect_error(IFACE "DNS = 1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5,1.1.1.6,1.1.1.7,"
		     "1.1.1.8,1.1.1.9\n" PEER, "x.conf:3: DNS: too many DNS servers (at most 8)");
	expect_error(IFACE "DNS = a,b,c,d,e,f,g\n" PEER,
		     "x.conf:3: DNS: too many search domains (at most 6)");

	n = (size_t)sprintf(text, IFACE PEER);
	for (int i = 0; i < FX_WG_MAX_ALLOWED + 1; i++)
		n += (size_t)sprintf(text + n, "AllowedIPs = 10.%d.0.0/16\n", i);
	expect_error(text, "x.conf:70: AllowedIPs: too many prefixes (at most 64)");

	n = (size_t)sprintf(text, IFACE);
	for (int i = 0; i < FX_WG_MAX_PEERS + 1; i++)
		n += (size_t)sprintf(text + n, "[Peer]\nPublicKey = " PUB "\n");
	expect_error(text, "x.conf:19: [Peer]: too many peers (at most 8)");
	free(text);
}

static void whole_config_checks(void **state)
{
	(void)state;
	expect_error("", "x.conf: no [Interface] section");
	expect_error("# nothing\n\n", "x.conf: no [Interface] section");
	expect_error("[Interface]\nMTU = 1400\n" PEER, "x.conf:1: [Interface]: PrivateKey missing");
	expect_error(IFACE, "x.conf: no [Peer] section");
	expect_error(IFACE "\n\n"
		     "[Peer]\nPublicKey = " PUB "\nEndpoint = 198.51.100.7:51820\n\n\n\n\n"
		     "[Peer]\nAllowedIPs = 10.0.0.0/8\n",
		     "x.conf:12: [Peer]: PublicKey missing");
	expect_error(IFACE "[Peer]\nPublicKey = " PUB "\nAllowedIPs = 0.0.0.0/0\n",
		     "x.conf: no [Peer] has an Endpoint: fexyn needs the server's Endpoint");
	expect_error(IFACE PEER "[Peer]\nPublicKey = " PUB "\n",
		     "x.conf:6: [Peer]: same PublicKey as the [Peer] on line 3");
}

static void commands_are_refused(void **state)
{
	(void)state;
	expect_error(IFACE "PostUp = iptables -I OUTPUT -j ACCEPT\n" PEER,
		     "x.conf:3: PostUp: refused: fexynd runs as root and will not run commands "
		     "from a config file");
	expect_error(IFACE "preup = true\n" PEER, "x.conf:3: PreUp: refused: fexynd runs as root");
	expect_error(IFACE "PreDown = true\n" PEER, "x.conf:3: PreDown: refused");
	expect_error(IFACE "POSTDOWN = true\n" PEER, "x.conf:3: PostDown: refused");
	expect_error(IFACE "SaveConfig = true\n" PEER,
		     "x.conf:3: SaveConfig: refused: fexyn never writes to your config file");
	expect_error(IFACE PEER "PostUp = true\n", "x.conf:6: PostUp: refused");
}

static void key_errors_never_quote_the_key(void **state)
{
	(void)state;
	expect_error("[Interface]\nPrivateKey = " KEY31 "\n" PEER,
		     "x.conf:2: PrivateKey: a key is 32 bytes (44 base64 characters); "
		     "this one is 31 bytes");
	expect_error("[Interface]\nPrivateKey = " KEY33 "\n" PEER,
		     "x.conf:2: PrivateKey: a key is 32 bytes (44 base64 characters); "
		     "this one is 33 bytes");
	expect_error("[Interface]\nPrivateKey = OQyMfXJHNCzYEA8vb3cNZdZw5Y4DUdiujk9urDQvwj*=\n" PEER,
		     "x.conf:2: PrivateKey: not valid base64");
	expect_error(IFACE "[Peer]\nPublicKey = " PUB "x\n", "x.conf:4: PublicKey: not valid base64");
	expect_error(IFACE PEER "PresharedKey = " PRIV " " PSK "\n",
		     "x.conf:6: PresharedKey: not valid base64");
	/* A key where a list was expected: the message says no more than that. */
	expect_error(IFACE "DNS = " PSK "\n" PEER, "x.conf:3: DNS: not valid (the text is not shown");
	expect_error(IFACE "Address = " PUB "\n" PEER, "x.conf:3: Address: not valid");
	expect_error(IFACE PEER "AllowedIPs = 0.0.0.0/0, " PRIV "\n", "x.conf:6: AllowedIPs: not valid");
	expect_error(IFACE "[Peer]\nPublicKey = " PUB "\nEndpoint = " PRIV ":51820\n",
		     "x.conf:5: Endpoint: not valid");
}

static void value_errors(void **state)
{
	(void)state;
	expect_error(IFACE "Address = 10.0.0.300/24\n" PEER,
		     "x.conf:3: Address: '10.0.0.300' is not an IPv4 or IPv6 address");
	expect_error(IFACE "Address = 10.0.0.1/33\n" PEER, "x.conf:3: Address: bad prefix length");
	expect_error(IFACE "Address = 10.0.0.1/+8\n" PEER, "x.conf:3: Address: '10.0.0.1/+8': bad prefix length");
	expect_error(IFACE "Address = 10.0.0.1/\n" PEER, "x.conf:3: Address: '10.0.0.1/': bad prefix length");
	expect_error(IFACE "DNS = 10.0.0.300\n" PEER,
		     "x.conf:3: DNS: '10.0.0.300' is neither an IP address nor a DNS name");
	expect_error(IFACE "DNS = a..b\n" PEER, "x.conf:3: DNS: 'a..b' is neither");
	expect_error(IFACE "DNS = -a.com\n" PEER, "x.conf:3: DNS: '-a.com' is neither");
	expect_error(IFACE "MTU = 575\n" PEER, "x.conf:3: MTU: '575' is out of range 576-65535");
	expect_error(IFACE "MTU = 65536\n" PEER, "x.conf:3: MTU: '65536' is out of range 576-65535");
	expect_error(IFACE "MTU = 1400 bytes\n" PEER, "x.conf:3: MTU: '1400 bytes' is not a number");
	expect_error(IFACE "MTU = -1\n" PEER, "x.conf:3: MTU: '-1' is not a number");
	expect_error(IFACE "ListenPort = 65536\n" PEER, "x.conf:3: ListenPort: '65536' is out of range 0-65535");
	expect_error(IFACE "FwMark = 0x1ffffffff\n" PEER, "x.conf:3: FwMark: '0x1ffffffff' is out of range");
	expect_error(IFACE "FwMark = 010x\n" PEER, "x.conf:3: FwMark: '010x' is not a number");
	expect_error(IFACE "FwMark = 0x\n" PEER, "x.conf:3: FwMark: '0x' is not a number");
	expect_error(IFACE "Table = 0\n" PEER, "x.conf:3: Table: '0' is out of range 1-4294967294");
	expect_error(IFACE "Table = 4294967295\n" PEER, "x.conf:3: Table: '4294967295' is out of range");
	expect_error(IFACE "Table = wg\n" PEER, "x.conf:3: Table: 'wg' is not off, auto, main or a table number");
	expect_error(IFACE PEER "PersistentKeepalive = 65536\n",
		     "x.conf:6: PersistentKeepalive: '65536' is out of range 0-65535");
	expect_error(IFACE PEER "PersistentKeepalive = on\n",
		     "x.conf:6: PersistentKeepalive: 'on' is not a number");
	expect_error(IFACE PEER "AllowedIPs = 0.0.0.0/0, ::/129\n", "x.conf:6: AllowedIPs: bad prefix length");
}

static void endpoint_errors(void **state)
{
	(void)state;
	expect_error(IFACE "[Peer]\nPublicKey = " PUB "\nEndpoint = 198.51.100.7\n",
		     "x.conf:5: Endpoint: missing port");
	expect_error(IFACE "[Peer]\nPublicKey = " PUB "\nEndpoint = vpn.example.com:\n",
		     "x.conf:5: Endpoint: missing port");
	expect_error(IFACE "[Peer]\nPublicKey = " PUB "\nEndpoint = [2001:db8::1]\n",
		     "x.conf:5: Endpoint: missing port");
	expect_error(IFACE "[Peer]\nEndpoint = vpn.example.com:0\nPublicKey = " PUB "\n",
		     "x.conf:4: Endpoint: bad port '0'");
	expect_error(IFACE "[Peer]\nEndpoint = vpn.example.com:65536\n",
		     "x.conf:4: Endpoint: bad port '65536'");
	expect_error(IFACE "[Peer]\nEndpoint = vpn.example.com:51820/udp\n",
		     "x.conf:4: Endpoint: bad port '51820/udp'");
	expect_error(IFACE "[Peer]\nEndpoint = 2001:db8::1:51820\n",
		     "x.conf:4: Endpoint: IPv6 endpoints are written [address]:port");
	expect_error(IFACE "[Peer]\nEndpoint = [2001:db8::1:51820\n",
		     "x.conf:4: Endpoint: missing ']'");
	expect_error(IFACE "[Peer]\nEndpoint = [2001:db8::1]51820\n",
		     "x.conf:4: Endpoint: expected ':' after ']'");
	expect_error(IFACE "[Peer]\nEndpoint = [198.51.100.7]:51820\n",
		     "x.conf:4: Endpoint: brackets are for IPv6 addresses");
	expect_error(IFACE "[Peer]\nEndpoint = [vpn.example.com]:51820\n",
		     "x.conf:4: Endpoint: 'vpn.example.com' is not an IPv6 address");
	expect_error(IFACE "[Peer]\nEndpoint = 198.51.100.300:51820\n",
		     "x.conf:4: Endpoint: '198.51.100.300' is neither an IP address nor a host name");
	expect_error(IFACE "[Peer]\nEndpoint = vpn_$x:51820\n", "x.conf:4: Endpoint: 'vpn_$x' is neither");
	expect_error(IFACE "[Peer]\nEndpoint = :51820\n", "x.conf:4: Endpoint: missing host");
}

static void text_errors(void **state)
{
	static const char nul[] = IFACE "MTU = 14\0000\n" PEER;
	struct fx_wg_config *c = malloc(sizeof(*c));
	char *text = malloc(8192);
	struct fx_err err = { { 0 } };

	(void)state;
	assert_non_null(c);
	assert_non_null(text);
	assert_int_equal(fx_wgconf_parse("x.conf", nul, sizeof(nul) - 1, c, &err), -EINVAL);
	assert_string_equal(err.msg, "x.conf:3: not a text file");
	expect_error(IFACE PEER "\x1b[31m\n", "x.conf:6: not a text file");

	/* 4096 characters are fine (a long comment), 4097 are not. */
	snprintf(text, 8192, IFACE "#%04095d\n" PEER, 0);
	assert_int_equal(parse(text, c, &err), 0);
	snprintf(text, 8192, IFACE "#%04096d\n" PEER, 0);
	expect_error(text, "x.conf:3: line longer than 4096 characters");
	fx_wgconf_wipe(c);
	free(c);
	free(text);
}

/* Writes len bytes to a fresh file under /tmp; the caller removes it. */
static void write_temp(char *path, const void *data, size_t len)
{
	int fd;

	strcpy(path, "/tmp/fexyn-test-wgconf-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static int load_bytes(const void *data, size_t len, char *path, struct fx_wg_config *c,
		      struct fx_err *err)
{
	int r;

	write_temp(path, data, len);
	memset(err, 0, sizeof(*err));
	r = fx_wgconf_load(path, c, err);
	unlink(path);
	return r;
}

static void load_reads_text_files_only(void **state)
{
	struct fx_wg_config *c = malloc(sizeof(*c));
	char *big = malloc(1 << 20);
	char path[64], want[160];
	struct fx_err err;
	size_t n;

	(void)state;
	assert_non_null(c);
	assert_non_null(big);

	assert_int_equal(load_bytes(provider_conf, strlen(provider_conf), path, c, &err), 0);
	key_is(c->private_key, PRIV_HEX);

	/* A megabyte of text: not read to the end, not parsed. */
	memset(big, '#', 1 << 20);
	for (size_t i = 80; i < (1 << 20); i += 81)
		big[i] = '\n';
	memset(c, 0xa5, sizeof(*c));
	assert_int_equal(load_bytes(big, 1 << 20, path, c, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s: larger than 65536 bytes: not a WireGuard config", path);
	assert_string_equal(err.msg, want);
	assert_true(is_all_zero(c, sizeof(*c)));

	/* Exactly the limit is fine; one byte more is not. */
	n = strlen(provider_conf);
	memcpy(big, provider_conf, n);
	assert_int_equal(load_bytes(big, FX_WG_CONF_MAX_SIZE, path, c, &err), 0);
	assert_int_equal(load_bytes(big, FX_WG_CONF_MAX_SIZE + 1, path, c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "larger than 65536 bytes"));

	/* Something compiled, with NULs on its first line. */
	for (size_t i = 0; i < 4096; i++)
		big[i] = (char)(i * 7 + 3);
	memcpy(big, "\x7f" "ELF\x02\x01\x01\0", 8);
	assert_int_equal(load_bytes(big, 4096, path, c, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s:1: not a text file", path);
	assert_string_equal(err.msg, want);

	/* Text, then a NUL on line 4. */
	n = (size_t)snprintf(big, 1 << 20, "%s", provider_conf);
	strstr(big, "Address")[3] = '\0';
	assert_int_equal(load_bytes(big, n, path, c, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s:4: not a text file", path);
	assert_string_equal(err.msg, want);

	assert_int_equal(fx_wgconf_load("/nonexistent/wg0.conf", c, &err), -ENOENT);
	assert_string_equal(err.msg, "/nonexistent/wg0.conf: No such file or directory");
	assert_int_equal(fx_wgconf_load("/tmp", c, &err), -EINVAL);
	assert_string_equal(err.msg, "/tmp: not a regular file");
	assert_int_equal(fx_wgconf_load("/dev/null", c, &err), -EINVAL);
	assert_string_equal(err.msg, "/dev/null: not a regular file");
	free(big);
	free(c);
}

/*
 * Mutations of a valid config: bytes changed to ones the grammar cares
 * about, lines cut, doubled and run together. The parser must never crash
 * (ASan and UBSan watch), and every refusal must name the file and quote no
 * key. Both outcomes must occur, or the test tests nothing.
 */
static void mutate(unsigned *seed, char *buf, size_t *len, size_t cap)
{
	static const char interesting[] = "[]=#,:/.\n\r\t 0123456789abcdefxAZ+-\0\x7f\xff";
	size_t n = *len;
	size_t at = n ? (size_t)rand_r(seed) % n : 0;

	switch (rand_r(seed) % 6) {
	case 0: /* change a byte */
		if (n)
			buf[at] = interesting[rand_r(seed) % (int)(sizeof(interesting) - 1)];
		break;
	case 1: /* delete a run */
		if (n) {
			size_t k = (size_t)rand_r(seed) % 8 + 1;

			if (k > n - at)
				k = n - at;
			memmove(buf + at, buf + at + k, n - at - k);
			*len = n - k;
		}
		break;
	case 2: /* insert a byte */
		if (n + 1 < cap) {
			memmove(buf + at + 1, buf + at, n - at);
			buf[at] = interesting[rand_r(seed) % (int)(sizeof(interesting) - 1)];
			*len = n + 1;
		}
		break;
	case 3: /* duplicate a stretch, often a whole line */
		if (n) {
			size_t k = (size_t)rand_r(seed) % 64 + 1;

			if (k > n - at)
				k = n - at;
			if (n + k < cap) {
				memmove(buf + at + k, buf + at, n - at);
				*len = n + k;
			}
		}
		break;
	case 4: /* truncate */
		*len = at;
		break;
	default: /* run two lines together */
		for (size_t i = at; i < n; i++) {
			if (buf[i] == '\n') {
				buf[i] = rand_r(seed) % 2 ? ',' : ' ';
				break;
			}
		}
		break;
	}
}

static void random_mutations_never_crash(void **state)
{
	struct fx_wg_config *c = malloc(sizeof(*c));
	const size_t cap = 4096;
	char *buf = malloc(cap);
	unsigned seed = 20240611;
	int accepted = 0, refused = 0;

	(void)state;
	assert_non_null(c);
	assert_non_null(buf);
	for (int round = 0; round < 5000; round++) {
		const char *base = round % 2 ? full_conf : provider_conf;
		size_t len = strlen(base);
		struct fx_err err = { { 0 } };
		int steps = rand_r(&seed) % 4 + 1;
		int r;

		/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): parsed with its length */
		memcpy(buf, base, len);
		for (int i = 0; i < steps; i++)
			mutate(&seed, buf, &len, cap);
		r = fx_wgconf_parse("fuzz.conf", buf, len, c, &err);
		if (r == 0) {
			accepted++;
			assert_true(c->n_peers >= 1 && c->n_peers <= FX_WG_MAX_PEERS);
			assert_true(c->n_addresses <= FX_WG_MAX_ADDRS);
			assert_true(strlen(c->peers[0].endpoint_host) < FX_WG_HOST_MAX);
			continue;
		}
		refused++;
		if (r >= 0 || r < -4095)
			fail_msg("round %d: returned %d", round, r);
		if (!err.msg[0] || !strstr(err.msg, "fuzz.conf"))
			fail_msg("round %d: message '%s'", round, err.msg);
		assert_no_key_text(err.msg);
		assert_true(is_all_zero(c, sizeof(*c)));
	}
	assert_true(accepted > 100);
	assert_true(refused > 1000);
	free(buf);
	fx_wgconf_wipe(c);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(provider_config_parses_field_by_field),
		cmocka_unit_test(full_config_parses_field_by_field),
		cmocka_unit_test(small_values),
		cmocka_unit_test(structure_errors),
		cmocka_unit_test(too_many_items),
		cmocka_unit_test(whole_config_checks),
		cmocka_unit_test(commands_are_refused),
		cmocka_unit_test(key_errors_never_quote_the_key),
		cmocka_unit_test(value_errors),
		cmocka_unit_test(endpoint_errors),
		cmocka_unit_test(text_errors),
		cmocka_unit_test(load_reads_text_files_only),
		cmocka_unit_test(random_mutations_never_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
