/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control socket's client table: admission, reads, output buffers, expiry. */
#include "clients.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

/* Connections taken from the listening socket per wake-up: a flood of
 * them cannot keep the loop from everything else. */
#define ACCEPT_BATCH 16

enum fx_admit fx_admit_client(const struct fx_client_counts *n, uid_t uid, bool privileged)
{
	if (n->total >= FX_MAX_CLIENTS)
		return FX_ADMIT_FULL;
	if (uid == 0)
		return FX_ADMIT_OK;
	if (n->of_user >= FX_MAX_CLIENTS_PER_USER)
		return FX_ADMIT_USER;
	if (n->total - n->root >= FX_MAX_CLIENTS - FX_CLIENTS_ROOT_RESERVE)
		return FX_ADMIT_RESERVED;
	if (!privileged && n->unprivileged >= FX_MAX_CLIENTS - FX_CLIENTS_PRIVILEGED_RESERVE)
		return FX_ADMIT_RESERVED;
	return FX_ADMIT_OK;
}

/* An unprivileged user's subscriptions are capped: each one that stops
 * reading holds up to FX_SUBSCRIBER_MAX_PENDING of the daemon's memory. */
enum fx_admit fx_admit_subscriber(const struct fx_client_counts *n, uid_t uid, bool privileged)
{
	if (uid == 0 || privileged)
		return FX_ADMIT_OK;
	return n->subscribers_of_user >= FX_MAX_SUBSCRIBERS_PER_USER ? FX_ADMIT_SUBSCRIBERS
								      : FX_ADMIT_OK;
}

const char *fx_admit_message(enum fx_admit a)
{
	switch (a) {
	case FX_ADMIT_OK:
		return "";
	case FX_ADMIT_FULL:
		return "too many clients, try again";
	case FX_ADMIT_RESERVED:
		return "too many clients, try again (the last connections are kept for root and group fexyn)";
	case FX_ADMIT_USER:
		return "too many connections from your user, try again";
	case FX_ADMIT_SUBSCRIBERS:
		return "too many event subscriptions from your user";
	}
	return "refused";
}

void fx_clients_init(struct fx_clients *t, int epfd, gid_t fexyn_gid)
{
	memset(t, 0, sizeof(*t));
	t->epfd = epfd;
	t->fexyn_gid = fexyn_gid;
	for (size_t i = 0; i < FX_MAX_CLIENTS; i++)
		t->slot[i].fd = -1;
}

void fx_clients_done(struct fx_clients *t)
{
	for (size_t i = 0; i < FX_MAX_CLIENTS; i++)
		if (t->slot[i].fd >= 0)
			fx_clients_drop(t, &t->slot[i]);
}

void fx_clients_count(const struct fx_clients *t, uid_t uid, struct fx_client_counts *n)
{
	memset(n, 0, sizeof(*n));
	for (size_t i = 0; i < FX_MAX_CLIENTS; i++) {
		const struct fx_client *c = &t->slot[i];

		if (c->fd < 0)
			continue;
		n->total++;
		n->root += c->uid == 0;
		n->unprivileged += !c->privileged;
		n->of_user += c->uid == uid;
		n->subscribers_of_user += c->uid == uid && c->subscribed;
	}
}

size_t fx_clients_subscribers(const struct fx_clients *t)
{
	size_t n = 0;

	for (size_t i = 0; i < FX_MAX_CLIENTS; i++)
		n += t->slot[i].fd >= 0 && t->slot[i].subscribed;
	return n;
}

struct fx_client *fx_clients_find(struct fx_clients *t, int fd)
{
	for (size_t i = 0; i < FX_MAX_CLIENTS; i++)
		if (t->slot[i].fd == fd)
			return &t->slot[i];
	return NULL;
}

/* Reading until the request line, then only writing while output waits;
 * a hang-up is reported either way. */
