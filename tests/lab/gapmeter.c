/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gapmeter --port PORT --ready FILE [--csv FILE] [--from ADDR]...
 *
 * Runs on the web host: receives a flow's UDP datagrams and, when it gets
 * SIGTERM or SIGINT, prints how many arrived and the longest time between
 * two arrivals ("received=N longest_gap_ms=G gap_end_ms=T", T on the wall
 * clock in milliseconds, as `date +%s%3N` prints it). Only datagrams from
 * the --from addresses count (the VPN servers' addresses: the tunnel's
 * traffic, not a leak). --csv writes each arrival as "ms,source". The
 * ready file is written once the socket listens.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FROM 8

struct opts {
	unsigned long port;
	const char *ready, *csv;
	struct in_addr from[MAX_FROM];
	size_t n_from;
};

struct tally {
	unsigned long received;
	uint64_t last_ms, longest_ms, gap_end_ms;
};

static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option long_opts[] = {
		{ "port", required_argument, NULL, 'p' }, { "ready", required_argument, NULL, 'r' },
		{ "csv", required_argument, NULL, 'c' },  { "from", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->port = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			o->ready = optarg;
			break;
		case 'c':
			o->csv = optarg;
			break;
		case 'f':
			if (o->n_from == MAX_FROM || inet_pton(AF_INET, optarg, &o->from[o->n_from]) != 1)
				return -EINVAL;
			o->n_from++;
			break;
		default:
			return -EINVAL;
		}
	}
	return o->port && o->port < 65536 && o->ready && o->n_from ? 0 : -EINVAL;
}

static bool counted(const struct opts *o, struct in_addr a)
{
	for (size_t i = 0; i < o->n_from; i++)
		if (o->from[i].s_addr == a.s_addr)
			return true;
	return false;
}

static int listen_udp(unsigned long port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int big = 4 << 20;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

static void arrival(struct tally *t, uint64_t now)
{
	if (t->received && now - t->last_ms > t->longest_ms) {
		t->longest_ms = now - t->last_ms;
		t->gap_end_ms = now;
	}
	t->last_ms = now;
	t->received++;
}

static void drain(int fd, const struct opts *o, struct tally *t, FILE *csv)
{
	char buf[2048];
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	char text[INET_ADDRSTRLEN];

	while (recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &len) >= 0) {
		uint64_t now = wall_ms();

		len = sizeof(from);
		if (!counted(o, from.sin_addr))
			continue;
		arrival(t, now);
		if (csv) {
			inet_ntop(AF_INET, &from.sin_addr, text, sizeof(text));
			fprintf(csv, "%llu,%s\n", (unsigned long long)now, text);
		}
	}
}

static int mark_ready(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fputs("ready\n", f);
	return fclose(f) == 0 ? 0 : -errno;
}

int main(int argc, char **argv)
{
	struct pollfd fds[2] = { { .events = POLLIN }, { .events = POLLIN } };
	struct tally t = { 0 };
	struct opts o;
	FILE *csv = NULL;
	sigset_t mask;

	if (parse(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: gapmeter --port PORT --ready FILE [--csv FILE] --from ADDR...\n");
		return 2;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	fds[0].fd = signalfd(-1, &mask, SFD_CLOEXEC);
	fds[1].fd = listen_udp(o.port);
	if (fds[0].fd < 0 || fds[1].fd < 0) {
		fprintf(stderr, "gapmeter: cannot listen on port %lu\n", o.port);
		return 1;
	}
	if (o.csv && !(csv = fopen(o.csv, "w"))) {
		fprintf(stderr, "gapmeter: cannot write %s: %s\n", o.csv, strerror(errno));
		return 1;
	}
	if (mark_ready(o.ready) < 0) {
		fprintf(stderr, "gapmeter: cannot write %s\n", o.ready);
		return 1;
	}
	while (poll(fds, 2, -1) >= 0 || errno == EINTR) {
		if (fds[1].revents & POLLIN)
			drain(fds[1].fd, &o, &t, csv);
		if (fds[0].revents & POLLIN)
			break;
	}
	drain(fds[1].fd, &o, &t, csv);
	if (csv)
		fclose(csv);
	printf("received=%lu longest_gap_ms=%llu gap_end_ms=%llu\n", t.received,
	       (unsigned long long)t.longest_ms, (unsigned long long)t.gap_end_ms);
	return 0;
}
