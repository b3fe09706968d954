/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pktcost --to ADDR:PORT --seconds S [--mark N] [--batch N]
 *
 * The CPU cost of sending one UDP packet on the output path: sends small
 * datagrams as fast as it can (sendmmsg, --batch at a time) for S seconds
 * and prints "packets=N wall_s=W cpu_s=C ns_per_packet=X pps=P", cpu being
 * this process's user + system time (CLOCK_PROCESS_CPUTIME_ID). Point it at
 * an address routed to a dummy interface in a scratch namespace: the packet
 * then runs through the output hook (the firewall under test) and the
 * dummy device drops it, all inside the sending system call, so the cost of
 * the firewall is part of the figure. --mark sets SO_MARK, so that rules
 * which first check the mark go on to their address lookup.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH 256

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "seconds", required_argument, NULL, 's' },
		{ "mark", required_argument, NULL, 'm' },
		{ "batch", required_argument, NULL, 'b' },
		{ 0 },
	};
	static struct mmsghdr msgs[MAX_BATCH];
	static struct iovec iov[MAX_BATCH];
	char payload[16] = "fexyn-bench";
	struct sockaddr_in to = { .sin_family = AF_INET };
	double seconds = 1, w0, c0, w1, c1;
	unsigned long mark = 0, batch = 32, packets = 0, failed = 0;
	char host[64] = "";
	int c, fd;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't': {
			const char *colon = strrchr(optarg, ':');

			if (!colon || (size_t)(colon - optarg) >= sizeof(host))
				return 2;
			memcpy(host, optarg, (size_t)(colon - optarg));
			host[colon - optarg] = '\0';
			to.sin_port = htons((uint16_t)strtoul(colon + 1, NULL, 10));
			break;
		}
		case 's':
			seconds = strtod(optarg, NULL);
			break;
		case 'm':
			mark = strtoul(optarg, NULL, 0);
			break;
		case 'b':
			batch = strtoul(optarg, NULL, 10);
			break;
		default:
			return 2;
		}
	}
	if (inet_pton(AF_INET, host, &to.sin_addr) != 1 || seconds <= 0 || batch < 1 ||
	    batch > MAX_BATCH) {
		fprintf(stderr, "usage: pktcost --to ADDR:PORT --seconds S [--mark N] [--batch N]\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("pktcost: socket");
		return 1;
	}
	if (mark) {
		unsigned int m = (unsigned int)mark;

		if (setsockopt(fd, SOL_SOCKET, SO_MARK, &m, sizeof(m)) < 0) {
			perror("pktcost: SO_MARK");
			return 1;
		}
	}
	for (unsigned long i = 0; i < batch; i++) {
		iov[i].iov_base = payload;
		iov[i].iov_len = sizeof(payload);
		msgs[i].msg_hdr.msg_name = &to;
		msgs[i].msg_hdr.msg_namelen = sizeof(to);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	w0 = clock_s(CLOCK_MONOTONIC);
	c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	/* Bounded: at most ~1e9 batches, and never past the deadline. */
	for (unsigned long round = 0; round < 1000000000UL; round++) {
		int n = sendmmsg(fd, msgs, (unsigned int)batch, 0);

		if (n > 0)
			packets += (unsigned long)n;
		else
			failed++;
		if ((round & 63) == 0 && clock_s(CLOCK_MONOTONIC) - w0 >= seconds)
			break;
	}
	c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	w1 = clock_s(CLOCK_MONOTONIC);
	close(fd);
	if (!packets) {
		fprintf(stderr, "pktcost: nothing was sent (%lu failed calls: %s)\n", failed,
			strerror(errno));
		return 1;
	}
	printf("packets=%lu wall_s=%.3f cpu_s=%.3f ns_per_packet=%.1f pps=%.0f failed_calls=%lu\n",
	       packets, w1 - w0, c1 - c0, (c1 - c0) * 1e9 / (double)packets,
	       (double)packets / (w1 - w0), failed);
	return 0;
}
