/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "rtnl.h"
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
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
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
	tb[type] = attr;
	return MNL_CB_OK;
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
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	uint32_t seq = (uint32_t)time(NULL);
	int r;

	memset(out, 0, sizeof(*out));
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto out;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		r = -errno;
		goto out;
	}
	ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

	if (n < 0) {
		r = -errno;
		goto out;
	}
	r = mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl), get_link_cb, out);
	if (r < 0)
		r = errno == ENODEV ? 0 : -errno; /* no such link: present = false */
	else
		r = 0;
out:
	mnl_socket_close(nl);
	return r;
}

/*
 * mnl_nlmsg_ok compares nlmsg_len with the remaining length as an int, so a
 * header claiming 2 GiB or more passes as negative, and mnl_nlmsg_next then
 * steps far outside the buffer. Compared as unsigned, it is refused.
 */
static bool msg_ok(const struct nlmsghdr *nlh, int len)
{
	return mnl_nlmsg_ok(nlh, len) && nlh->nlmsg_len <= (unsigned)len;
}

int fx_rtnl_read_events(int fd, const char *name, int ifindex, bool *changed)
{
	char buf[FX_NL_BUF * 2];

	*changed = false;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		const struct nlmsghdr *nlh;
		int len = (int)n;

		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		for (nlh = (const struct nlmsghdr *)buf; msg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			struct fx_link l;

			if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
				continue;
			if (fx_rtnl_parse_link(nlh, &l) < 0)
				continue;
			if (strcmp(l.name, name) == 0 || (ifindex > 0 && l.ifindex == ifindex))
				*changed = true;
		}
	}
}
