/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "nft_show.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "clock.h"

#define SHOW_MAX (512 * 1024)

/* What nft says when the table is not there. */
#define NO_TABLE "No such file or directory"

/* nft by absolute path, with a minimal environment (child.c): nothing a
 * unit file or a caller set reaches a program run for any user. */
static int spawn_nft(const char *nft_path, int out_fd, pid_t *pid)
{
	char *argv[] = { "nft", "list", "table", "inet", "fexyn", NULL };
	int r = fx_child_spawn(nft_path, argv, NULL, out_fd, pid);

	/* A missing nft(8) is told apart from a missing table (-ENOENT). */
	if (r == -ENOENT || r == -EACCES || r == -ENOEXEC)
		return -ENOPKG;
	return r;
}

/* Reads until end of file; at most cap bytes, until the deadline. */
static int read_until(int fd, uint64_t deadline, char *buf, size_t cap, size_t *len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	*len = 0;
	for (;;) {
		uint64_t now = fx_now_ms();
		ssize_t n;
		int r;

		if (now >= deadline)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)(deadline - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		if (*len == cap)
			return -EFBIG; /* readable with no room left: more than we take */
		n = read(fd, buf + *len, cap - *len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		*len += (size_t)n;
	}
}

/* nft closed its output, so it is on its way out: a few short looks. */
static int reap_by(pid_t pid, uint64_t deadline, int *status)
{
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (fx_now_ms() >= deadline)
			return -ETIMEDOUT;
		poll(NULL, 0, 2);
	}
}

static void kill_and_reap(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

int fx_nft_show(const char *nft_path, int timeout_ms, char **text, size_t *len)
{
	uint64_t deadline = fx_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	int fds[2], status = 0, r;
	size_t n = 0;
	char *buf;
	pid_t pid = 0;

	*text = NULL;
	*len = 0;
	buf = malloc(SHOW_MAX + 1);
	if (!buf)
		return -ENOMEM;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		r = -errno;
		free(buf);
		return r;
	}
	r = spawn_nft(nft_path, fds[1], &pid);
	close(fds[1]);
	if (r == 0 && pid > 0) {
		r = read_until(fds[0], deadline, buf, SHOW_MAX, &n);
		if (r == 0)
			r = reap_by(pid, deadline, &status);
		/* Hung, or too talkative: it is killed, never left behind. */
		if (r < 0 && r != -ECHILD && pid > 0)
			kill_and_reap(pid);
	}
	close(fds[0]);
	buf[n] = '\0';
	if (r == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		r = strstr(buf, NO_TABLE) ? -ENOENT : -EIO;
	if (r < 0) {
		free(buf);
		return r;
	}
	*text = buf;
	*len = n;
	return 0;
}
