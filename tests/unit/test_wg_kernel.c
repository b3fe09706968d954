/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel WireGuard messages without a kernel: WG_CMD_SET_DEVICE is built and
 * read back attribute by attribute, and WG_CMD_GET_DEVICE replies are made
 * by hand, well-formed and not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wg_kernel.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>
#include <string.h>

#define FAMILY 0x1b
#define SEQ 4242
#define FWMARK 0xca6c

static char buf[32 * 1024];

static void fill(uint8_t *key, uint8_t start)
{
	for (size_t i = 0; i < FX_KEY_LEN; i++)
		key[i] = (uint8_t)(start + i);
}

static struct fx_prefix prefix(const char *s)
{
	struct fx_prefix p = { 0 };

	p.addr.family = strchr(s, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(p.addr.family, s, p.addr.bytes), 1);
	return p;
}

static void set_endpoint(struct fx_wg_peer *peer, const char *host, uint16_t port)
{
	peer->has_endpoint = true;
	peer->endpoint_resolved = true;
	strcpy(peer->endpoint_host, host);
	peer->endpoint_port = port;
	peer->endpoint.addr = prefix(host).addr;
	peer->endpoint.port = port;
	peer->endpoint.proto = IPPROTO_UDP;
}

/* Two peers as a provider hands them out: full tunnel over v4 and v6. */
static struct fx_wg_config *two_peers(void)
{
	static struct fx_wg_config cfg;
	struct fx_wg_peer *p;

	memset(&cfg, 0, sizeof(cfg));
	fill(cfg.private_key, 0x10);
	cfg.has_listen_port = true;
	cfg.listen_port = 51000;
	cfg.n_peers = 2;

	p = &cfg.peers[0];
	fill(p->public_key, 0x40);
	p->has_preshared_key = true;
	fill(p->preshared_key, 0x70);
	set_endpoint(p, "198.51.100.7", 51820);
	p->persistent_keepalive = 25;
	p->allowed_ips[p->n_allowed_ips++] = prefix("0.0.0.0");

	p = &cfg.peers[1];
	fill(p->public_key, 0xa0);
	set_endpoint(p, "2001:db8::1", 1194);
	p->persistent_keepalive = 25;
	p->allowed_ips[p->n_allowed_ips++] = prefix("::");
	return &cfg;
}

/* ---- reading attributes back ---- */

#define TB_MAX 16

struct tb {
	const struct nlattr *a[TB_MAX + 1];
	unsigned n;
};

static int tb_cb(const struct nlattr *attr, void *data)
{
	struct tb *tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	assert_true(type <= TB_MAX);
	assert_null(tb->a[type]); /* each attribute once */
	tb->a[type] = attr;
	tb->n++;
	return MNL_CB_OK;
}

static void tb_nested(const struct nlattr *nest, struct tb *tb)
{
	memset(tb, 0, sizeof(*tb));
	assert_true(nest->nla_type & NLA_F_NESTED); /* the kernel's strict parser wants it */
	assert_int_equal(mnl_attr_parse_nested(nest, tb_cb, tb), MNL_CB_OK);
}

/* The entries of a list nest (peers, allowed IPs), each of type 0. */
static unsigned list(const struct nlattr *nest, const struct nlattr **out, unsigned max)
{
	const struct nlattr *a;
	unsigned n = 0;

	assert_true(nest->nla_type & NLA_F_NESTED);
	mnl_attr_for_each_nested(a, nest) {
		assert_int_equal(mnl_attr_get_type(a), 0);
		assert_true(n < max);
		out[n++] = a;
	}
	return n;
}

static void assert_bytes(const struct nlattr *a, const void *want, size_t len)
{
	assert_non_null(a);
	assert_int_equal(mnl_attr_get_payload_len(a), len);
	assert_memory_equal(mnl_attr_get_payload(a), want, len);
}

static void assert_u16(const struct nlattr *a, uint16_t want)
{
	assert_non_null(a);
	assert_int_equal(mnl_attr_validate(a, MNL_TYPE_U16), 0);
	assert_int_equal(mnl_attr_get_u16(a), want);
}

static void assert_u32(const struct nlattr *a, uint32_t want)
{
	assert_non_null(a);
	assert_int_equal(mnl_attr_validate(a, MNL_TYPE_U32), 0);
	assert_int_equal(mnl_attr_get_u32(a), want);
}

