/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "wg_kernel.h"
#include "key.h"
#include "netlink.h"
#include "nlbuf.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * A full configuration (8 peers with 64 IPv6 allowed IPs each) takes about
 * 22 KiB as one WG_CMD_SET_DEVICE; the kernel also sizes its dump messages
 * to our receive buffer, up to 32 KiB.
 */
#define WG_NL_BUF (4 * FX_NL_BUF)

/* ---- building WG_CMD_SET_DEVICE ---- */

static int put_allowed_ip(struct nlmsghdr *nlh, size_t len, const struct fx_prefix *p)
{
	struct nlattr *nest;
	size_t alen = p->addr.family == AF_INET ? 4 : 16;

	if (p->addr.family != AF_INET && p->addr.family != AF_INET6)
		return -EAFNOSUPPORT;
	nest = mnl_attr_nest_start_check(nlh, len, 0);
	if (!nest ||
	    !mnl_attr_put_u16_check(nlh, len, WGALLOWEDIP_A_FAMILY, (uint16_t)p->addr.family) ||
	    !mnl_attr_put_check(nlh, len, WGALLOWEDIP_A_IPADDR, alen, p->addr.bytes) ||
	    !mnl_attr_put_u8_check(nlh, len, WGALLOWEDIP_A_CIDR_MASK, p->len))
		return -ENOSPC;
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

/* The kernel takes the endpoint as the sockaddr it will send to. */
static int put_endpoint(struct nlmsghdr *nlh, size_t len, const struct fx_endpoint *e)
{
	bool ok;

	if (e->addr.family == AF_INET) {
		struct sockaddr_in sin = {
			.sin_family = AF_INET,
			.sin_port = htons(e->port),
			.sin_addr = e->addr.v4,
		};

		ok = mnl_attr_put_check(nlh, len, WGPEER_A_ENDPOINT, sizeof(sin), &sin);
	} else if (e->addr.family == AF_INET6) {
		struct sockaddr_in6 sin6 = {
			.sin6_family = AF_INET6,
			.sin6_port = htons(e->port),
			.sin6_addr = e->addr.v6,
		};

		ok = mnl_attr_put_check(nlh, len, WGPEER_A_ENDPOINT, sizeof(sin6), &sin6);
	} else {
		return -EAFNOSUPPORT;
	}
	return ok ? 0 : -ENOSPC;
}

static int put_peer(struct nlmsghdr *nlh, size_t len, const struct fx_wg_peer *peer)
{
	struct nlattr *nest, *ips;
	int r;

	/* A host name must be resolved by the daemon first: the kill switch
	 * only lets out packets to addresses it knows. */
	if (peer->has_endpoint && !peer->endpoint_resolved)
		return -EDESTADDRREQ;
	nest = mnl_attr_nest_start_check(nlh, len, 0);
	if (!nest ||
	    !mnl_attr_put_check(nlh, len, WGPEER_A_PUBLIC_KEY, FX_KEY_LEN, peer->public_key))
		return -ENOSPC;
	if (peer->has_preshared_key &&
	    !mnl_attr_put_check(nlh, len, WGPEER_A_PRESHARED_KEY, FX_KEY_LEN, peer->preshared_key))
		return -ENOSPC;
	if (!mnl_attr_put_u32_check(nlh, len, WGPEER_A_FLAGS, WGPEER_F_REPLACE_ALLOWEDIPS))
		return -ENOSPC;
	if (peer->has_endpoint) {
		r = put_endpoint(nlh, len, &peer->endpoint);
		if (r < 0)
			return r;
	}
	if (!mnl_attr_put_u16_check(nlh, len, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
				    peer->persistent_keepalive))
		return -ENOSPC;
	ips = mnl_attr_nest_start_check(nlh, len, WGPEER_A_ALLOWEDIPS);
	if (!ips)
		return -ENOSPC;
	for (size_t i = 0; i < peer->n_allowed_ips; i++) {
		r = put_allowed_ip(nlh, len, &peer->allowed_ips[i]);
		if (r < 0)
			return r;
	}
	mnl_attr_nest_end(nlh, ips);
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

static int put_device(struct nlmsghdr *nlh, size_t len, const char *ifname,
		      const struct fx_wg_config *cfg, uint32_t fwmark)
{
	struct nlattr *peers;
	int r;

	if (!mnl_attr_put_strz_check(nlh, len, WGDEVICE_A_IFNAME, ifname) ||
	    !mnl_attr_put_check(nlh, len, WGDEVICE_A_PRIVATE_KEY, FX_KEY_LEN, cfg->private_key))
		return -ENOSPC;
	if (cfg->has_listen_port &&
	    !mnl_attr_put_u16_check(nlh, len, WGDEVICE_A_LISTEN_PORT, cfg->listen_port))
		return -ENOSPC;
	if (!mnl_attr_put_u32_check(nlh, len, WGDEVICE_A_FWMARK, fwmark) ||
	    !mnl_attr_put_u32_check(nlh, len, WGDEVICE_A_FLAGS, WGDEVICE_F_REPLACE_PEERS))
		return -ENOSPC;
	peers = mnl_attr_nest_start_check(nlh, len, WGDEVICE_A_PEERS);
	if (!peers)
		return -ENOSPC;
	for (size_t i = 0; i < cfg->n_peers; i++) {
		r = put_peer(nlh, len, &cfg->peers[i]);
		if (r < 0)
			return r;
	}
	mnl_attr_nest_end(nlh, peers);
	return 0;
}

int fx_wg_kernel_build_set(void *buf, size_t len, uint16_t family_id, uint32_t seq,
			   const char *ifname, const struct fx_wg_config *cfg, uint32_t fwmark)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;
	int r;

	/* The kernel's policy: at most IFNAMSIZ - 1 characters. */
	if (strnlen(ifname, IFNAMSIZ) >= IFNAMSIZ || cfg->n_peers > FX_WG_MAX_PEERS)
		return -EINVAL;
	for (size_t i = 0; i < cfg->n_peers; i++)
		if (cfg->peers[i].n_allowed_ips > FX_WG_MAX_ALLOWED)
			return -EINVAL;
	if (len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*genl)))
		return -ENOSPC;
	memset(buf, 0, len); /* no stale bytes in attribute padding go to the kernel */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = family_id;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = WG_CMD_SET_DEVICE;
	genl->version = WG_GENL_VERSION;
	r = put_device(nlh, len, ifname, cfg, fwmark);
	if (r < 0) {
		/* Whatever was written may hold keys; the caller only wipes
		 * a message it sends. */
		fx_wipe(buf, nlh->nlmsg_len);
		return r;
	}
	return (int)nlh->nlmsg_len;
}

