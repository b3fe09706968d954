/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "nft_monitor.h"
#include "netlink.h"
#include "nft_rule.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int fx_nft_monitor_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int group = NFNLGRP_NFTABLES;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_NETFILTER);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* Every nf_tables object message carries its table's name as attribute 1
 * (NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, NFTA_SET_TABLE, ...). */
static bool names_our_table(const struct nlmsghdr *nlh)
{
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	size_t head = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*g));
	const struct nlattr *attr;

	if (nlh->nlmsg_len < head ||
	    (g->nfgen_family != NFPROTO_INET && g->nfgen_family != NFPROTO_ARP))
		return false;
	/* Up to the message's own end, not its aligned end (see rtnl.c). */
	mnl_attr_for_each_payload((const struct nlattr *)((const char *)nlh + head), nlh->nlmsg_len - head) {
		if (mnl_attr_get_type(attr) == 1 && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			return strcmp(mnl_attr_get_str(attr), FX_TABLE) == 0 ||
			       strcmp(mnl_attr_get_str(attr), FX_TABLE_OWNED) == 0 ||
			       strcmp(mnl_attr_get_str(attr), FX_TABLE_SPLIT) == 0;
	}
	return false;
}

bool fx_nft_event_touches_table(const struct nlmsghdr *nlh, uint32_t our_portid)
{
	return NFNL_SUBSYS_ID(nlh->nlmsg_type) == NFNL_SUBSYS_NFTABLES && nlh->nlmsg_pid != our_portid &&
	       names_our_table(nlh);
}

struct touch {
	uint32_t our_portid;
	bool touched;
};

static void note_touch(const struct nlmsghdr *nlh, void *data)
{
	struct touch *t = data;

	if (fx_nft_event_touches_table(nlh, t->our_portid))
		t->touched = true;
}

int fx_nft_monitor_read(int fd, uint32_t our_portid, bool *touched)
{
	struct touch t = { .our_portid = our_portid };
	int r = fx_nl_read_each(fd, note_touch, &t);

	/* Events were lost: any of them may have touched the table. */
	*touched = t.touched || r == -ENOBUFS;
	return r;
}
