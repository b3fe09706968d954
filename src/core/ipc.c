/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ipc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int check_text(const char *text, size_t len, struct fx_err *err)
{
	if (len == 0)
		return fx_err_set(err, "empty request");
	if (len >= FX_IPC_MAX_LINE)
		return fx_err_set(err, "request longer than %d bytes", FX_IPC_MAX_LINE - 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c < 0x20 || c > 0x7e)
			return fx_err_set(err, "request contains a non-printable byte at offset %zu", i);
	}
	return 0;
}

static int split_arg(char *word, struct fx_arg *arg, struct fx_err *err)
{
	char *eq = strchr(word, '=');

	if (!eq || eq == word)
		return fx_err_set(err, "argument '%.40s' is not key=value", word);
	*eq = '\0';
	arg->key = word;
	arg->value = eq + 1;
	return 0;
}

int fx_ipc_encode(const char *in, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *in; in++) {
		unsigned char c = (unsigned char)*in;
		bool plain = c > 0x20 && c < 0x7f && c != '%';

		if (n + (plain ? 1 : 3) >= cap)
			return -ENOSPC;
		if (plain) {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	if (n >= cap)
		return -ENOSPC;
	out[n] = '\0';
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int fx_ipc_decode(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; *in; in++) {
		int c = (unsigned char)*in;

		if (c == '%') {
			int hi = hex_digit(in[1]), lo = hi < 0 ? -1 : hex_digit(in[2]);

			if (lo < 0)
				return -EINVAL;
			c = hi << 4 | lo;
			in += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return -EINVAL;
		if (n + 1 >= cap)
			return -ENOSPC;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return 0;
}

int fx_request_parse(const char *text, size_t len, struct fx_request *req, struct fx_err *err)
{
	char *save = NULL;
	char *word;
	int r = check_text(text, len, err);

	memset(req, 0, sizeof(*req));
	if (r < 0)
		return r;
	memcpy(req->line, text, len);
	req->line[len] = '\0';
	req->verb = strtok_r(req->line, " ", &save);
	if (!req->verb)
		return fx_err_set(err, "empty request");
	while ((word = strtok_r(NULL, " ", &save))) {
		if (req->n_args == FX_IPC_MAX_ARGS)
			return fx_err_set(err, "more than %d arguments", FX_IPC_MAX_ARGS);
		r = split_arg(word, &req->args[req->n_args++], err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The reply so far is a whole "error ..." line: what the daemon says when it
 * refuses a connection before reading its request. */
static bool is_refusal(const char *buf, size_t len)
{
	return len > 6 && memcmp(buf, "error ", 6) == 0 && memchr(buf, '\n', len) == buf + len - 1;
}

int fx_ipc_read_reply(int fd, char **reply, size_t *reply_len)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len + 1 == cap) {
			char *bigger;

			if (cap >= FX_IPC_MAX_REPLY) {
				free(buf);
				return -EMSGSIZE;
			}
			bigger = realloc(buf, cap * 2);
			if (!bigger) {
				free(buf);
				return -ENOMEM;
			}
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		/* A refused connection is closed with our request unread, and
		 * the kernel reports that as a reset once the refusal is read. */
		if (n < 0 && errno == ECONNRESET && is_refusal(buf, len))
			break;
		if (n < 0) {
			int r = -errno;

			free(buf);
			return r;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*reply = buf;
	*reply_len = len;
	return 0;
}

/* A daemon that refused the connection closed its end before our request
 * went: the reason waits in our socket, and the reply's reader gets it (or
 * the end of the stream when there is none). */
static int peer_gone(int r)
{
	return r == -EPIPE ? 0 : r;
}

/* The line and its descriptors leave in one sendmsg, so that the daemon
 * receives them together; the kernel attaches the descriptors to the first
 * bytes, and whatever a short send left follows without them. */
int fx_ipc_send(int fd, const char *request, const int *fds, size_t n_fds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * FX_IPC_MAX_FDS)];
	} ctl;
	size_t len = strlen(request);
	struct iovec iov[2] = {
		{ .iov_base = (char *)request, .iov_len = len },
		{ .iov_base = "\n", .iov_len = 1 },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t n;
	int r;

	if (n_fds > FX_IPC_MAX_FDS)
		return -EINVAL;
	if (n_fds) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * n_fds);
	}
	while ((n = sendmsg(fd, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return peer_gone(-errno);
	if ((size_t)n > len)
		return 0; /* the newline went too */
	r = write_all(fd, request + n, len - (size_t)n);
	return peer_gone(r < 0 ? r : write_all(fd, "\n", 1));
}

int fx_ipc_open_fds(const char *socket_path, const char *request, const int *fds, size_t n_fds)
{
	int fd = connect_to(socket_path);
	int r;

	if (fd < 0)
		return fd;
	r = fx_ipc_send(fd, request, fds, n_fds);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

int fx_ipc_open(const char *socket_path, const char *request)
{
	return fx_ipc_open_fds(socket_path, request, NULL, 0);
}

int fx_ipc_call_fds(const char *socket_path, const char *request, const int *fds, size_t n_fds,
		    char **reply, size_t *reply_len)
{
	int fd = fx_ipc_open_fds(socket_path, request, fds, n_fds);
	int r;

	if (fd < 0)
		return fd;
	r = fx_ipc_read_reply(fd, reply, reply_len);
	close(fd);
	return r;
}

int fx_ipc_call(const char *socket_path, const char *request, char **reply, size_t *reply_len)
{
	return fx_ipc_call_fds(socket_path, request, NULL, 0, reply, reply_len);
}

int fx_reply_split(char *reply, char **body, struct fx_err *err)
{
	char *nl = strchr(reply, '\n');

	if (!nl)
		return fx_err_set(err, "the daemon sent an incomplete reply"), -EPROTO;
	*nl = '\0';
	*body = nl + 1;
	if (strcmp(reply, "ok") == 0)
		return 0;
	if (strncmp(reply, "error ", 6) == 0) {
		fx_err_set(err, "%s", reply + 6);
		return -EREMOTEIO;
	}
	fx_err_set(err, "the daemon sent a malformed reply");
	return -EPROTO;
}
