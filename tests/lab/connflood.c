/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * connflood PATH COUNT SECONDS [--reconnect]: opens COUNT connections to a
 * Unix socket, holds them for SECONDS, and prints "open=N refused=N" — a
 * client that tries to take every slot of the daemon. With --reconnect it
 * keeps taking them: a connection the daemon refuses or drops (idle) is
 * opened again, every 100 ms, until SECONDS are over; it then prints
 * "reopened=N".
 */
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

static int open_one(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* A refused connection is answered with an error line and closed; one
 * the daemon keeps has nothing to read. */
static int refused(int fd)
{
	char buf[128];

	return recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Until the deadline: whatever the daemon answered (a refusal) or closed
 * (an idle connection it dropped) is opened again. */
static long keep_open(int *fds, long count, double deadline)
{
	struct pollfd *p = calloc((size_t)count, sizeof(*p));
	long reopened = 0;

	if (!p)
		return -1;
	while (now_s() < deadline) {
		for (long i = 0; i < count; i++) {
			if (fds[i] < 0 && (fds[i] = open_one()) >= 0)
				reopened++;
			p[i].fd = fds[i];
			p[i].events = POLLIN;
			p[i].revents = 0;
		}
		poll(p, (nfds_t)count, 100);
		for (long i = 0; i < count; i++) {
			if (fds[i] >= 0 && p[i].revents) {
				close(fds[i]);
				fds[i] = -1;
			}
		}
	}
	free(p);
	return reopened;
}

int main(int argc, char **argv)
{
	long count, seconds, open_n = 0, refused_n = 0;
	bool reconnect = argc == 5 && strcmp(argv[4], "--reconnect") == 0;
	double start = now_s();
	int *fds;

	if ((argc != 4 && !reconnect) || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: connflood PATH COUNT SECONDS [--reconnect]\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	count = strtol(argv[2], NULL, 10);
	seconds = strtol(argv[3], NULL, 10);
	if (count <= 0 || count > 100000 || seconds < 0 || seconds > 600)
		return 2;
	fds = calloc((size_t)count, sizeof(*fds));
	if (!fds)
		return 1;
	for (long i = 0; i < count; i++)
		fds[i] = open_one();
	poll(NULL, 0, 500); /* the daemon answers the ones it refuses */
	for (long i = 0; i < count; i++) {
		if (fds[i] < 0 || refused(fds[i]))
			refused_n++;
		else
			open_n++;
	}
	printf("open=%ld refused=%ld\n", open_n, refused_n);
	fflush(stdout);
	if (reconnect)
		printf("reopened=%ld\n", keep_open(fds, count, start + (double)seconds));
	else
		sleep((unsigned)seconds);
	for (long i = 0; i < count; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	return 0;
}
