/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ENV 8

static int build_env(const char *const extra[], char *env[MAX_ENV + 1])
{
	size_t n = 0;

	env[n++] = (char *)FX_CHILD_PATH;
	env[n++] = (char *)"LC_ALL=C";
	for (size_t i = 0; extra && extra[i]; i++) {
		if (n == MAX_ENV)
			return -E2BIG;
		env[n++] = (char *)extra[i];
	}
	env[n] = NULL;
	return 0;
}

static int set_attrs(posix_spawnattr_t *attr)
{
	sigset_t none, all;

	sigemptyset(&none);
	sigfillset(&all);
	if (posix_spawnattr_setsigmask(attr, &none) || posix_spawnattr_setsigdefault(attr, &all) ||
	    posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
		return -EINVAL;
	return 0;
}

static int set_files(posix_spawn_file_actions_t *fa, int out_fd)
{
	if (posix_spawn_file_actions_addopen(fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0))
		return -ENOMEM;
	if (out_fd >= 0 && (posix_spawn_file_actions_adddup2(fa, out_fd, STDOUT_FILENO) ||
			    posix_spawn_file_actions_adddup2(fa, out_fd, STDERR_FILENO)))
		return -ENOMEM;
	return 0;
}

int fx_child_spawn(const char *prog, char *const argv[], const char *const env_extra[], int out_fd,
	     pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char *env[MAX_ENV + 1];
	int r;

	if (!prog || prog[0] != '/')
		return -EINVAL;
	r = build_env(env_extra, env);
	if (r < 0)
		return r;
	if (posix_spawnattr_init(&attr))
		return -ENOMEM;
	if (posix_spawn_file_actions_init(&fa)) {
		posix_spawnattr_destroy(&attr);
		return -ENOMEM;
	}
	r = set_attrs(&attr);
	if (r == 0)
		r = set_files(&fa, out_fd);
	if (r == 0)
		r = -posix_spawn(pid, prog, &fa, &attr, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return r;
}

int fx_child_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}
