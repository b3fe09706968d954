/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * rtnetlink: the daemon learns that the tunnel appeared, went up, went down
 * or vanished from kernel events, not by polling, so the firewall follows
 * within one event-loop turn.
 */
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "netlink.h"

#define FX_MAX_LINK_ADDRS 8
#define FX_LINK_KIND_MAX 16

struct fx_link {
	bool present;
	bool up; /* administratively up and running */
	int ifindex;
	char name[IFNAMSIZ];
	char kind[FX_LINK_KIND_MAX]; /* "wireguard", "tun", "veth"...; "" if none given */
	/* The addresses it holds, with their prefix lengths (fx_rtnl_get_addrs). */
	struct fx_prefix addrs[FX_MAX_LINK_ADDRS];
	size_t n_addrs;
};

struct nlmsghdr;

/* Reads an RTM_NEWLINK or RTM_DELLINK message; -EBADMSG if malformed. */
int fx_rtnl_parse_link(const struct nlmsghdr *nlh, struct fx_link *out);

/* Reads an RTM_NEWADDR or RTM_DELADDR message: the link's index and the
 * local address with its prefix length; -EBADMSG if malformed. */
int fx_rtnl_parse_addr(const struct nlmsghdr *nlh, int *ifindex, struct fx_prefix *out);

/* A socket subscribed to link and address events; the fd or a negative errno. */
int fx_rtnl_events_open(void);

/* Asks the kernel for one link by name (a fresh request socket); its
 * addresses are not filled in. */
int fx_rtnl_get_link(const char *name, struct fx_link *out);

/* The addresses of link->ifindex into link->addrs; -E2BIG if it has more
 * than FX_MAX_LINK_ADDRS (a caller that cannot see them all must not guess). */
int fx_rtnl_get_addrs(struct fx_link *link);

/*
 * Reads the pending events and reports, through changed, whether any of
 * them concerned the link named name or with the given index (renames
 * count), or one of its addresses. Returns 0, or -ENOBUFS when events were
 * lost (re-query then).
 */
int fx_rtnl_read_events(int fd, const char *name, int ifindex, bool *changed);

/* Sends one rtnetlink change and reads its acknowledgement; reason (if not
 * NULL) gets the kernel's, when it refuses. */
int fx_rtnl_change(struct nlmsghdr *nlh, char reason[FX_NL_REASON_MAX]);
/* The index of the link named ifname, or -ENODEV. */
int fx_rtnl_ifindex(const char *ifname);
