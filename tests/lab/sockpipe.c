/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sockpipe PATH: writes stdin to a Unix stream socket, closes the writing
 * side, and prints whatever comes back. The lab uses it to send the daemon
 * bytes the fexyn CLI would never send.
 */
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

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: sockpipe SOCKET-PATH\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("sockpipe: connect");
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
