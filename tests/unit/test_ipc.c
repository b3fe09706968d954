/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control protocol's request and reply framing, and the descriptors
 * that travel with a request: the CLI's fx_ipc_send against the daemon's
 * reader (clients.c), over a socketpair. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clients.h"
#include "ipc.h"

static struct fx_request req;

static int parse(const char *text, struct fx_err *err)
{
	return fx_request_parse(text, strlen(text), &req, err);
}

static void request_splits_verb_and_words(void **state)
{
	struct fx_err err = { 0 };

	(void)state;
	assert_int_equal(parse("guard tunnel=wg0 endpoint=1.2.3.4:5", &err), 0);
	assert_string_equal(req.verb, "guard");
	assert_int_equal(req.n_args, 2);
	assert_string_equal(req.args[0].key, "tunnel");
	assert_string_equal(req.args[0].value, "wg0");
	assert_string_equal(req.args[1].value, "1.2.3.4:5");
	assert_int_equal(parse("status", &err), 0);
	assert_int_equal(req.n_args, 0);
}

static void request_rejects_garbage(void **state)
{
	struct fx_err err = { 0 };
	char big[FX_IPC_MAX_LINE + 10];

	(void)state;
	assert_int_equal(parse("", &err), -EINVAL);
	assert_int_equal(parse("   ", &err), -EINVAL);
	assert_int_equal(parse("guard tunnel", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not key=value"));
	assert_int_equal(parse("guard =x", &err), -EINVAL);
	assert_int_equal(parse("status\x01\x02", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "non-printable"));
	assert_int_equal(parse("st\xc3\xa4tus", &err), -EINVAL);
	memset(big, 'a', sizeof(big));
	assert_int_equal(fx_request_parse(big, sizeof(big), &req, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "longer than"));
}

static void request_bounds_the_word_count(void **state)
{
	struct fx_err err = { 0 };
	char text[FX_IPC_MAX_LINE] = "guard";

	(void)state;
	for (int i = 0; i <= FX_IPC_MAX_ARGS; i++)
		strcat(text, " a=b");
	assert_int_equal(parse(text, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "more than"));
}

static void reply_split_reads_ok_and_errors(void **state)
{
	struct fx_err err = { 0 };
	char ok[] = "ok\nstate=connected\n";
	char bad[] = "error guard: endpoint: missing port\n";
	char junk[] = "hello";
	char *body;

	(void)state;
	assert_int_equal(fx_reply_split(ok, &body, &err), 0);
	assert_string_equal(body, "state=connected\n");
	assert_int_equal(fx_reply_split(bad, &body, &err), -EREMOTEIO);
	assert_string_equal(err.msg, "guard: endpoint: missing port");
	assert_int_equal(fx_reply_split(junk, &body, &err), -EPROTO);
}

/* Request-like text: words that are key=value or not, joined by spaces, with
 * now and then a byte from anywhere. */
static size_t random_request(unsigned *seed, char *buf, size_t cap)
{
	static const char *const words[] = { "guard", "status", "tunnel=wg0", "endpoint=1.2.3.4:5",
					     "=x", "dns=", "junk", "a=b=c", "" };
	size_t len = 0;
	int n = 1 + rand_r(seed) % 8;

	for (int i = 0; i < n && len + 32 < cap; i++) {
		const char *w = words[rand_r(seed) % 9];

		len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? " " : "", w);
	}
	if (len && rand_r(seed) % 4 == 0)
		buf[(size_t)rand_r(seed) % len] = (char)(rand_r(seed) % 256);
	return len;
}

/* Never a crash; what is accepted is clean; both outcomes are exercised. */
static void request_survives_random_input(void **state)
{
	unsigned seed = 11;
	int accepted = 0, refused = 0;
	char text[512];

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t len = random_request(&seed, text, sizeof(text));
		struct fx_err err = { 0 };

		if (fx_request_parse(text, len, &req, &err) < 0) {
			assert_true(err.msg[0] != '\0');
			refused++;
			continue;
		}
		accepted++;
		assert_null(strchr(req.verb, ' '));
		for (size_t a = 0; a < req.n_args; a++) {
			assert_true(req.args[a].key[0] != '\0');
			assert_null(strchr(req.args[a].key, '='));
		}
	}
	assert_true(accepted > 2000);
	assert_true(refused > 2000);
}