/* ---- parsing WG_CMD_GET_DEVICE ---- */

struct attr_rule {
	enum mnl_attr_data_type type;
	size_t len; /* exact length for MNL_TYPE_BINARY, 0: by type */
};

static const struct attr_rule device_rules[WGDEVICE_A_MAX + 1] = {
	[WGDEVICE_A_IFINDEX] = { MNL_TYPE_U32, 0 },
	[WGDEVICE_A_IFNAME] = { MNL_TYPE_NUL_STRING, 0 },
	[WGDEVICE_A_PRIVATE_KEY] = { MNL_TYPE_BINARY, WG_KEY_LEN },
	[WGDEVICE_A_PUBLIC_KEY] = { MNL_TYPE_BINARY, WG_KEY_LEN },
	[WGDEVICE_A_FLAGS] = { MNL_TYPE_U32, 0 },
	[WGDEVICE_A_LISTEN_PORT] = { MNL_TYPE_U16, 0 },
	[WGDEVICE_A_FWMARK] = { MNL_TYPE_U32, 0 },
	[WGDEVICE_A_PEERS] = { MNL_TYPE_NESTED, 0 },
};

static const struct attr_rule peer_rules[WGPEER_A_MAX + 1] = {
	[WGPEER_A_PUBLIC_KEY] = { MNL_TYPE_BINARY, WG_KEY_LEN },
	[WGPEER_A_PRESHARED_KEY] = { MNL_TYPE_BINARY, WG_KEY_LEN },
	[WGPEER_A_FLAGS] = { MNL_TYPE_U32, 0 },
	[WGPEER_A_ENDPOINT] = { MNL_TYPE_UNSPEC, 0 },
	[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL] = { MNL_TYPE_U16, 0 },
	[WGPEER_A_LAST_HANDSHAKE_TIME] = { MNL_TYPE_BINARY, sizeof(struct __kernel_timespec) },
	[WGPEER_A_RX_BYTES] = { MNL_TYPE_U64, 0 },
	[WGPEER_A_TX_BYTES] = { MNL_TYPE_U64, 0 },
	[WGPEER_A_ALLOWEDIPS] = { MNL_TYPE_NESTED, 0 },
	[WGPEER_A_PROTOCOL_VERSION] = { MNL_TYPE_U32, 0 },
};

struct attr_table {
	const struct attr_rule *rules;
	uint16_t max;
	const struct nlattr **tb;
};

/*
 * Type 0 (the kernel's padding before 64-bit values on some architectures)
 * and types newer than our header are skipped; known ones must have their
 * documented length, or the message is refused before anything reads it.
 */