static void check_allowed_ip(const struct nlattr *peer_ips, int family, const char *addr,
			     uint8_t cidr)
{
	const struct nlattr *ips[4];
	struct fx_prefix want = prefix(addr);
	struct tb tb;

	assert_int_equal(list(peer_ips, ips, 4), 1);
	tb_nested(ips[0], &tb);
	assert_int_equal(tb.n, 3);
	assert_u16(tb.a[WGALLOWEDIP_A_FAMILY], (uint16_t)family);
	assert_bytes(tb.a[WGALLOWEDIP_A_IPADDR], want.addr.bytes, family == AF_INET ? 4 : 16);
	assert_non_null(tb.a[WGALLOWEDIP_A_CIDR_MASK]);
	assert_int_equal(mnl_attr_validate(tb.a[WGALLOWEDIP_A_CIDR_MASK], MNL_TYPE_U8), 0);
	assert_int_equal(mnl_attr_get_u8(tb.a[WGALLOWEDIP_A_CIDR_MASK]), cidr);
}

static void check_peer0(const struct nlattr *nest, const struct fx_wg_peer *p)
{
	struct sockaddr_in sin;
	struct tb tb;

	tb_nested(nest, &tb);
	assert_int_equal(tb.n, 6);
	assert_bytes(tb.a[WGPEER_A_PUBLIC_KEY], p->public_key, FX_KEY_LEN);
	assert_bytes(tb.a[WGPEER_A_PRESHARED_KEY], p->preshared_key, FX_KEY_LEN);
	assert_u32(tb.a[WGPEER_A_FLAGS], WGPEER_F_REPLACE_ALLOWEDIPS);
	assert_u16(tb.a[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL], 25);
	assert_non_null(tb.a[WGPEER_A_ENDPOINT]);
	assert_int_equal(mnl_attr_get_payload_len(tb.a[WGPEER_A_ENDPOINT]), sizeof(sin));
	memcpy(&sin, mnl_attr_get_payload(tb.a[WGPEER_A_ENDPOINT]), sizeof(sin));
	assert_int_equal(sin.sin_family, AF_INET);
	assert_int_equal(ntohs(sin.sin_port), 51820);
	assert_int_equal(ntohl(sin.sin_addr.s_addr), 0xc6336407); /* 198.51.100.7 */
	check_allowed_ip(tb.a[WGPEER_A_ALLOWEDIPS], AF_INET, "0.0.0.0", 0);
}

static void check_peer1(const struct nlattr *nest, const struct fx_wg_peer *p)
{
	struct sockaddr_in6 sin6;
	struct in6_addr want;
	struct tb tb;

	tb_nested(nest, &tb);
	assert_int_equal(tb.n, 5); /* no preshared key */
	assert_null(tb.a[WGPEER_A_PRESHARED_KEY]);
	assert_bytes(tb.a[WGPEER_A_PUBLIC_KEY], p->public_key, FX_KEY_LEN);
	assert_u32(tb.a[WGPEER_A_FLAGS], WGPEER_F_REPLACE_ALLOWEDIPS);
	assert_u16(tb.a[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL], 25);
	assert_non_null(tb.a[WGPEER_A_ENDPOINT]);
	assert_int_equal(mnl_attr_get_payload_len(tb.a[WGPEER_A_ENDPOINT]), sizeof(sin6));
	memcpy(&sin6, mnl_attr_get_payload(tb.a[WGPEER_A_ENDPOINT]), sizeof(sin6));
	assert_int_equal(sin6.sin6_family, AF_INET6);
	assert_int_equal(ntohs(sin6.sin6_port), 1194);
	assert_int_equal(sin6.sin6_flowinfo, 0);
	assert_int_equal(sin6.sin6_scope_id, 0);
	inet_pton(AF_INET6, "2001:db8::1", &want);
	assert_memory_equal(&sin6.sin6_addr, &want, sizeof(want));
	check_allowed_ip(tb.a[WGPEER_A_ALLOWEDIPS], AF_INET6, "::", 0);
}

