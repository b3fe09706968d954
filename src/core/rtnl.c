/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "rtnl.h"
#include "netlink.h"
#include "nlbuf.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int fx_rtnl_events_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFLA_MAX) < 0)
		return MNL_CB_OK;
	if (type == IFLA_IFNAME && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_ERROR;
	if (type == IFLA_LINKINFO && mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
		return MNL_CB_ERROR;
	tb[type] = attr;
	return MNL_CB_OK;
}

/* IFLA_LINKINFO's IFLA_INFO_KIND: what made the link (wireguard, tun, veth). */
static int link_kind(const struct nlattr *info, char kind[FX_LINK_KIND_MAX])
{
	const struct nlattr *attr;

	mnl_attr_for_each_nested(attr, info) {
		if (mnl_attr_get_type(attr) != IFLA_INFO_KIND)
			continue;
		if (mnl_attr_validate(attr, MNL_TYPE_STRING) < 0 ||
		    mnl_attr_get_payload_len(attr) >= FX_LINK_KIND_MAX)
			return -EBADMSG;
		memcpy(kind, mnl_attr_get_payload(attr), mnl_attr_get_payload_len(attr));
		kind[mnl_attr_get_payload_len(attr)] = '\0';
	}
	return 0;
}

int fx_rtnl_parse_link(const struct nlmsghdr *nlh, struct fx_link *out)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	size_t head = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*ifi));

	if (nlh->nlmsg_len < head)
		return -EBADMSG;
	/* Attributes end where the message says, not at its aligned end, which
	 * mnl_attr_parse would trust: the last message of a datagram may stop
	 * short of it. */
	if (mnl_attr_parse_payload((const char *)nlh + head, nlh->nlmsg_len - head, link_attr_cb, tb) < 0)
		return -EBADMSG;
	memset(out, 0, sizeof(*out));
	out->ifindex = ifi->ifi_index;
	if (tb[IFLA_IFNAME]) {
		const char *name = mnl_attr_get_str(tb[IFLA_IFNAME]);

		if (strlen(name) >= IFNAMSIZ)
			return -EBADMSG;
		strcpy(out->name, name);
	}
	if (tb[IFLA_LINKINFO] && link_kind(tb[IFLA_LINKINFO], out->kind) < 0)
		return -EBADMSG;
	out->present = nlh->nlmsg_type == RTM_NEWLINK;
	out->up = out->present && (ifi->ifi_flags & IFF_UP) && (ifi->ifi_flags & IFF_RUNNING);
	return 0;
}

static int get_link_cb(const struct nlmsghdr *nlh, void *data)
{
	return fx_rtnl_parse_link(nlh, data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

int fx_rtnl_get_link(const char *name, struct fx_link *out)
{
	char buf[FX_NL_BUF] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct fx_nl_reply reply = { .cb = get_link_cb, .data = out };
	struct ifinfomsg *ifi;
	int r;

	memset(out, 0, sizeof(*out));
	nlh->nlmsg_type = RTM_GETLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	r = fx_nl_request(NETLINK_ROUTE, nlh, &reply);
	return r == -ENODEV ? 0 : r; /* no such link: present = false */
}

static int addr_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFA_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

/* IFA_LOCAL is the link's own address; on a point-to-point link IFA_ADDRESS
 * is the peer's, so it counts only when there is no IFA_LOCAL. */
int fx_rtnl_parse_addr(const struct nlmsghdr *nlh, int *ifindex, struct fx_prefix *out)
{
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	size_t head = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*ifa));
	const struct nlattr *a;
	size_t alen;

	if (nlh->nlmsg_len < head)
		return -EBADMSG;
	if (mnl_attr_parse_payload((const char *)nlh + head, nlh->nlmsg_len - head, addr_attr_cb, tb) < 0)
		return -EBADMSG;
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return -EBADMSG;
	alen = ifa->ifa_family == AF_INET6 ? 16 : 4;
	if (!a || mnl_attr_get_payload_len(a) != alen || ifa->ifa_prefixlen > alen * 8)
		return -EBADMSG;
	memset(out, 0, sizeof(*out));
	out->addr.family = ifa->ifa_family;
	memcpy(out->addr.bytes, mnl_attr_get_payload(a), alen);
	out->len = ifa->ifa_prefixlen;
	*ifindex = (int)ifa->ifa_index;
	return 0;
}

struct addr_dump {
	struct fx_link *link;
	bool too_many;
};

static int get_addrs_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_dump *dump = data;
	struct fx_link *link = dump->link;
	struct fx_prefix p;
	int ifindex;

	if (nlh->nlmsg_type != RTM_NEWADDR || fx_rtnl_parse_addr(nlh, &ifindex, &p) < 0)
		return MNL_CB_OK; /* not one we can use: the others still count */
	if (ifindex != link->ifindex)
		return MNL_CB_OK;
	if (link->n_addrs == FX_MAX_LINK_ADDRS)
		dump->too_many = true;
	else
		link->addrs[link->n_addrs++] = p;
	return MNL_CB_OK;
}

int fx_rtnl_get_addrs(struct fx_link *link)
{
	char buf[FX_NL_BUF] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct addr_dump dump = { .link = link };
	struct fx_nl_reply reply = { .cb = get_addrs_cb, .data = &dump };
	struct ifaddrmsg *ifa;
	int r;

	link->n_addrs = 0;
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	r = fx_nl_request(NETLINK_ROUTE, nlh, &reply);
	return r < 0 ? r : dump.too_many ? -E2BIG : 0;
}

static bool event_concerns(const struct nlmsghdr *nlh, const char *name, int ifindex)
{
	struct fx_prefix p;
	struct fx_link l;
	int index;

	if (nlh->nlmsg_type == RTM_NEWADDR || nlh->nlmsg_type == RTM_DELADDR)
		return ifindex > 0 && fx_rtnl_parse_addr(nlh, &index, &p) == 0 && index == ifindex;
	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return false;
	if (fx_rtnl_parse_link(nlh, &l) < 0)
		return false;
	return strcmp(l.name, name) == 0 || (ifindex > 0 && l.ifindex == ifindex);
}

struct event_filter {
	const char *name;
	int ifindex;
	bool changed;
};

static void note_event(const struct nlmsghdr *nlh, void *data)
{
	struct event_filter *f = data;

	if (event_concerns(nlh, f->name, f->ifindex))
		f->changed = true;
}

int fx_rtnl_read_events(int fd, const char *name, int ifindex, bool *changed)
{
	struct event_filter f = { .name = name, .ifindex = ifindex };
	int r = fx_nl_read_each(fd, note_event, &f);

	*changed = f.changed;
	return r;
}

int fx_rtnl_change(struct nlmsghdr *nlh, char reason[FX_NL_REASON_MAX])
{
	struct fx_nl_reply reply = { 0 };
	int r = fx_nl_request(NETLINK_ROUTE, nlh, &reply);

	if (reason)
		memcpy(reason, reply.reason, sizeof(reply.reason));
	return r;
}

int fx_rtnl_ifindex(const char *ifname)
{
	struct fx_link l;
	int r = fx_rtnl_get_link(ifname, &l);

	if (r < 0)
		return r;
	return l.present ? l.ifindex : -ENODEV;
}