static int table_cb(const struct nlattr *attr, void *data)
{
	const struct attr_table *t = data;
	uint16_t type = mnl_attr_get_type(attr);
	const struct attr_rule *rule;

	if (type == 0 || type > t->max)
		return MNL_CB_OK;
	rule = &t->rules[type];
	if (rule->type == MNL_TYPE_BINARY) {
		if (mnl_attr_get_payload_len(attr) != rule->len)
			return MNL_CB_ERROR;
	} else if (rule->type != MNL_TYPE_UNSPEC && mnl_attr_validate(attr, rule->type) < 0) {
		return MNL_CB_ERROR;
	}
	t->tb[type] = attr;
	return MNL_CB_OK;
}

/*
 * mnl_attr_parse stops quietly at an attribute that overruns its container,
 * which would read a cut-off message as a shorter valid one; insist that
 * the attributes tile the payload exactly.
 */
static bool attrs_tile(const void *payload, size_t len)
{
	const struct nlattr *attr = payload;
	size_t rem = len;

	while (rem > 0) {
		size_t step;

		if (!mnl_attr_ok(attr, (int)rem))
			return false;
		step = MNL_ALIGN(attr->nla_len);
		if (step >= rem)
			return true; /* the last one, perhaps unpadded */
		rem -= step;
		attr = mnl_attr_next(attr);
	}
	return true;
}

static int parse_table(const void *payload, size_t len, const struct attr_rule *rules,
		       uint16_t max, const struct nlattr **tb)
{
	struct attr_table t = { .rules = rules, .max = max, .tb = tb };

	/* NOLINTNEXTLINE(bugprone-sizeof-expression): tb is an array of pointers */
	memset(tb, 0, (max + 1u) * sizeof(*tb));
	if (!attrs_tile(payload, len))
		return -EBADMSG;
	if (mnl_attr_parse_payload(payload, len, table_cb, &t) < MNL_CB_STOP)
		return -EBADMSG;
	return 0;
}

static int parse_nested(const struct nlattr *nest, const struct attr_rule *rules, uint16_t max,
			const struct nlattr **tb)
{
	return parse_table(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest), rules, max,
			   tb);
}

static int parse_peer(const struct nlattr *nest, struct fx_wg_status *st)
{
	const struct nlattr *tb[WGPEER_A_MAX + 1];
	int r;

	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0)
		return -EBADMSG;
	r = parse_nested(nest, peer_rules, WGPEER_A_MAX, tb);
	if (r < 0)
		return r;
	if (tb[WGPEER_A_RX_BYTES])
		st->rx_bytes += mnl_attr_get_u64(tb[WGPEER_A_RX_BYTES]);
	if (tb[WGPEER_A_TX_BYTES])
		st->tx_bytes += mnl_attr_get_u64(tb[WGPEER_A_TX_BYTES]);
	if (tb[WGPEER_A_LAST_HANDSHAKE_TIME]) {
		struct __kernel_timespec ts;

		memcpy(&ts, mnl_attr_get_payload(tb[WGPEER_A_LAST_HANDSHAKE_TIME]), sizeof(ts));
		if (ts.tv_sec != 0 || ts.tv_nsec != 0) {
			st->handshake = true;
			if (ts.tv_sec > st->last_handshake)
				st->last_handshake = ts.tv_sec;
		}
	}
	return 0;
}

int fx_wg_kernel_parse_device(const struct nlmsghdr *nlh, struct fx_wg_status *st)
{
	const struct nlattr *tb[WGDEVICE_A_MAX + 1];
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	size_t hdr = MNL_ALIGN(sizeof(*genl));
	struct fx_wg_status sum = *st;
	const struct nlattr *peer;
	int r;

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + hdr || genl->cmd != WG_CMD_GET_DEVICE)
		return -EBADMSG;
	r = parse_table((const char *)genl + hdr, nlh->nlmsg_len - MNL_NLMSG_HDRLEN - hdr,
			device_rules, WGDEVICE_A_MAX, tb);
	if (r < 0)
		return r;
	if (tb[WGDEVICE_A_PEERS]) {
		if (!attrs_tile(mnl_attr_get_payload(tb[WGDEVICE_A_PEERS]),
				mnl_attr_get_payload_len(tb[WGDEVICE_A_PEERS])))
			return -EBADMSG;
		mnl_attr_for_each_nested(peer, tb[WGDEVICE_A_PEERS]) {
			r = parse_peer(peer, &sum);
			if (r < 0)
				return r;
		}
	}
	/* All or nothing: a refused message adds no half of its peers. */
	*st = sum;
	return 0;
}

/* ---- talking to the kernel ---- */

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;
	uint16_t *id = data;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != CTRL_ATTR_FAMILY_ID)
			continue;
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0) {
			errno = EBADMSG;
			return MNL_CB_ERROR;
		}
		*id = mnl_attr_get_u16(attr);
	}
	return MNL_CB_OK;
}

/*
 * Looks up the "wireguard" genetlink family. The kernel loads the module on
 * demand for this lookup (it carries the alias of its family name), so a
 * miss means there is no kernel WireGuard to load.
 */
