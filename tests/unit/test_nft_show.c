/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fx_nft_show runs a program for any user who asks: fake nft(8) scripts
 * check what it gets (its environment, signal mask and dispositions, its
 * stdin) and that a hung or failing one cannot hold the caller.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "nft_show.h"

static char dir[] = "/tmp/fexyn-test-nft-XXXXXX";
static char path[sizeof(dir) + 16];

/* A fake nft: a shell script with this body. */
static const char *fake(const char *body)
{
	FILE *f;

	snprintf(path, sizeof(path), "%s/nft", dir);
	f = fopen(path, "we");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0755), 0);
	return path;
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

static void returns_the_text(void **state)
{
	char *text;
	size_t len;

	(void)state;
	assert_int_equal(fx_nft_show(fake("echo \"$1 $2 $3 $4\"; echo 'table inet fexyn {'; echo '}'"),
				     2000, &text, &len), 0);
	assert_string_equal(text, "list table inet fexyn\ntable inet fexyn {\n}\n");
	assert_int_equal(len, strlen(text));
	free(text);
}

/* The double free of issue 11: on every failure *text is NULL, so the
 * caller's free(text) is harmless. */
static void failures_leave_nothing_to_free(void **state)
{
	char *text = (char *)&text;
	size_t len = 7;

	(void)state;
	assert_int_equal(fx_nft_show(fake("echo 'Error: No such file or directory'; exit 1"), 2000,
				     &text, &len), -ENOENT);
	assert_null(text);
	assert_int_equal(len, 0);
	assert_int_equal(fx_nft_show(fake("echo 'Error: Operation not permitted'; exit 1"), 2000,
				     &text, &len), -EIO);
	assert_null(text);
	assert_int_equal(fx_nft_show(fake("kill -9 $$"), 2000, &text, &len), -EIO);
	assert_null(text);
	assert_int_equal(fx_nft_show("/nonexistent/nft", 2000, &text, &len), -ENOPKG);
	assert_null(text);
	free(text);
}

/* Nothing of the caller's environment, and PATH is a fixed one. */
static void runs_with_a_minimal_environment(void **state)
{
	char *text;
	size_t len;

	(void)state;
	setenv("FEXYN_TEST_SECRET", "x", 1);
	assert_int_equal(fx_nft_show(fake("env | sort"), 2000, &text, &len), 0);
	unsetenv("FEXYN_TEST_SECRET");
	/* The shell adds PWD (and maybe SHLVL); the rest is what we passed. */
	assert_null(strstr(text, "FEXYN_TEST_SECRET"));
	assert_non_null(strstr(text, "LC_ALL=C\n"));
	assert_non_null(strstr(text, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"));
	free(text);
}

/* fexynd blocks SIGCHLD and more, and ignores SIGPIPE: none of it passes on. */
static void resets_the_signal_mask(void **state)
{
	unsigned long long mask;
	sigset_t block, old;
	char *text, *ign;
	size_t len;

	(void)state;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGCHLD);
	assert_int_equal(sigprocmask(SIG_BLOCK, &block, &old), 0);
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(fx_nft_show(fake("grep -E '^Sig(Blk|Ign)' /proc/self/status; read x; echo \"stdin=$x.\""),
				     2000, &text, &len), 0);
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	/* grep's own: what it inherited from the shell, which got ours.
	 * (glibc's posix_spawn ignores its own internal signals 32 and 33 in
	 * the child; every program's libc takes them back at start.) */
	assert_non_null(strstr(text, "SigBlk:\t0000000000000000\n"));
	ign = strstr(text, "SigIgn:\t");
	assert_non_null(ign);
	mask = strtoull(ign + strlen("SigIgn:\t"), NULL, 16);
	assert_false(mask & (1ULL << (SIGPIPE - 1)));
	assert_non_null(strstr(text, "stdin=.")); /* /dev/null, not the caller's */
	free(text);
}

/* A hung nft is killed at the deadline, and reaped. */
static void a_hung_nft_times_out(void **state)
{
	uint64_t t0 = fx_now_ms();
	char *text;
	size_t len;

	(void)state;
	assert_int_equal(fx_nft_show(fake("echo partial; exec sleep 60"), 300, &text, &len), -ETIMEDOUT);
	assert_null(text);
	assert_true(fx_now_ms() - t0 < 30000); /* not the 60 s of the fake */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1); /* no child left */
	assert_int_equal(errno, ECHILD);
	/* Closed output, but still running: the same. */
	assert_int_equal(fx_nft_show(fake("exec >&- 2>&-; exec sleep 60"), 300, &text, &len), -ETIMEDOUT);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

static void too_much_output_is_refused(void **state)
{
	char *text;
	size_t len;

	(void)state;
	assert_int_equal(fx_nft_show(fake("exec yes table"), 5000, &text, &len), -EFBIG);
	assert_null(text);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(returns_the_text),
		cmocka_unit_test(failures_leave_nothing_to_free),
		cmocka_unit_test(runs_with_a_minimal_environment),
		cmocka_unit_test(resets_the_signal_mask),
		cmocka_unit_test(a_hung_nft_times_out),
		cmocka_unit_test(too_much_output_is_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
