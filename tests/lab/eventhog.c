/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * eventhog PATH SECONDS: subscribes to fexynd's events, then keeps writing
 * to the socket and never reads — a client that tries to stall the daemon
 * (each event it is sent, and each byte it sends, must cost the daemon
 * nothing more than memory it caps). Prints "subscribed" once the daemon's
 * "ok" is there (looked at with MSG_PEEK, not read), then, when the
 * daemon closes the connection, "dropped after MS ms, wrote N bytes" and
 * exits 0; if it is still connected after SECONDS, "not dropped, wrote N
 * bytes" and exits 1.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits (≤ 5 s) until the daemon's reply starts with "ok\n", without reading it. */
static int wait_ok(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[3];

	if (poll(&p, 1, 5000) != 1)
		return -1;
	return recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_WAITALL) == 3 && memcmp(buf, "ok\n", 3) == 0
		       ? 0
		       : -1;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static const char junk[] = "status status status status status status status\n";
	long seconds, start, subscribed_at, written = 0;
	int fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: eventhog PATH SECONDS\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	seconds = strtol(argv[2], NULL, 10);
	start = now_ms();
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    send(fd, "events\n", 7, MSG_NOSIGNAL) != 7 || wait_ok(fd) < 0) {
		fprintf(stderr, "eventhog: could not subscribe\n");
		return 1;
	}
	subscribed_at = now_ms();
	printf("subscribed\n");
	fflush(stdout);
	while (now_ms() - start < seconds * 1000) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		ssize_t n;

		poll(&p, 1, 100);
		/* POLLIN too: the daemon's lines pile up unread, by design. */
		if (p.revents & (POLLHUP | POLLERR))
			break;
		if (!(p.revents & POLLOUT))
			continue;
		n = send(fd, junk, sizeof(junk) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			break;
		if (n > 0)
			written += n;
	}
	if (now_ms() - start < seconds * 1000) {
		printf("dropped after %ld ms, wrote %ld bytes\n", now_ms() - subscribed_at, written);
		return 0;
	}
	printf("not dropped, wrote %ld bytes\n", written);
	return 1;
}
