/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * eventhog PATH SECONDS [--again]: subscribes to fexynd's events, then
 * keeps writing to the socket and never reads — a client that tries to
 * stall the daemon (each event it is sent, and each byte it sends, must
 * cost the daemon nothing more than memory it caps). Prints "subscribed"
 * once the daemon's "ok" is there (looked at with MSG_PEEK, not read),
 * then, when the daemon closes the connection, "dropped after MS ms, wrote
 * N bytes". Without --again it then exits 0, or, still connected after
 * SECONDS, prints "not dropped, wrote N bytes" and exits 1. With --again
 * it subscribes anew after each drop until SECONDS are over (exit 0).
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_un sa = { .sun_family = AF_UNIX };

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

static int subscribe(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    send(fd, "events\n", 7, MSG_NOSIGNAL) != 7 || wait_ok(fd) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	printf("subscribed\n");
	fflush(stdout);
	return fd;
}

/* Writes until the daemon hangs up or the deadline; true if it hung up. */
static bool hog(int fd, long deadline, long *written)
{
	static const char junk[] = "status status status status status status status\n";

	while (now_ms() < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		ssize_t n;

		poll(&p, 1, 100);
		/* POLLIN too: the daemon's lines pile up unread, by design. */
		if (p.revents & (POLLHUP | POLLERR))
			return true;
		if (!(p.revents & POLLOUT))
			continue;
		n = send(fd, junk, sizeof(junk) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return true;
		if (n > 0)
			*written += n;
	}
	return false;
}

int main(int argc, char **argv)
{
	bool again = argc == 4 && strcmp(argv[3], "--again") == 0;
	long deadline;

	if ((argc != 3 && !again) || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: eventhog PATH SECONDS [--again]\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	deadline = now_ms() + strtol(argv[2], NULL, 10) * 1000;
	do {
		long since, written = 0;
		int fd = subscribe();

		if (fd < 0) {
			fprintf(stderr, "eventhog: could not subscribe\n");
			if (!again)
				return 1;
			poll(NULL, 0, 200);
			continue;
		}
		since = now_ms();
		if (!hog(fd, deadline, &written)) {
			close(fd);
			printf("not dropped, wrote %ld bytes\n", written);
			return again ? 0 : 1;
		}
		close(fd);
		printf("dropped after %ld ms, wrote %ld bytes\n", now_ms() - since, written);
		fflush(stdout);
	} while (again && now_ms() < deadline);
	return 0;
}
