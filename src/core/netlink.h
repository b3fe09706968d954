/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Netlink requests and event reads, said once for rtnetlink, WireGuard's
 * genetlink family and nftables: a request with the kernel's reason when it
 * refuses, and a read loop that never trusts a message's length.
 */
#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define FX_NL_REASON_MAX 256

/* What a request hands back besides its status. */
struct fx_nl_reply {
	mnl_cb_t cb;      /* each data message; NULL when none is expected */
	void *data;
	char reason[FX_NL_REASON_MAX]; /* the kernel's extended-ack text, or "" */
};

/*
 * Sends req (NLM_F_REQUEST | NLM_F_ACK added, a sequence number set) on a
 * fresh socket of bus and reads until its acknowledgement, or NLMSG_DONE
 * for a dump, handing data messages to reply->cb. The receive buffer is
 * wiped: a kernel without NETLINK_CAP_ACK echoes the request, keys and all.
 * Returns 0 or a negative errno.
 */
int fx_nl_request(int bus, struct nlmsghdr *req, struct fx_nl_reply *reply);

/* The kernel's reason in an NLMSG_ERROR message, into reason ("" if none). */
void fx_nl_ext_ack(const struct nlmsghdr *nlh, char *reason, size_t size);

/*
 * Sets err to "WHAT: strerror(-r)", with " (kernel: REASON)" when the kernel
 * said why; returns r.
 */
int fx_nl_err(struct fx_err *err, int r, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Reads every message waiting on a non-blocking socket and calls fn on
 * each whole one. Returns 0 when none is left, or a negative errno
 * (-ENOBUFS: the kernel dropped some, the caller must resynchronise).
 */
int fx_nl_read_each(int fd, void (*fn)(const struct nlmsghdr *nlh, void *data), void *data);

/* Whether nlh is a whole message within len bytes (see netlink.c). */
bool fx_nl_msg_ok(const struct nlmsghdr *nlh, int len);
