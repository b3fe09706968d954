/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fexyn exclude run [--] COMMAND [ARGS...] | add PID | remove PID | list | clear
 *
 * Split tunnelling: chosen programs use the real connection, everything
 * else stays in the tunnel. The client names a process by opening its
 * /proc directory with the caller's own rights and passing it to fexynd:
 * the directory stands for that process (not its number, which a new
 * process may get), and a process the caller cannot see cannot be named.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

static int parse_pid(const char *verb, const char *s, pid_t *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > 0x3fffffff)
		return fx_cli_usage_error(verb, "'%s' is not a process id", s);
	*pid = (pid_t)v;
	return FX_EXIT_OK;
}

static int open_proc(const char *verb, pid_t pid, int *fd)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	*fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd >= 0)
		return FX_EXIT_OK;
	fprintf(stderr, "fexyn %s: PID %d: %s\n", verb, (int)pid,
		errno == ENOENT ? "no such process" : strerror(errno));
	return FX_EXIT_FAIL;
}

/* Sends request for pid, with its /proc directory. */
static int call_for_pid(const struct fx_cli *cli, const char *verb, const char *request, pid_t pid)
{
	char line[64], *reply, *body;
	int fd, r = open_proc(verb, pid, &fd);

	if (r != FX_EXIT_OK)
		return r;
	snprintf(line, sizeof(line), "%s pid=%d", request, (int)pid);
	r = fx_cli_call_fds(cli, line, &fd, 1, &reply, &body);
	close(fd);
	if (r == FX_EXIT_OK)
		free(reply);
	return r;
}

static int pid_verb(const struct fx_cli *cli, const char *verb, const char *request, int argc, char **argv)
{
	pid_t pid = 0;
	int r;

	if (argc != 2)
		return fx_cli_usage_error(verb, "expected one PID");
	r = parse_pid(verb, argv[1], &pid);
	if (r != FX_EXIT_OK)
		return r;
	r = call_for_pid(cli, verb, request, pid);
	if (r == FX_EXIT_OK)
		printf("PID %d %s\n", (int)pid, strcmp(request, "exclude-add") == 0
						       ? "is excluded: its new connections go around the tunnel"
						       : "is back in the tunnel, with its exclusion's other processes");
	return r;
}

/* A process's name, for the list; its PID alone when it cannot be read. */
static void print_process(const char *pid)
{
	char path[48], name[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	f = fopen(path, "re");
	if (f && fgets(name, sizeof(name), f))
		name[strcspn(name, "\n")] = '\0';
	if (f)
		fclose(f);
	printf(name[0] ? "  %s (%s)\n" : "  %s\n", pid, name);
}

static int list(const struct fx_cli *cli, int argc)
{
	char *reply, *body, *save = NULL;
	size_t exclusions = 0;
	int r;

	if (argc != 1)
		return fx_cli_usage_error("exclude list", "takes no arguments");
	r = fx_cli_call(cli, "exclude-list", &reply, &body);
	if (r != FX_EXIT_OK)
		return r;
	for (char *line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strcmp(line, "available=no") == 0)
			printf("split tunnelling is not available");
		else if (strncmp(line, "reason=", 7) == 0)
			printf(": %s\n", line + 7);
		else if (strncmp(line, "exclusion=", 10) == 0 && ++exclusions)
			printf("exclusion %s:\n", line + 10);
		else if (strncmp(line, "pid=", 4) == 0)
			print_process(line + 4);
	}
	if (!exclusions && !strstr(reply, "available=no"))
		printf("no program is excluded\n");
	free(reply);
	return FX_EXIT_OK;
}

/* The user a command runs as: the caller, or whoever called sudo. Never root. */
struct run_as {
	uid_t uid;
	gid_t gid;
	const struct passwd *pw;
};

