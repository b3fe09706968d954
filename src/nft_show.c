/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "nft_show.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SHOW_MAX (512 * 1024)

static int read_pipe(int fd, char **text, size_t *len)
{
	char *buf = malloc(SHOW_MAX + 1);
	size_t total = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read(fd, buf + total, SHOW_MAX - total);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += (size_t)n;
		if (total == SHOW_MAX)
			break;
	}
	buf[total] = '\0';
	*text = buf;
	*len = total;
	return 0;
}

int fx_nft_show(char **text, size_t *len)
{
	char *argv[] = { "nft", "list", "table", "inet", "fexyn", NULL };
	posix_spawn_file_actions_t fa;
	int fds[2], status, r;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDERR_FILENO);
	/* A missing nft(8) is told apart from a missing table (-ENOENT). */
	r = posix_spawnp(&pid, "nft", &fa, NULL, argv, environ) ? -ENOPKG : 0;
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (r == 0)
		r = read_pipe(fds[0], text, len);
	close(fds[0]);
	if (r == 0 || r == -ENOMEM) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (r == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
			free(*text);
			r = -ENOENT;
		}
	}
	return r;
}
