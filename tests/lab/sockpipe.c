/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sockpipe [--fd FILE]... PATH: writes stdin to a Unix stream socket, closes
 * the writing side, and prints whatever comes back. The lab uses it to send
 * the daemon bytes the fexyn CLI would never send. Each --fd FILE is opened
 * here and passed (SCM_RIGHTS) with the first bytes, as fexyn connect passes
 * its configs.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Copies until end of input or an error; returns the bytes copied. */
static size_t pump(int from, int to, int (*send_fn)(int, const char *, size_t))
{
	char buf[65536];
	size_t total = 0;
	ssize_t n;

	while ((n = read(from, buf, sizeof(buf))) > 0) {
		if (send_fn(to, buf, (size_t)n) < 0)
			break;
		total += (size_t)n;
	}
	return total;
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

#define MAX_FDS 8

/* The first chunk of stdin, with the files as SCM_RIGHTS descriptors. */
static int send_with_fds(int fd, const int *fds, int n_fds)
{
	char buf[65536], ctl[CMSG_SPACE(sizeof(int) * MAX_FDS)] = { 0 };
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
	struct iovec iov = { .iov_base = buf, .iov_len = n > 0 ? (size_t)n : 0 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			      .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n_fds) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	if (n <= 0)
		return -1;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n_fds);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)n_fds);
	return sendmsg(fd, &msg, MSG_NOSIGNAL) == n ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, fds[MAX_FDS], n_fds = 0, i = 1;

	for (; i + 1 < argc && strcmp(argv[i], "--fd") == 0 && n_fds < MAX_FDS; i += 2) {
		fds[n_fds] = open(argv[i + 1], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fds[n_fds++] < 0) {
			perror(argv[i + 1]);
			return 1;
		}
	}
	if (argc != i + 1 || strlen(argv[i]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: sockpipe [--fd FILE]... SOCKET-PATH\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[i]);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("sockpipe: connect");
		return 1;
	}
	if (n_fds && send_with_fds(fd, fds, n_fds) < 0) {
		perror("sockpipe: sendmsg");
		return 1;
	}
	/* The daemon may answer and close before all input is written (an
	 * overlong request): a failed send is not an error, the reply is what counts. */
	pump(STDIN_FILENO, fd, send_all);
	shutdown(fd, SHUT_WR);
	/* After the reply, a peer that closed with our input unread resets the
	 * connection; having read a reply is what counts. */
	return pump(fd, STDOUT_FILENO, write_all) > 0 ? 0 : 1;
}
