/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "link.h"
#include "netlink.h"
#include "nlbuf.h"
#include "rtnl.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

int fx_link_setup(const char *ifname, uint32_t mtu, struct fx_err *err)
{
	char buf[FX_NL_BUF] = { 0 }, reason[FX_NL_REASON_MAX];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	int r;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	r = fx_rtnl_change(nlh, reason);
	if (r < 0)
		fx_nl_err(err, r, reason, "cannot bring %s up (MTU %u)", ifname, mtu);
	return r;
}

int fx_link_check_owned(const char *ifname, int ifindex, const char *kind)
{
	struct fx_link l;
	int r = fx_rtnl_get_link(ifname, &l);

	if (r < 0)
		return r;
	if (!l.present)
		return -ENODEV;
	return ifindex > 0 && l.ifindex == ifindex && strcmp(l.kind, kind) == 0 ? 0 : -EPERM;
}

int fx_link_delete_owned(const char *ifname, int ifindex, const char *kind)
{
	char buf[FX_NL_BUF] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	int r = fx_link_check_owned(ifname, ifindex, kind);

	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return r;
	nlh->nlmsg_type = RTM_DELLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	r = fx_rtnl_change(nlh, NULL);
	return r == -ENODEV ? 0 : r;
}

int fx_link_delete_kind(const char *ifname, const char *kind)
{
	struct fx_link l;
	int r = fx_rtnl_get_link(ifname, &l);

	if (r < 0 || !l.present || strcmp(l.kind, kind) != 0)
		return r == -ENODEV ? 0 : r;
	return fx_link_delete_owned(ifname, l.ifindex, kind);
}

int fx_link_add_address(const char *ifname, const struct fx_prefix *p, struct fx_err *err)
{
	char buf[FX_NL_BUF] = { 0 }, reason[FX_NL_REASON_MAX];
	char text[INET6_ADDRSTRLEN];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	int index = fx_rtnl_ifindex(ifname), r;

	fx_addr_format(&p->addr, text, sizeof(text));
	if (index < 0)
		return fx_err_set(err, "cannot add %s/%u: %s is gone", text, p->len, ifname), index;
	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)p->addr.family;
	ifa->ifa_prefixlen = p->len;
	ifa->ifa_index = (uint32_t)index;
	/* No duplicate address detection: the tunnel has no neighbours to ask. */
	ifa->ifa_flags = p->addr.family == AF_INET6 ? IFA_F_NODAD : 0;
	mnl_attr_put(nlh, IFA_LOCAL, fx_addr_len(&p->addr), p->addr.bytes);
	mnl_attr_put(nlh, IFA_ADDRESS, fx_addr_len(&p->addr), p->addr.bytes);
	r = fx_rtnl_change(nlh, reason);
	if (r < 0)
		fx_nl_err(err, r, reason, "cannot add address %s/%u to %s", text, p->len, ifname);
	return r;
}
