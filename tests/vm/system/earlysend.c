/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * earlysend --to ADDR:PORT --rate PPS --stop-file PATH --max-seconds S --log PATH
 *
 * The system test's early-boot sender: from as early in boot as systemd
 * starts it, sends one small UDP datagram after another to an "internet"
 * address and writes down what the kernel said to each: sent, or the errno
 * (ENETUNREACH while the guest has no route yet, EPERM once a firewall drops
 * or rejects it). Times are CLOCK_MONOTONIC milliseconds, the clock of
 * systemd's *TimestampMonotonic properties, so the log lines up with the
 * units' start and stop times.
 *
 * The log has a line each time the outcome changes ("T_MS OUTCOME"), a line
 * every second with the counts so far, and at the end
 *   summary attempts=N sent=N eperm=N enetunreach=N other=N first_sent_ms=T|-
 *           last_sent_ms=T|- first_ms=T last_ms=T
 * Each datagram carries "fexyn-systest early SEQ", so a packet capture can
 * tell its packets from any others. Stops when PATH exists or after S seconds.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static const char *outcome(int err)
{
	switch (err) {
	case 0:
		return "sent";
	case EPERM:
		return "eperm";
	case ENETUNREACH:
		return "enetunreach";
	default:
		return NULL;
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'r' },
		{ "stop-file", required_argument, NULL, 'f' },
		{ "max-seconds", required_argument, NULL, 's' },
		{ "log", required_argument, NULL, 'l' },
		{ 0 },
	};
	struct sockaddr_in to = { .sin_family = AF_INET };
	const char *stop = NULL, *logpath = NULL;
	unsigned long rate = 0, max_s = 0;
	unsigned long long attempts = 0, sent = 0, eperm = 0, unreach = 0, other = 0;
	long long first_sent = -1, last_sent = -1, start, last_tick, t = 0;
	int last_err = -1, fd, c;
	FILE *log;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 't': {
			char host[64];
			const char *colon = strrchr(optarg, ':');

			if (!colon || (size_t)(colon - optarg) >= sizeof(host))
				return 2;
			memcpy(host, optarg, (size_t)(colon - optarg));
			host[colon - optarg] = '\0';
			if (inet_pton(AF_INET, host, &to.sin_addr) != 1)
				return 2;
			to.sin_port = htons((uint16_t)strtoul(colon + 1, NULL, 10));
			break;
		}
		case 'r':
			rate = strtoul(optarg, NULL, 10);
			break;
		case 'f':
			stop = optarg;
			break;
		case 's':
			max_s = strtoul(optarg, NULL, 10);
			break;
		case 'l':
			logpath = optarg;
			break;
		default:
			return 2;
		}
	}
	if (!to.sin_port || !rate || !stop || !max_s || !logpath || optind != argc) {
		fprintf(stderr, "usage: earlysend --to ADDR:PORT --rate PPS --stop-file PATH "
				"--max-seconds S --log PATH\n");
		return 2;
	}
	log = fopen(logpath, "we");
	if (!log) {
		perror("earlysend: log");
		return 1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("earlysend: socket");
		return 1;
	}
	start = last_tick = now_ms();
	fprintf(log, "%lld start\n", start);
	fflush(log);
	for (;;) {
		struct timespec pause = { 0, 1000000 };
		unsigned long long due;
		struct stat st;

		t = now_ms();
		/* Paced on the time since start: by then, this many were due. */
		due = rate * (unsigned long long)(t - start) / 1000 + 1;
		if ((unsigned long long)(t - start) / 1000 >= max_s || stat(stop, &st) == 0)
			break;
		for (; attempts < due; attempts++) {
			char payload[64];
			int n = snprintf(payload, sizeof(payload), "fexyn-systest early %llu", attempts);
			int err = sendto(fd, payload, (size_t)n, 0, (struct sockaddr *)&to, sizeof(to)) < 0 ? errno : 0;
			const char *what = outcome(err);

			if (err == 0) {
				sent++;
				if (first_sent < 0)
					first_sent = t;
				last_sent = t;
			} else if (err == EPERM) {
				eperm++;
			} else if (err == ENETUNREACH) {
				unreach++;
			} else {
				other++;
			}
			if (err != last_err) {
				if (what)
					fprintf(log, "%lld %s\n", t, what);
				else
					fprintf(log, "%lld errno=%d (%s)\n", t, err, strerror(err));
				fflush(log);
				last_err = err;
			}
		}
		if (t - last_tick >= 1000) {
			last_tick = t;
			fprintf(log, "%lld counts attempts=%llu sent=%llu eperm=%llu enetunreach=%llu other=%llu\n",
				t, attempts, sent, eperm, unreach, other);
			fflush(log);
		}
		nanosleep(&pause, NULL);
	}
	fprintf(log, "summary attempts=%llu sent=%llu eperm=%llu enetunreach=%llu other=%llu", attempts,
		sent, eperm, unreach, other);
	if (first_sent >= 0)
		fprintf(log, " first_sent_ms=%lld last_sent_ms=%lld", first_sent, last_sent);
	else
		fprintf(log, " first_sent_ms=- last_sent_ms=-");
	fprintf(log, " first_ms=%lld last_ms=%lld\n", start, t);
	fclose(log);
	return 0;
}