static int watch(struct fx_clients *t, struct fx_client *c)
{
	struct epoll_event ev = { .data.fd = c->fd };

	if (!c->answered)
		ev.events |= EPOLLIN;
	if (c->out.len > c->out.off)
		ev.events |= EPOLLOUT;
	if (ev.events == c->watching)
		return 0;
	if (epoll_ctl(t->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		return -errno;
	c->watching = ev.events;
	return 0;
}

void fx_clients_close_fds(struct fx_client *c)
{
	for (size_t i = 0; i < c->n_fds; i++)
		close(c->fds[i]);
	c->n_fds = 0;
}

void fx_clients_drop(struct fx_clients *t, struct fx_client *c)
{
	if (c->fd < 0)
		return;
	epoll_ctl(t->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	fx_clients_close_fds(c);
	free(c->out.buf);
	memset(c, 0, offsetof(struct fx_client, in));
	memset(&c->out, 0, sizeof(c->out));
	c->fd = -1;
}

/* A refusal is one line into an empty socket buffer: it never blocks. */
static void refuse(int fd, const char *why)
{
	char line[160];
	int n = snprintf(line, sizeof(line), "error %s\n", why);

	if (n > 0 && (size_t)n < sizeof(line))
		send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

struct fx_client *fx_clients_add(struct fx_clients *t, int fd, uid_t uid, bool privileged)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	struct fx_client_counts n;
	enum fx_admit a;
	int flags;

	fx_clients_count(t, uid, &n);
	a = fx_admit_client(&n, uid, privileged);
	if (a != FX_ADMIT_OK) {
		refuse(fd, fx_admit_message(a));
		return NULL;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		refuse(fd, "cannot serve this connection");
		return NULL;
	}
	for (size_t i = 0; i < FX_MAX_CLIENTS; i++) {
		struct fx_client *c = &t->slot[i];

		if (c->fd >= 0)
			continue;
		if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
			break;
		c->fd = fd;
		c->watching = ev.events;
		c->uid = uid;
		c->privileged = privileged;
		c->accepted_ms = fx_now_ms();
		return c;
	}
	refuse(fd, fx_admit_message(FX_ADMIT_FULL));
	return NULL;
}

static bool in_group(int fd, gid_t gid, gid_t primary)
{
	gid_t groups[256];
	socklen_t len = sizeof(groups);

	if (gid == (gid_t)-1)
		return false;
	if (primary == gid)
		return true;
	/* The peer's supplementary groups as they were at connect(). */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == gid)
			return true;
	return false;
}

void fx_clients_accept(struct fx_clients *t, int listen_fd)
{
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct ucred cred;
		socklen_t len = sizeof(cred);

		if (fd < 0)
			return;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
			refuse(fd, "cannot tell who you are");
			continue;
		}
		fx_clients_add(t, fd, cred.uid,
			       cred.uid == 0 || in_group(fd, t->fexyn_gid, cred.gid));
	}
}

/*
 * Keeps the descriptors that came with the request, up to FX_IPC_MAX_FDS;
 * any beyond that are closed at once, and so is every descriptor once the
 * kernel reports that some did not fit (MSG_CTRUNC: it closed those
 * itself): the request is then refused, never served with part of what
 * was sent.
 */
static void take_fds(struct fx_client *c, struct msghdr *mh)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t n;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			if (c->n_fds < FX_IPC_MAX_FDS && !c->fds_refused) {
				c->fds[c->n_fds++] = fd;
			} else {
				close(fd);
				c->fds_refused = true;
			}
		}
	}
	if (mh->msg_flags & MSG_CTRUNC)
		c->fds_refused = true;
	if (c->fds_refused)
		fx_clients_close_fds(c);
}

int fx_clients_read(struct fx_clients *t, struct fx_client *c, size_t *line_len)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * FX_IPC_MAX_FDS)];
	} ctl;
	struct iovec iov = { .iov_base = c->in + c->in_len, .iov_len = sizeof(c->in) - c->in_len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;
	char *nl;

	if (c->answered || iov.iov_len == 0)
		return 0;
	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);
	n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n > 0)
		take_fds(c, &mh);
	if (n <= 0) {
		fx_clients_drop(t, c);
		return n < 0 ? -errno : -ECONNRESET;
	}
	nl = memchr(c->in + c->in_len, '\n', (size_t)n);
	c->in_len += (size_t)n;
	if (nl) {
		*line_len = (size_t)(nl - c->in);
		return 1;
	}
	if (c->in_len == sizeof(c->in)) {
		*line_len = c->in_len;
		return 1;
	}
	return 0;
}

