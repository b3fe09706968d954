/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * connflood PATH COUNT SECONDS: opens COUNT connections to a Unix socket,
 * holds them for SECONDS, and prints "open=N refused=N" — a client that
 * tries to take every slot of the daemon.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* A refused connection is answered with an error line and closed; one
 * the daemon keeps has nothing to read. */
static int refused(int fd)
{
	char buf[128];

	return recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	long count, seconds, open_n = 0, refused_n = 0;
	int *fds;

	if (argc != 4 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: connflood PATH COUNT SECONDS\n");
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
	for (long i = 0; i < count; i++) {
		fds[i] = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fds[i] >= 0 && connect(fds[i], (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			close(fds[i]);
			fds[i] = -1;
		}
	}
	poll(NULL, 0, 500); /* the daemon answers the ones it refuses */
	for (long i = 0; i < count; i++) {
		if (fds[i] < 0 || refused(fds[i]))
			refused_n++;
		else
			open_n++;
	}
	printf("open=%ld refused=%ld\n", open_n, refused_n);
	fflush(stdout);
	sleep((unsigned)seconds);
	for (long i = 0; i < count; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	return 0;
}