static void set_device_carries_every_field(void **state)
{
	const struct fx_wg_config *cfg = two_peers();
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	const struct genlmsghdr *genl;
	const struct nlattr *peers[4];
	struct tb tb = { 0 };
	int n;

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	n = fx_wg_kernel_build_set(buf, sizeof(buf), FAMILY, SEQ, "wg0", cfg, FWMARK);
	assert_true(n > 0);
	assert_int_equal(n, nlh->nlmsg_len);
	assert_int_equal(nlh->nlmsg_type, FAMILY);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(nlh->nlmsg_seq, SEQ);
	genl = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(genl->cmd, WG_CMD_SET_DEVICE);
	assert_int_equal(genl->version, WG_GENL_VERSION);
	assert_int_equal(genl->reserved, 0);

	assert_int_equal(mnl_attr_parse(nlh, sizeof(*genl), tb_cb, &tb), MNL_CB_OK);
	assert_int_equal(tb.n, 6);
	assert_non_null(tb.a[WGDEVICE_A_IFNAME]);
	assert_int_equal(mnl_attr_validate(tb.a[WGDEVICE_A_IFNAME], MNL_TYPE_NUL_STRING), 0);
	assert_string_equal(mnl_attr_get_str(tb.a[WGDEVICE_A_IFNAME]), "wg0");
	assert_bytes(tb.a[WGDEVICE_A_PRIVATE_KEY], cfg->private_key, FX_KEY_LEN);
	assert_u16(tb.a[WGDEVICE_A_LISTEN_PORT], 51000);
	assert_u32(tb.a[WGDEVICE_A_FWMARK], FWMARK);
	assert_u32(tb.a[WGDEVICE_A_FLAGS], WGDEVICE_F_REPLACE_PEERS);
	assert_non_null(tb.a[WGDEVICE_A_PEERS]);
	assert_int_equal(list(tb.a[WGDEVICE_A_PEERS], peers, 4), 2);
	check_peer0(peers[0], &cfg->peers[0]);
	check_peer1(peers[1], &cfg->peers[1]);
}

static void set_device_leaves_out_what_is_not_given(void **state)
{
	struct fx_wg_config *cfg = two_peers();
	const struct nlattr *peers[4];
	struct tb tb = { 0 };

	(void)state;
	cfg->has_listen_port = false;
	cfg->peers[1].has_endpoint = false; /* a peer that only answers */
	cfg->n_peers = 2;
	assert_true(fx_wg_kernel_build_set(buf, sizeof(buf), FAMILY, SEQ, "wg0", cfg, 0) > 0);
	assert_int_equal(mnl_attr_parse((struct nlmsghdr *)buf, sizeof(struct genlmsghdr), tb_cb,
					&tb), MNL_CB_OK);
	assert_null(tb.a[WGDEVICE_A_LISTEN_PORT]);
	assert_u32(tb.a[WGDEVICE_A_FWMARK], 0); /* sent, so an old mark is cleared */
	assert_int_equal(list(tb.a[WGDEVICE_A_PEERS], peers, 4), 2);
	tb_nested(peers[1], &tb);
	assert_null(tb.a[WGPEER_A_ENDPOINT]);
	assert_non_null(tb.a[WGPEER_A_PUBLIC_KEY]);
}

/* Eight peers of 64 IPv6 allowed IPs each: the largest config we accept. */
static void set_device_fits_the_largest_config(void **state)
{
	static struct fx_wg_config cfg;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.n_peers = FX_WG_MAX_PEERS;
	for (size_t i = 0; i < cfg.n_peers; i++) {
		struct fx_wg_peer *p = &cfg.peers[i];

		p->has_preshared_key = true;
		set_endpoint(p, "2001:db8::1", 1194);
		for (size_t j = 0; j < FX_WG_MAX_ALLOWED; j++)
			p->allowed_ips[p->n_allowed_ips++] = prefix("2001:db8::");
	}
	assert_true(fx_wg_kernel_build_set(buf, sizeof(buf), FAMILY, SEQ, "wg0", &cfg, 0) > 0);
}

static void set_device_needs_room(void **state)
{
	const struct fx_wg_config *cfg = two_peers();
	int n;

	(void)state;
	assert_int_equal(fx_wg_kernel_build_set(buf, 8, FAMILY, SEQ, "wg0", cfg, 0), -ENOSPC);
	assert_int_equal(fx_wg_kernel_build_set(buf, 64, FAMILY, SEQ, "wg0", cfg, 0), -ENOSPC);
	n = fx_wg_kernel_build_set(buf, sizeof(buf), FAMILY, SEQ, "wg0", cfg, 0);
	assert_true(n > 0);
	/* One byte short fails, and leaves no key behind in the buffer. */
	assert_int_equal(fx_wg_kernel_build_set(buf, (size_t)n - 1, FAMILY, SEQ, "wg0", cfg, 0),
			 -ENOSPC);
	assert_null(memmem(buf, (size_t)n, cfg->private_key, FX_KEY_LEN));
	assert_null(memmem(buf, (size_t)n, cfg->peers[0].preshared_key, FX_KEY_LEN));
	assert_int_equal(fx_wg_kernel_build_set(buf, (size_t)n, FAMILY, SEQ, "wg0", cfg, 0), n);
}

