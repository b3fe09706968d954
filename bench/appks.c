/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * appks IFACE [INTERVAL_MS [MAX_SECONDS]]
 *
 * An app-level kill switch, for comparison (bench/leak.sh's "app" column),
 * the way many VPN clients do it: it checks the tunnel interface every
 * INTERVAL_MS (default 200) and, once the interface is gone or down, blocks
 * with nftables (`nft -f` of a table that drops everything leaving or
 * forwarded but loopback and the tunnel's own marked packets), prints
 * "blocked at EPOCH.MICROSECONDS" and exits. The check is one ioctl, so the
 * reaction is the poll interval plus starting nft. Gives up after
 * MAX_SECONDS (default 600). Run it in the network namespace to guard.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char ruleset[] =
	"table inet appks {\n"
	"\tchain block_out {\n"
	"\t\ttype filter hook output priority 0; policy drop;\n"
	"\t\toifname \"lo\" accept\n"
	"\t\tmeta mark 51820 accept\n"
	"\t}\n"
	"\tchain block_forward {\n"
	"\t\ttype filter hook forward priority 0; policy drop;\n"
	"\t}\n"
	"}\n";

static int tunnel_up(int fd, const char *iface)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return 0; /* gone */
	return (ifr.ifr_flags & IFF_UP) != 0;
}

static int block(const char *path)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execlp("nft", "nft", "-f", path, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *iface;
	long interval_ms = 200, max_s = 600, rounds;
	char path[] = "/tmp/appks-XXXXXX";
	struct timespec ts;
	struct timeval tv;
	int fd, tmp;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: appks IFACE [INTERVAL_MS [MAX_SECONDS]]\n");
		return 2;
	}
	iface = argv[1];
	if (argc > 2)
		interval_ms = strtol(argv[2], NULL, 10);
	if (argc > 3)
		max_s = strtol(argv[3], NULL, 10);
	if (interval_ms < 1 || max_s < 1)
		return 2;
	/* The ruleset is written before anything happens: blocking is one exec. */
	tmp = mkstemp(path);
	if (tmp < 0 || write(tmp, ruleset, sizeof(ruleset) - 1) != (ssize_t)(sizeof(ruleset) - 1)) {
		perror("appks: ruleset file");
		return 1;
	}
	close(tmp);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("appks: socket");
		unlink(path);
		return 1;
	}
	printf("watching %s every %ld ms\n", iface, interval_ms);
	fflush(stdout);
	ts.tv_sec = interval_ms / 1000;
	ts.tv_nsec = interval_ms % 1000 * 1000000L;
	rounds = max_s * 1000 / interval_ms;
	for (long i = 0; i < rounds; i++) {
		if (!tunnel_up(fd, iface)) {
			int r = block(path);

			gettimeofday(&tv, NULL);
			if (r < 0)
				printf("the block failed\n");
			printf("blocked at %ld.%06ld (%s is gone or down)\n", (long)tv.tv_sec,
			       (long)tv.tv_usec, iface);
			unlink(path);
			return r < 0 ? 1 : 0;
		}
		nanosleep(&ts, NULL);
	}
	printf("gave up watching after %ld s\n", max_s);
	unlink(path);
	return 0;
}