/* --- descriptors passed with a request ----------------------------------- */

static struct fx_clients table;

static int table_setup(void **state)
{
	int epfd = epoll_create1(EPOLL_CLOEXEC);

	(void)state;
	fx_clients_init(&table, epfd, (gid_t)-1);
	return epfd < 0 ? -1 : 0;
}

static int table_teardown(void **state)
{
	(void)state;
	fx_clients_done(&table);
	return close(table.epfd);
}

static size_t open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* The daemon's end of a socketpair in the table; the CLI's end in *cli. */
static struct fx_client *pair(int *cli)
{
	int sv[2];
	struct fx_client *c;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	c = fx_clients_add(&table, sv[0], 1000, true);
	assert_non_null(c);
	*cli = sv[1];
	return c;
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Three files opened by the client arrive with the line, open and
 * close-on-exec in the daemon; handling the request closes them. */
static void descriptors_arrive_with_the_line(void **state)
{
	int files[3], cli;
	size_t before = open_fds(), line;
	struct fx_client *c;

	(void)state;
	files[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	files[1] = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	files[2] = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	c = pair(&cli);
	assert_int_equal(fx_ipc_send(cli, "connect config=fd:0 config=fd:1", files, 3), 0);
	assert_int_equal(fx_clients_read(&table, c, &line), 1);
	assert_int_equal(line, strlen("connect config=fd:0 config=fd:1"));
	assert_memory_equal(c->in, "connect config=fd:0 config=fd:1\n", line + 1);
	assert_int_equal(c->n_fds, 3);
	assert_false(c->fds_refused);
	for (int i = 0; i < 3; i++) {
		assert_true(same_file(c->fds[i], files[i]));
		assert_true(fcntl(c->fds[i], F_GETFD) & FD_CLOEXEC);
		close(files[i]);
	}
	assert_int_equal(fx_clients_answer(&table, c, "ok\n", 3), -ECONNRESET); /* sent, done */
	close(cli);
	assert_int_equal(open_fds(), before);
}

static void the_client_sends_at_most_the_limit(void **state)
{
	int fds[FX_IPC_MAX_FDS + 1];

	(void)state;
	for (int i = 0; i <= FX_IPC_MAX_FDS; i++)
		fds[i] = 0;
	assert_int_equal(fx_ipc_send(1, "status", fds, FX_IPC_MAX_FDS + 1), -EINVAL);
}

/* Sends line with n copies of stdin's descriptor, bypassing the CLI's check. */
static void send_raw(int fd, const char *line, size_t n)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 32)];
	} ctl;
	struct iovec iov = { .iov_base = (char *)line, .iov_len = strlen(line) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			     .msg_controllen = CMSG_SPACE(sizeof(int) * n) };
	struct cmsghdr *cm;
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	memset(&ctl, 0, sizeof(ctl));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
	for (size_t i = 0; i < n; i++)
		memcpy(CMSG_DATA(cm) + i * sizeof(int), &null, sizeof(int));
	assert_int_equal(sendmsg(fd, &mh, 0), (ssize_t)strlen(line));
	close(null);
}

/* The line is in, the request is to be refused, and no descriptor is left. */
static void expect_refused(struct fx_client *c, int cli, size_t fds_before)
{
	size_t line;

	assert_int_equal(fx_clients_read(&table, c, &line), 1);
	assert_true(c->fds_refused);
	assert_int_equal(c->n_fds, 0);
	fx_clients_drop(&table, c);
	close(cli);
	assert_int_equal(open_fds(), fds_before);
}

/* More than a request may carry: the kernel truncates (MSG_CTRUNC), and
 * every descriptor, also the ones that fit, is closed at once. Over
 * several sends, the ones past the limit are closed too. */