static void set_device_wants_resolved_endpoints(void **state)
{
	struct fx_wg_config *cfg = two_peers();

	(void)state;
	cfg->peers[1].endpoint_resolved = false;
	strcpy(cfg->peers[1].endpoint_host, "vpn.example.net");
	assert_int_equal(fx_wg_kernel_build_set(buf, sizeof(buf), FAMILY, SEQ, "wg0", cfg, 0),
			 -EDESTADDRREQ);
	assert_int_equal(fx_wg_kernel_build_set(buf, sizeof(buf), FAMILY, SEQ,
						"a-name-of-twenty-chars", two_peers(), 0), -EINVAL);
}

/* ---- WG_CMD_GET_DEVICE replies ---- */

static struct nlmsghdr *reply_start(void)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = FAMILY;
	nlh->nlmsg_flags = NLM_F_MULTI;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = WG_CMD_GET_DEVICE;
	genl->version = WG_GENL_VERSION;
	mnl_attr_put_u32(nlh, WGDEVICE_A_IFINDEX, 7);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, "wg0");
	return nlh;
}

static void put_peer(struct nlmsghdr *nlh, uint8_t key, int64_t sec, uint64_t rx, uint64_t tx)
{
	struct __kernel_timespec ts = { .tv_sec = sec, .tv_nsec = sec ? 5 : 0 };
	uint8_t pub[FX_KEY_LEN];
	struct nlattr *peer = mnl_attr_nest_start(nlh, 0);
	struct nlattr *ips, *ip;

	fill(pub, key);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, sizeof(pub), pub);
	mnl_attr_put(nlh, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(ts), &ts);
	mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 25);
	mnl_attr_put(nlh, WGPEER_A_UNSPEC, 0, NULL); /* the kernel's 64-bit padding */
	mnl_attr_put_u64(nlh, WGPEER_A_TX_BYTES, tx);
	mnl_attr_put_u64(nlh, WGPEER_A_RX_BYTES, rx);
	mnl_attr_put_u32(nlh, WGPEER_A_PROTOCOL_VERSION, 1);
	ips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	ip = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, AF_INET);
	mnl_attr_put_u32(nlh, WGALLOWEDIP_A_IPADDR, 0);
	mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, 0);
	mnl_attr_nest_end(nlh, ip);
	mnl_attr_nest_end(nlh, ips);
	mnl_attr_put_u32(nlh, 99, 0); /* from a newer kernel: skipped */
	mnl_attr_nest_end(nlh, peer);
}

static struct nlmsghdr *two_peer_reply(void)
{
	struct nlmsghdr *nlh = reply_start();
	uint8_t pub[FX_KEY_LEN];
	struct nlattr *peers;

	fill(pub, 0x33);
	mnl_attr_put(nlh, WGDEVICE_A_PUBLIC_KEY, sizeof(pub), pub);
	mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, 51000);
	mnl_attr_put_u32(nlh, WGDEVICE_A_FWMARK, FWMARK);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	put_peer(nlh, 0x40, 1700000100, 1000, 2000);
	put_peer(nlh, 0xa0, 1700000000, 1, 2);
	mnl_attr_nest_end(nlh, peers);
	return nlh;
}

static void get_device_sums_peers(void **state)
{
	struct fx_wg_status st = { .rx_bytes = 10, .tx_bytes = 20 };

	(void)state;
	assert_int_equal(fx_wg_kernel_parse_device(two_peer_reply(), &st), 0);
	assert_int_equal(st.rx_bytes, 10 + 1000 + 1);
	assert_int_equal(st.tx_bytes, 20 + 2000 + 2);
	assert_true(st.handshake);
	assert_int_equal(st.last_handshake, 1700000100);

	/* A later message of the same dump: more peers add to the sums, and
	 * an older handshake does not move the newest back. */
	struct nlmsghdr *nlh = reply_start();
	struct nlattr *peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);

	put_peer(nlh, 0x50, 1600000000, 5, 6);
	mnl_attr_nest_end(nlh, peers);
	assert_int_equal(fx_wg_kernel_parse_device(nlh, &st), 0);
	assert_int_equal(st.rx_bytes, 1016);
	assert_int_equal(st.tx_bytes, 2028);
	assert_int_equal(st.last_handshake, 1700000100);
}

static void get_device_without_handshake(void **state)
{
	struct fx_wg_status st = { 0 };
	struct nlmsghdr *nlh = reply_start();
	struct nlattr *peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);

	(void)state;
	put_peer(nlh, 0x40, 0, 0, 148); /* handshake initiations sent, none answered */
	mnl_attr_nest_end(nlh, peers);
	assert_int_equal(fx_wg_kernel_parse_device(nlh, &st), 0);
	assert_false(st.handshake);
	assert_int_equal(st.last_handshake, 0);
	assert_int_equal(st.tx_bytes, 148);

	/* A device without peers at all. */
	assert_int_equal(fx_wg_kernel_parse_device(reply_start(), &st), 0);
	assert_false(st.handshake);
}