static int find_user(struct run_as *u)
{
	const char *sudo_uid = getenv("SUDO_UID");
	char *end;

	u->uid = getuid();
	if (u->uid == 0 && sudo_uid && *sudo_uid) {
		errno = 0;
		u->uid = (uid_t)strtoul(sudo_uid, &end, 10);
		if (errno || *end)
			u->uid = 0;
	}
	if (u->uid == 0) {
		fprintf(stderr, "fexyn exclude run: the command would run as root: run fexyn as your own "
				"user (in group fexyn), or through sudo\n");
		return FX_EXIT_FAIL;
	}
	u->pw = getpwuid(u->uid);
	if (!u->pw) {
		fprintf(stderr, "fexyn exclude run: user %u has no passwd entry\n", (unsigned)u->uid);
		return FX_EXIT_FAIL;
	}
	u->gid = u->pw->pw_gid;
	return FX_EXIT_OK;
}

/* In the child, once excluded: become the user, then the command. */
static void become_and_exec(const struct run_as *u, char **cmd)
{
	if (getuid() == 0 && (initgroups(u->pw->pw_name, u->gid) < 0 || setgid(u->gid) < 0 ||
			      setuid(u->uid) < 0 || setuid(0) == 0)) {
		fprintf(stderr, "fexyn exclude run: cannot become user %s: %s\n", u->pw->pw_name,
			strerror(errno));
		_exit(126);
	}
	if (getuid() != geteuid() && setuid(getuid()) < 0)
		_exit(126);
	setenv("HOME", u->pw->pw_dir, 1);
	setenv("USER", u->pw->pw_name, 1);
	setenv("LOGNAME", u->pw->pw_name, 1);
	execvp(cmd[0], cmd);
	fprintf(stderr, "fexyn exclude run: %s: %s\n", cmd[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* The child waits for the word: excluded before it runs anything. */
static pid_t start_waiting(const struct run_as *u, char **cmd, int *go)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(125); /* not excluded: never runs */
		close(p[0]);
		become_and_exec(u, cmd);
	}
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return -1;
	}
	*go = p[1];
	return pid;
}

static int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static int run(const struct fx_cli *cli, int argc, char **argv)
{
	struct sigaction ignore = { .sa_handler = SIG_IGN }, old_int, old_quit;
	struct run_as u;
	int go = -1, status = 0, r;
	pid_t pid;

	argv++, argc--;
	if (argc > 0 && strcmp(argv[0], "--") == 0)
		argv++, argc--;
	if (argc == 0)
		return fx_cli_usage_error("exclude run", "expected a command to run");
	r = find_user(&u);
	if (r != FX_EXIT_OK)
		return r;
	pid = start_waiting(&u, argv, &go);
	if (pid < 0) {
		fprintf(stderr, "fexyn exclude run: cannot start %s: %s\n", argv[0], strerror(errno));
		return FX_EXIT_FAIL;
	}
	r = call_for_pid(cli, "exclude run", "exclude-add", pid);
	if (r == FX_EXIT_OK && write(go, "g", 1) != 1)
		r = FX_EXIT_FAIL;
	close(go); /* without the word, the child exits unrun */
	/* Like system(3): the terminal's signals are the command's to act on. */
	sigaction(SIGINT, &ignore, &old_int);
	sigaction(SIGQUIT, &ignore, &old_quit);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	return r == FX_EXIT_OK ? exit_code_of(status) : r;
}

int fx_cli_exclude(const struct fx_cli *cli, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (strcmp(sub, "run") == 0)
		return run(cli, argc - 1, argv + 1);
	if (strcmp(sub, "add") == 0)
		return pid_verb(cli, "exclude add", "exclude-add", argc - 1, argv + 1);
	if (strcmp(sub, "remove") == 0)
		return pid_verb(cli, "exclude remove", "exclude-remove", argc - 1, argv + 1);
	if (strcmp(sub, "list") == 0)
		return list(cli, argc - 1);
	if (strcmp(sub, "clear") == 0)
		return fx_cli_simple(cli, "exclude-clear", argc - 1, argv + 1, false);
	return fx_cli_usage_error("exclude", "expected run, add, remove, list or clear");
}
