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

struct fx_link {
	bool present;
	bool up; /* administratively up and running */
	int ifindex;
	char name[IFNAMSIZ];
};

struct nlmsghdr;

/* Reads an RTM_NEWLINK or RTM_DELLINK message; -EBADMSG if malformed. */
int fx_rtnl_parse_link(const struct nlmsghdr *nlh, struct fx_link *out);

/* A socket subscribed to link events; returns the fd or a negative errno. */
int fx_rtnl_events_open(void);

/* Asks the kernel for one link by name (a fresh request socket). */
int fx_rtnl_get_link(const char *name, struct fx_link *out);

/*
 * Reads the pending events and reports, through changed, whether any of
 * them concerned the link named name or with the given index (renames
 * count). Returns 0, or -ENOBUFS when events were lost (re-query then).
 */
int fx_rtnl_read_events(int fd, const char *name, int ifindex, bool *changed);
