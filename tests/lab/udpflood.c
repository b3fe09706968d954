/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * udpflood --to ADDR:PORT --rate PPS --seconds S [--mark N] [--bind-dev IFACE]
 *          [--sport PORT] [--from ADDR]
 *
 * Sends small UDP datagrams at a steady rate, paced on absolute monotonic
 * deadlines in 1 ms slices, and keeps sending when the kernel refuses
 * (EPERM from a reject, unreachable routes): a program that keeps trying is
 * what a leak test needs. Prints "sent=N failed=N" at the end.
 *
 * --sport sends from a known port, so that another host can forge packets
 * into the flow (tests/lab/test-leak-injection.sh). --from sends from an
 * address, which may be one this host does not own: IP_TRANSPARENT (root)
 * lets a forger put a remote server's address on its packets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct opts {
	struct sockaddr_storage to;
	socklen_t to_len;
	unsigned long rate, seconds;
	uint32_t mark;
	const char *dev;
	unsigned long sport;
	const char *from;
};

static int parse_to(const char *s, struct opts *o)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	struct sockaddr_in *v4 = (struct sockaddr_in *)&o->to;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&o->to;
	unsigned long port;

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	port = strtoul(colon + 1, NULL, 10);
	if (port == 0 || port > 65535)
		return -1;
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		host[strlen(host) - 1] = '\0';
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		o->to_len = sizeof(*v6);
		return inet_pton(AF_INET6, host + 1, &v6->sin6_addr) == 1 ? 0 : -1;
	}
	v4->sin_family = AF_INET;
	v4->sin_port = htons((uint16_t)port);
	o->to_len = sizeof(*v4);
	return inet_pton(AF_INET, host, &v4->sin_addr) == 1 ? 0 : -1;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "mark", required_argument, NULL, 'm' },
		{ "bind-dev", required_argument, NULL, 'd' },
		{ "sport", required_argument, NULL, 'p' },
		{ "from", required_argument, NULL, 'f' },
		{ 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (parse_to(optarg, o) < 0)
				return -1;
			break;
		case 'r':
			o->rate = strtoul(optarg, NULL, 10);
			break;
		case 's':
			o->seconds = strtoul(optarg, NULL, 10);
			break;
		case 'm':
			o->mark = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'd':
			o->dev = optarg;
			break;
		case 'p':
			o->sport = strtoul(optarg, NULL, 10);
			if (o->sport == 0 || o->sport > 65535)
				return -1;
			break;
		case 'f':
			o->from = optarg;
			break;
		default:
			return -1;
		}
	}
	return (o->to_len && o->rate && o->seconds && optind == argc) ? 0 : -1;
}

/* The source address and port, when asked for; any address with --from. */
static int bind_source(int fd, const struct opts *o)
{
	struct sockaddr_storage src = { .ss_family = o->to.ss_family };
	struct sockaddr_in *v4 = (struct sockaddr_in *)&src;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&src;
	bool is6 = o->to.ss_family == AF_INET6;
	int one = 1;

	if (!o->sport && !o->from)
		return 0;
	if (o->from) {
		void *addr = is6 ? (void *)&v6->sin6_addr : (void *)&v4->sin_addr;

		if (setsockopt(fd, is6 ? SOL_IPV6 : SOL_IP, is6 ? IPV6_TRANSPARENT : IP_TRANSPARENT,
			       &one, sizeof(one)) < 0)
			return -1;
		if (inet_pton(o->to.ss_family, o->from, addr) != 1) {
			errno = EINVAL;
			return -1;
		}
	}
	if (is6)
		v6->sin6_port = htons((uint16_t)o->sport);
	else
		v4->sin_port = htons((uint16_t)o->sport);
	return bind(fd, (struct sockaddr *)&src, is6 ? sizeof(*v6) : sizeof(*v4));
}

static int open_socket(const struct opts *o)
{
	int fd = socket(o->to.ss_family, SOCK_DGRAM, 0);

	if (fd < 0)
		return -1;
	if (o->mark && setsockopt(fd, SOL_SOCKET, SO_MARK, &o->mark, sizeof(o->mark)) < 0)
		return -1;
	if (o->dev && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o->dev, (socklen_t)strlen(o->dev)) < 0)
		return -1;
	if (bind_source(fd, o) < 0)
		return -1;
	return fd;
}

static void add_ns(struct timespec *t, long ns)
{
	t->tv_nsec += ns;
	while (t->tv_nsec >= 1000000000L) {
		t->tv_nsec -= 1000000000L;
		t->tv_sec++;
	}
}

int main(int argc, char **argv)
{
	struct opts o;
	struct timespec next;
	unsigned long total, sent = 0, failed = 0;
	char payload[64];
	int fd;

	if (parse(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: udpflood --to ADDR:PORT --rate PPS --seconds S [--mark N]\n"
				"                [--bind-dev IFACE] [--sport PORT] [--from ADDR]\n");
		return 2;
	}
	fd = open_socket(&o);
	if (fd < 0) {
		perror("udpflood: socket");
		return 1;
	}
	total = o.rate * o.seconds;
	clock_gettime(CLOCK_MONOTONIC, &next);
	/* Millisecond slices: by the end of slice k, rate*(k+1)/1000 packets are due. */
	for (unsigned long slice = 0, i = 0; i < total; slice++) {
		unsigned long due = (unsigned long)((unsigned long long)o.rate * (slice + 1) / 1000);

		for (; i < due && i < total; i++) {
			int n = snprintf(payload, sizeof(payload), "fexyn-lab %lu", i);

			if (sendto(fd, payload, (size_t)n, 0, (struct sockaddr *)&o.to, o.to_len) < 0)
				failed++;
			else
				sent++;
		}
		add_ns(&next, 1000000L);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
	}
	printf("sent=%lu failed=%lu\n", sent, failed);
	close(fd);
	return 0;
}
