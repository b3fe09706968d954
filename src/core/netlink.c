/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "netlink.h"
#include "nlbuf.h"

#include <errno.h>
#include <linux/netlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "key.h"

/* Room for a WireGuard device with many peers in one message. */
#define REPLY_BUF (4 * FX_NL_BUF)

static int ext_ack_cb(const struct nlattr *attr, void *data)
{
	char *reason = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		snprintf(reason, FX_NL_REASON_MAX, "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

void fx_nl_ext_ack(const struct nlmsghdr *nlh, char *reason, size_t size)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	char text[FX_NL_REASON_MAX] = "";
	size_t off = sizeof(*e);

	reason[0] = '\0';
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)) || !(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* The attributes follow our request, or only its header if capped. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len >= sizeof(e->msg))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	off = MNL_ALIGN(off);
	if (off <= nlh->nlmsg_len - MNL_NLMSG_HDRLEN)
		mnl_attr_parse(nlh, (unsigned)off, ext_ack_cb, text);
	snprintf(reason, size, "%s", text);
}

int fx_nl_err(struct fx_err *err, int r, const char *reason, const char *fmt, ...)
{
	char what[sizeof(((struct fx_err *)0)->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (reason && reason[0])
		fx_err_set(err, "%s: %s (kernel: %s)", what, strerror(-r), reason);
	else
		fx_err_set(err, "%s: %s", what, strerror(-r));
	return r;
}

struct request {
	struct fx_nl_reply *reply;
	int error; /* from NLMSG_ERROR or NLMSG_DONE */
};

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct request *q = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP; /* the acknowledgement */
	q->error = e->error < 0 ? e->error : -e->error;
	fx_nl_ext_ack(nlh, q->reply->reason, sizeof(q->reply->reason));
	errno = -q->error;
	return MNL_CB_ERROR;
}

/* A dump that failed part way reports it in NLMSG_DONE. */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct request *q = data;
	int e;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(e)))
		return MNL_CB_STOP;
	memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
	if (e >= 0)
		return MNL_CB_STOP;
	q->error = e;
	errno = -e;
	return MNL_CB_ERROR;
}

static int noop_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static int overrun_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	errno = ENOSPC;
	return MNL_CB_ERROR;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct request *q = data;

	return q->reply->cb ? q->reply->cb(nlh, q->reply->data) : MNL_CB_OK;
}

static struct mnl_socket *socket_open(int bus)
{
	struct mnl_socket *nl = mnl_socket_open2(bus, SOCK_CLOEXEC);
	int one = 1;

	if (!nl)
		return NULL;
	/* Ask for the kernel's reason with each error, and not to echo our
	 * request back in it (a WireGuard request carries the private key).
	 * Both are optional: an old kernel still answers. */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int r = errno;

		mnl_socket_close(nl);
		errno = r;
		return NULL;
	}
	return nl;
}

static int read_answers(struct mnl_socket *nl, const struct nlmsghdr *req, struct request *q,
			char *buf)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_NOOP] = noop_cb,
		[NLMSG_ERROR] = error_cb,
		[NLMSG_DONE] = done_cb,
		[NLMSG_OVERRUN] = overrun_cb,
	};
	int r;

	do {
		ssize_t n = mnl_socket_recvfrom(nl, buf, REPLY_BUF);

		if (n < 0)
			return -errno;
		errno = 0;
		r = mnl_cb_run2(buf, (size_t)n, req->nlmsg_seq, mnl_socket_get_portid(nl), data_cb, q,
				ctl, NLMSG_MIN_TYPE);
	} while (r == MNL_CB_OK);
	if (r < 0)
		return q->error ? q->error : (errno ? -errno : -EBADMSG);
	return 0;
}

int fx_nl_request(int bus, struct nlmsghdr *req, struct fx_nl_reply *reply)
{
	struct request q = { .reply = reply };
	struct mnl_socket *nl;
	char *buf;
	int r;

	reply->reason[0] = '\0';
	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (!req->nlmsg_seq)
		req->nlmsg_seq = (uint32_t)time(NULL);
	nl = socket_open(bus);
	if (!nl)
		return -errno;
	buf = malloc(REPLY_BUF);
	if (!buf) {
		mnl_socket_close(nl);
		return -ENOMEM;
	}
	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0)
		r = -errno;
	else
		r = read_answers(nl, req, &q, buf);
	fx_wipe(buf, REPLY_BUF);
	free(buf);
	mnl_socket_close(nl);
	return r;
}

/*
 * mnl_nlmsg_ok compares nlmsg_len with the remaining length as an int, so a
 * header claiming 2 GiB or more passes as negative, and mnl_nlmsg_next then
 * steps far outside the buffer. Compared as unsigned, it is refused.
 */
bool fx_nl_msg_ok(const struct nlmsghdr *nlh, int len)
{
	return mnl_nlmsg_ok(nlh, len) && nlh->nlmsg_len <= (unsigned)len;
}

int fx_nl_read_each(int fd, void (*fn)(const struct nlmsghdr *nlh, void *data), void *data)
{
	char buf[FX_NL_BUF * 2];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		const struct nlmsghdr *nlh;
		int len = (int)n;

		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		for (nlh = (const struct nlmsghdr *)buf; fx_nl_msg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len))
			fn(nlh, data);
	}
}