static void too_many_descriptors_are_refused_and_closed(void **state)
{
	size_t before = open_fds(), line;
	int cli;
	struct fx_client *c = pair(&cli);

	(void)state;
	send_raw(cli, "connect\n", 20);
	expect_refused(c, cli, before);

	c = pair(&cli);
	send_raw(cli, "conn", 6);
	assert_int_equal(fx_clients_read(&table, c, &line), 0);
	assert_int_equal(c->n_fds, 6);
	send_raw(cli, "ect\n", 6);
	expect_refused(c, cli, before);
}

/* A client that goes away before its line takes its descriptors with it. */
static void descriptors_of_a_dropped_client_are_closed(void **state)
{
	size_t before = open_fds(), line;
	int cli;
	struct fx_client *c = pair(&cli);

	(void)state;
	send_raw(cli, "conn", 2);
	assert_int_equal(fx_clients_read(&table, c, &line), 0);
	assert_int_equal(c->n_fds, 2);
	close(cli);
	assert_true(fx_clients_read(&table, c, &line) < 0);
	assert_int_equal(open_fds(), before);
}

/* Fills the table with user 1000's connections up to its limit; the next one
 * is refused by the daemon (an error line, then its end closed). */
static void refused_connection(int *cli, int *admitted, bool request_first)
{
	int sv[2];

	for (int i = 0; i < FX_MAX_CLIENTS_PER_USER; i++)
		pair(&admitted[i]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	if (request_first)
		assert_int_equal(fx_ipc_send(sv[1], "status", NULL, 0), 0);
	assert_null(fx_clients_add(&table, sv[0], 1000, true));
	if (!request_first)
		assert_int_equal(fx_ipc_send(sv[1], "status", NULL, 0), 0);
	*cli = sv[1];
}

/* The CLI shows why it was refused, whether its request went before the
 * refusal (the daemon closes with it unread: a reset after the line) or
 * after it (the send finds no peer). */
static void a_refusal_is_the_reply(void **state)
{
	const char *why = "error too many connections from your user, try again\n";

	(void)state;
	for (int first = 0; first < 2; first++) {
		int cli, admitted[FX_MAX_CLIENTS_PER_USER];
		char *reply;
		size_t len;

		table_setup(NULL);
		refused_connection(&cli, admitted, first);
		assert_int_equal(fx_ipc_read_reply(cli, &reply, &len), 0);
		assert_string_equal(reply, why);
		assert_int_equal(len, strlen(why));
		free(reply);
		close(cli);
		for (int i = 0; i < FX_MAX_CLIENTS_PER_USER; i++)
			close(admitted[i]);
		table_teardown(NULL);
	}
}

/* A reset before any whole refusal is still an error. */
static void a_reset_without_a_refusal_is_an_error(void **state)
{
	int sv[2];
	char *reply;
	size_t len;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(fx_ipc_send(sv[1], "status", NULL, 0), 0);
	assert_int_equal(send(sv[0], "ok\nstate: conn", 15, 0), 15);
	close(sv[0]);
	assert_int_equal(fx_ipc_read_reply(sv[1], &reply, &len), -ECONNRESET);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_splits_verb_and_words),
		cmocka_unit_test(request_rejects_garbage),
		cmocka_unit_test(request_bounds_the_word_count),
		cmocka_unit_test(reply_split_reads_ok_and_errors),
		cmocka_unit_test(request_survives_random_input),
		cmocka_unit_test_setup_teardown(descriptors_arrive_with_the_line, table_setup, table_teardown),
		cmocka_unit_test(the_client_sends_at_most_the_limit),
		cmocka_unit_test(a_refusal_is_the_reply),
		cmocka_unit_test(a_reset_without_a_refusal_is_an_error),
		cmocka_unit_test_setup_teardown(too_many_descriptors_are_refused_and_closed, table_setup,
						table_teardown),
		cmocka_unit_test_setup_teardown(descriptors_of_a_dropped_client_are_closed, table_setup,
						table_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