/* Finds the first attribute of the given type under nest (depth first). */
static struct nlattr *find(struct nlattr *nest, uint16_t type, unsigned depth)
{
	struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		struct nlattr *found;

		if (depth == 0 && mnl_attr_get_type(a) == type)
			return a;
		if (depth > 0 && (found = find(a, type, depth - 1)))
			return found;
	}
	return NULL;
}

static struct nlattr *peers_of(struct nlmsghdr *nlh)
{
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == WGDEVICE_A_PEERS)
			return a;
	fail();
	return NULL;
}

static void assert_refused(struct nlmsghdr *nlh)
{
	struct fx_wg_status st = { .rx_bytes = 1, .tx_bytes = 2 };

	assert_int_equal(fx_wg_kernel_parse_device(nlh, &st), -EBADMSG);
	/* Nothing of a refused message is counted. */
	assert_int_equal(st.rx_bytes, 1);
	assert_int_equal(st.tx_bytes, 2);
	assert_false(st.handshake);
}

static void get_device_refuses_malformed(void **state)
{
	struct nlmsghdr *nlh;
	struct nlattr *a, *peers;

	(void)state;
	/* Cut off inside the last attribute (the peers nest). */
	nlh = two_peer_reply();
	nlh->nlmsg_len -= 8;
	assert_refused(nlh);

	/* A byte counter of four bytes, after a good peer that must not
	 * count either. */
	nlh = reply_start();
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	put_peer(nlh, 0x40, 1700000100, 1000, 2000);
	a = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put_u32(nlh, WGPEER_A_RX_BYTES, 1000);
	mnl_attr_nest_end(nlh, a);
	mnl_attr_nest_end(nlh, peers);
	assert_refused(nlh);

	/* A handshake time of the old 32-bit struct timespec size. */
	nlh = reply_start();
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	a = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put_u64(nlh, WGPEER_A_LAST_HANDSHAKE_TIME, 1700000000);
	mnl_attr_nest_end(nlh, a);
	mnl_attr_nest_end(nlh, peers);
	assert_refused(nlh);

	/* An attribute inside a peer claiming more than its peer holds. */
	nlh = two_peer_reply();
	a = find(peers_of(nlh), WGPEER_A_RX_BYTES, 1);
	assert_non_null(a);
	a->nla_len = 200;
	assert_refused(nlh);

	/* A peer entry that is not a nest but a bare byte. */
	nlh = reply_start();
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	mnl_attr_put_u8(nlh, 0, 1);
	mnl_attr_nest_end(nlh, peers);
	assert_refused(nlh);

	/* An interface name without its NUL. */
	nlh = two_peer_reply();
	mnl_attr_put(nlh, WGDEVICE_A_IFNAME, 3, "wg1");
	assert_refused(nlh);

	/* Shorter than the genetlink header, and the wrong command. */
	nlh = reply_start();
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 2;
	assert_refused(nlh);
	nlh = two_peer_reply();
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd = WG_CMD_SET_DEVICE;
	assert_refused(nlh);
}

/* What fx_wg_kernel_build_set makes, the parser (minus stats) accepts too:
 * the two agree on the shape of peers and allowed IPs. */
static void set_device_shape_parses(void **state)
{
	struct fx_wg_status st = { 0 };
	struct genlmsghdr *genl = (struct genlmsghdr *)(buf + MNL_NLMSG_HDRLEN);

	(void)state;
	assert_true(fx_wg_kernel_build_set(buf, sizeof(buf), FAMILY, SEQ, "wg0", two_peers(),
					   FWMARK) > 0);
	genl->cmd = WG_CMD_GET_DEVICE;
	assert_int_equal(fx_wg_kernel_parse_device((struct nlmsghdr *)buf, &st), 0);
	assert_false(st.handshake);
	assert_int_equal(st.rx_bytes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_device_carries_every_field),
		cmocka_unit_test(set_device_leaves_out_what_is_not_given),
		cmocka_unit_test(set_device_fits_the_largest_config),
		cmocka_unit_test(set_device_needs_room),
		cmocka_unit_test(set_device_wants_resolved_endpoints),
		cmocka_unit_test(set_device_shape_parses),
		cmocka_unit_test(get_device_sums_peers),
		cmocka_unit_test(get_device_without_handshake),
		cmocka_unit_test(get_device_refuses_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