/* Appends to what is still to be sent, unless that would pass limit. */
static int out_append(struct fx_outbuf *o, const char *data, size_t len, size_t limit)
{
	size_t pending = o->len - o->off;

	if (pending + len > limit)
		return -ENOBUFS;
	if (o->off) {
		memmove(o->buf, o->buf + o->off, pending);
		o->off = 0;
		o->len = pending;
	}
	if (o->len + len > o->cap) {
		size_t cap = o->cap ? o->cap : 1024;
		char *bigger;

		while (cap < o->len + len)
			cap *= 2;
		bigger = realloc(o->buf, cap);
		if (!bigger)
			return -ENOMEM;
		o->buf = bigger;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, data, len);
	o->len += len;
	return 0;
}

int fx_clients_flush(struct fx_clients *t, struct fx_client *c)
{
	bool moved = false;
	int r;

	while (c->out.len > c->out.off) {
		ssize_t n = send(c->fd, c->out.buf + c->out.off, c->out.len - c->out.off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			fx_clients_drop(t, c); /* it went away */
			return -EPIPE;
		}
		c->out.off += (size_t)n;
		moved = true;
	}
	if (c->out.len == c->out.off) {
		c->out.off = c->out.len = 0;
		c->stalled_ms = 0;
		if (c->answered && !c->subscribed) {
			fx_clients_drop(t, c); /* done */
			return -ECONNRESET;
		}
	} else if (moved || !c->stalled_ms) {
		c->stalled_ms = fx_now_ms();
	}
	r = watch(t, c);
	if (r < 0)
		fx_clients_drop(t, c);
	return r;
}

/* Over its cap, or out of memory: the client is dropped, not waited for. */
static int queue(struct fx_clients *t, struct fx_client *c, const char *data, size_t len, size_t limit)
{
	int r = out_append(&c->out, data, len, limit);

	if (r < 0) {
		if (r == -ENOBUFS)
			log_warn("dropped an events subscriber of uid %u: it has not read %zu bytes",
				 (unsigned)c->uid, c->out.len - c->out.off);
		fx_clients_drop(t, c);
		return r;
	}
	return fx_clients_flush(t, c);
}

/* The reply is at most FX_IPC_MAX_REPLY, which fx_reply ensures. */
int fx_clients_answer(struct fx_clients *t, struct fx_client *c, const char *data, size_t len)
{
	fx_clients_close_fds(c);
	c->answered = true; /* from now on, nothing more is read */
	return queue(t, c, data, len, FX_IPC_MAX_REPLY);
}

void fx_clients_send_event(struct fx_clients *t, struct fx_client *only, const char *line, size_t len)
{
	for (size_t i = 0; i < FX_MAX_CLIENTS; i++) {
		struct fx_client *c = &t->slot[i];

		if (c->fd >= 0 && c->subscribed && (!only || c == only))
			queue(t, c, line, len, FX_SUBSCRIBER_MAX_PENDING);
	}
}

static bool expired(const struct fx_client *c, uint64_t now)
{
	if (!c->subscribed)
		return now - c->accepted_ms > FX_CLIENT_IDLE_MS;
	return c->stalled_ms && now - c->stalled_ms > FX_CLIENT_IDLE_MS;
}

void fx_clients_expire(struct fx_clients *t, uint64_t now)
{
	for (size_t i = 0; i < FX_MAX_CLIENTS; i++) {
		struct fx_client *c = &t->slot[i];

		if (c->fd < 0 || !expired(c, now))
			continue;
		if (c->subscribed)
			log_warn("dropped an events subscriber of uid %u: it has not read for %d ms",
				 (unsigned)c->uid, FX_CLIENT_IDLE_MS);
		fx_clients_drop(t, c);
	}
}

bool fx_clients_timing(const struct fx_clients *t)
{
	for (size_t i = 0; i < FX_MAX_CLIENTS; i++) {
		const struct fx_client *c = &t->slot[i];

		if (c->fd >= 0 && (!c->subscribed || c->stalled_ms))
			return true;
	}
	return false;
}