static int wg_family(uint16_t *id)
{
	char buf[FX_NL_BUF / 8] = { 0 }; /* libmnl leaves attribute padding as it finds it */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;
	struct fx_nl_reply reply = { .cb = family_cb, .data = id };
	int r;

	nlh->nlmsg_type = GENL_ID_CTRL;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME);
	*id = 0;
	r = fx_nl_request(NETLINK_GENERIC, nlh, &reply);
	if (r < 0)
		return r;
	return *id ? 0 : -ENOENT;
}

/*
 * The family lookup is the real test, as it loads the module if there is
 * one. /sys/module/wireguard covers a loaded module whose lookup failed for
 * another reason; creating a throwaway link to find out would briefly show
 * an interface to everything watching the namespace, so we do not.
 */
bool fx_wg_kernel_available(void)
{
	struct stat sb;
	uint16_t id;

	if (wg_family(&id) == 0)
		return true;
	return stat("/sys/module/wireguard", &sb) == 0;
}

int fx_wg_kernel_create(const char *ifname, struct fx_err *err)
{
	char buf[FX_NL_BUF / 8] = { 0 }; /* libmnl leaves attribute padding as it finds it */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct nlattr *info;
	struct fx_nl_reply reply = { 0 };
	int r;

	if (strnlen(ifname, IFNAMSIZ) >= IFNAMSIZ) {
		fx_err_set(err, "cannot create WireGuard interface: name too long");
		return -EINVAL;
	}
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "wireguard");
	mnl_attr_nest_end(nlh, info);
	r = fx_nl_request(NETLINK_ROUTE, nlh, &reply);
	if (r < 0)
		fx_nl_err(err, r, reply.reason, "cannot create WireGuard interface %s%s", ifname,
			  r == -EOPNOTSUPP ? " (no kernel WireGuard)" : "");
	return r;
}

int fx_wg_kernel_configure(const char *ifname, const struct fx_wg_config *cfg, uint32_t fwmark,
			   struct fx_err *err)
{
	struct fx_nl_reply reply = { 0 };
	uint16_t family;
	char *buf;
	int r;

	r = wg_family(&family);
	if (r == -ENOENT) {
		fx_err_set(err, "cannot configure WireGuard interface %s: no kernel WireGuard "
			   "(generic netlink family \"%s\" not found)", ifname, WG_GENL_NAME);
		return r;
	}
	if (r < 0)
		return fx_nl_err(err, r, "", "cannot configure WireGuard interface %s", ifname);
	buf = malloc(WG_NL_BUF);
	if (!buf)
		return fx_nl_err(err, -ENOMEM, "", "cannot configure WireGuard interface %s", ifname);
	r = fx_wg_kernel_build_set(buf, WG_NL_BUF, family, (uint32_t)time(NULL), ifname, cfg,
				   fwmark);
	if (r == -ENOSPC) {
		r = -E2BIG;
		fx_err_set(err, "cannot configure WireGuard interface %s: the configuration "
			   "does not fit in one netlink message", ifname);
	} else if (r == -EDESTADDRREQ) {
		fx_err_set(err, "cannot configure WireGuard interface %s: a peer's endpoint "
			   "is not resolved", ifname);
	} else if (r < 0) {
		fx_err_set(err, "cannot configure WireGuard interface %s: %s", ifname,
			   strerror(-r));
	} else {
		r = fx_nl_request(NETLINK_GENERIC, (struct nlmsghdr *)buf, &reply);
		if (r < 0)
			fx_nl_err(err, r, reply.reason, "cannot configure WireGuard interface %s",
				  ifname);
	}
	fx_wipe(buf, WG_NL_BUF);
	free(buf);
	return r;
}

static int status_cb(const struct nlmsghdr *nlh, void *data)
{
	if (fx_wg_kernel_parse_device(nlh, data) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int fx_wg_kernel_status(const char *ifname, struct fx_wg_status *st)
{
	char buf[FX_NL_BUF / 8] = { 0 }; /* libmnl leaves attribute padding as it finds it */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;
	struct fx_nl_reply reply = { .cb = status_cb, .data = st };
	uint16_t family;
	int r;

	memset(st, 0, sizeof(*st));
	if (strnlen(ifname, IFNAMSIZ) >= IFNAMSIZ)
		return -EINVAL;
	r = wg_family(&family);
	if (r < 0)
		return r;
	/* WG_CMD_GET_DEVICE is only served as a dump, one device per call. */
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_DUMP;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = WG_CMD_GET_DEVICE;
	genl->version = WG_GENL_VERSION;
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, ifname);
	r = fx_nl_request(NETLINK_GENERIC, nlh, &reply);
	if (r < 0)
		memset(st, 0, sizeof(*st));
	return r;
}
