/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket's client table (src/daemon/clients.c): the admission policy,
 * which must keep root and group fexyn served whatever unprivileged users
 * do, and the table over socketpairs — replies that never block, caps that
 * drop a client that does not read, and expiry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clients.h"
#include "clock.h"

static struct fx_clients table;

/* A table over a real epoll instance. */
static int setup(void **state)
{
	int epfd = epoll_create1(EPOLL_CLOEXEC);

	(void)state;
	fx_clients_init(&table, epfd, (gid_t)-1);
	return epfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_clients_done(&table);
	return close(table.epfd);
}

/* --- the admission policy, as a pure function --------------------------- */

struct who {
	uid_t uid;
	bool privileged;
};

/* The counts a table of these clients gives a caller of uid. */
static void counts_of(const struct who *in, size_t n, uid_t uid, struct fx_client_counts *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		c->total++;
		c->root += in[i].uid == 0;
		c->unprivileged += !in[i].privileged;
		c->of_user += in[i].uid == uid;
	}
}

/* Offers a connection of w; admitted ones join the table. */
static enum fx_admit offer(struct who *in, size_t *n, struct who w)
{
	struct fx_client_counts c;
	enum fx_admit a;

	counts_of(in, *n, w.uid, &c);
	a = fx_admit_client(&c, w.uid, w.privileged);
	if (a == FX_ADMIT_OK)
		in[(*n)++] = w;
	return a;
}

static void empty_table_admits_everyone(void **state)
{
	struct fx_client_counts c = { 0 };

	(void)state;
	assert_int_equal(fx_admit_client(&c, 0, true), FX_ADMIT_OK);
	assert_int_equal(fx_admit_client(&c, 1000, false), FX_ADMIT_OK);
	assert_int_equal(fx_admit_client(&c, 1001, true), FX_ADMIT_OK);
}

/* Issue 11: 8 users × 8 connections took all 64 slots. Now they get at
 * most FX_MAX_CLIENTS - FX_CLIENTS_PRIVILEGED_RESERVE, and root and a
 * group fexyn member still come in. */
static void users_together_cannot_lock_out_root(void **state)
{
	struct who in[FX_MAX_CLIENTS];
	size_t n = 0, admitted = 0;

	(void)state;
	for (uid_t u = 1000; u < 1010; u++)
		for (int k = 0; k < 10; k++)
			admitted += offer(in, &n, (struct who){ u, false }) == FX_ADMIT_OK;
	assert_int_equal(admitted, FX_MAX_CLIENTS - FX_CLIENTS_PRIVILEGED_RESERVE);
	assert_int_equal(offer(in, &n, (struct who){ 1011, false }), FX_ADMIT_RESERVED);
	assert_int_equal(offer(in, &n, (struct who){ 2000, true }), FX_ADMIT_OK);
	assert_int_equal(offer(in, &n, (struct who){ 0, true }), FX_ADMIT_OK);
}

static void each_user_has_a_share_but_root(void **state)
{
	struct who in[FX_MAX_CLIENTS];
	size_t n = 0;

	(void)state;
	for (int k = 0; k < FX_MAX_CLIENTS_PER_USER; k++)
		assert_int_equal(offer(in, &n, (struct who){ 1000, false }), FX_ADMIT_OK);
	assert_int_equal(offer(in, &n, (struct who){ 1000, false }), FX_ADMIT_USER);
	assert_string_equal(fx_admit_message(FX_ADMIT_USER), "too many connections from your user, try again");
	/* Group fexyn members too: the share is per user. */
	for (int k = 0; k < FX_MAX_CLIENTS_PER_USER; k++)
		assert_int_equal(offer(in, &n, (struct who){ 2000, true }), FX_ADMIT_OK);
	assert_int_equal(offer(in, &n, (struct who){ 2000, true }), FX_ADMIT_USER);
	for (int k = 0; k < 2 * FX_MAX_CLIENTS_PER_USER; k++)
		assert_int_equal(offer(in, &n, (struct who){ 0, true }), FX_ADMIT_OK);
}

/* Group fexyn members, however many, leave root a few slots. */
static void the_last_slots_are_roots(void **state)
{
	struct who in[FX_MAX_CLIENTS];
	size_t n = 0, admitted = 0;

	(void)state;
	for (uid_t u = 2000; u < 2020; u++)
		for (int k = 0; k < FX_MAX_CLIENTS_PER_USER; k++)
			admitted += offer(in, &n, (struct who){ u, true }) == FX_ADMIT_OK;
	assert_int_equal(admitted, FX_MAX_CLIENTS - FX_CLIENTS_ROOT_RESERVE);
	for (int k = 0; k < FX_CLIENTS_ROOT_RESERVE; k++)
		assert_int_equal(offer(in, &n, (struct who){ 0, true }), FX_ADMIT_OK);
	assert_int_equal(offer(in, &n, (struct who){ 0, true }), FX_ADMIT_FULL);
	assert_string_equal(fx_admit_message(FX_ADMIT_FULL), "too many clients, try again");
}

static void subscriptions_are_capped_for_unprivileged_users(void **state)
{
	struct fx_client_counts c = { .total = 3, .of_user = 3 };

	(void)state;
	c.subscribers_of_user = FX_MAX_SUBSCRIBERS_PER_USER - 1;
	assert_int_equal(fx_admit_subscriber(&c, 1000, false), FX_ADMIT_OK);
	c.subscribers_of_user = FX_MAX_SUBSCRIBERS_PER_USER;
	assert_int_equal(fx_admit_subscriber(&c, 1000, false), FX_ADMIT_SUBSCRIBERS);
	assert_int_equal(fx_admit_subscriber(&c, 2000, true), FX_ADMIT_OK);
	assert_int_equal(fx_admit_subscriber(&c, 0, true), FX_ADMIT_OK);
	assert_true(fx_admit_message(FX_ADMIT_SUBSCRIBERS)[0] != '\0');
	assert_true(fx_admit_message(FX_ADMIT_RESERVED)[0] != '\0');
}

/* --- the table over socketpairs ------------------------------------------ */

/* A client in the table; *peer is the other end, non-blocking. */
static struct fx_client *connect_client(int *peer, uid_t uid, bool privileged)
{
	int sv[2];
	struct fx_client *c;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
	c = fx_clients_add(&table, sv[0], uid, privileged);
	assert_non_null(c);
	*peer = sv[1];
	return c;
}

static size_t read_all_now(int fd, char *buf, size_t cap, bool *eof)
{
	size_t len = 0;
	ssize_t n;

	*eof = false;
	while (len < cap && (n = recv(fd, buf + len, cap - len, MSG_DONTWAIT)) != 0) {
		if (n < 0)
			return len;
		len += (size_t)n;
	}
	*eof = len < cap;
	return len;
}

/* A reply larger than the socket takes: answering returns at once, the
 * rest goes out on flush, and the client is closed when all of it is out. */
static void a_large_reply_never_blocks(void **state)
{
	size_t size = 2 * 1024 * 1024 > FX_IPC_MAX_REPLY ? FX_IPC_MAX_REPLY : 2 * 1024 * 1024;
	char *reply = malloc(size), *got = malloc(size + 1);
	size_t have = 0, line;
	int peer, fd, rounds = 0;
	struct fx_client *c = connect_client(&peer, 1000, false);
	bool eof = false;

	(void)state;
	for (size_t i = 0; i < size; i++)
		reply[i] = (char)('a' + i % 26);
	assert_int_equal(send(peer, "status\n", 7, 0), 7);
	assert_int_equal(fx_clients_read(&table, c, &line), 1);
	assert_int_equal(line, 6);
	fd = c->fd;
	assert_int_equal(fx_clients_answer(&table, c, reply, size), 0);
	assert_true(c->out.len > c->out.off); /* still pending: it did not wait */
	assert_true(c->stalled_ms > 0);
	while (!eof) {
		have += read_all_now(peer, got + have, size + 1 - have, &eof);
		if (c->fd == fd)
			fx_clients_flush(&table, c);
		assert_true(++rounds < 100000);
	}
	assert_int_equal(have, size);
	assert_memory_equal(got, reply, size);
	assert_int_equal(c->fd, -1); /* closed once sent */
	close(peer);
	free(reply);
	free(got);
}

/* Nothing more is read once the request is in. */
static void input_after_the_request_is_not_read(void **state)
{
	int peer;
	struct fx_client *c = connect_client(&peer, 1000, false);
	size_t line;
	char junk[4096];

	(void)state;
	memset(junk, 'x', sizeof(junk));
	assert_int_equal(send(peer, "events\n", 7, 0), 7);
	assert_int_equal(fx_clients_read(&table, c, &line), 1);
	c->subscribed = true;
	assert_int_equal(fx_clients_answer(&table, c, "ok\n", 3), 0);
	for (int i = 0; i < 16; i++)
		send(peer, junk, sizeof(junk), MSG_DONTWAIT);
	assert_int_equal(fx_clients_read(&table, c, &line), 0);
	assert_int_equal(c->watching & EPOLLIN, 0);
	fx_clients_drop(&table, c);
	close(peer);
}

/* A subscriber that does not read is dropped at the cap, never waited for. */
static void a_subscriber_that_does_not_read_is_dropped(void **state)
{
	char line[300];
	int peer, small = 4096, events = 0;
	struct fx_client *c = connect_client(&peer, 1000, false);
	size_t n;

	(void)state;
	assert_int_equal(setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	assert_int_equal(send(peer, "events\n", 7, 0), 7);
	assert_int_equal(fx_clients_read(&table, c, &n), 1);
	c->subscribed = true;
	assert_int_equal(fx_clients_answer(&table, c, "ok\n", 3), 0);
	memset(line, 'e', sizeof(line));
	line[sizeof(line) - 1] = '\n';
	while (c->fd >= 0) {
		fx_clients_send_event(&table, NULL, line, sizeof(line));
		assert_true(c->fd < 0 || c->out.len - c->out.off <= FX_SUBSCRIBER_MAX_PENDING);
		assert_true(++events < 10000);
	}
	assert_true((size_t)events * sizeof(line) > FX_SUBSCRIBER_MAX_PENDING);
	close(peer);
}

static void idle_clients_expire(void **state)
{
	int p1, p2, p3;
	struct fx_client *waiting = connect_client(&p1, 1000, false);
	struct fx_client *sub = connect_client(&p2, 1000, false);
	struct fx_client *stalled = connect_client(&p3, 1000, false);
	uint64_t now = fx_now_ms();

	(void)state;
	sub->subscribed = stalled->subscribed = true;
	stalled->stalled_ms = now;
	assert_true(fx_clients_timing(&table));
	fx_clients_expire(&table, now + FX_CLIENT_IDLE_MS / 2);
	assert_true(waiting->fd >= 0 && sub->fd >= 0 && stalled->fd >= 0);
	fx_clients_expire(&table, now + FX_CLIENT_IDLE_MS + 1);
	assert_int_equal(waiting->fd, -1);  /* sent nothing, or did not read its reply */
	assert_true(sub->fd >= 0);          /* a subscriber with nothing pending stays */
	assert_int_equal(stalled->fd, -1);  /* events pending, unread for too long */
	assert_false(fx_clients_timing(&table));
	fx_clients_drop(&table, sub);
	close(p1);
	close(p2);
	close(p3);
}

/* A line comes in pieces; one that fills the buffer comes back whole. */
static void lines_in_pieces_and_too_long(void **state)
{
	int p1, p2;
	struct fx_client *c = connect_client(&p1, 1000, false);
	struct fx_client *big = connect_client(&p2, 1000, false);
	char junk[FX_IPC_MAX_LINE + 100];
	size_t line = 0;

	(void)state;
	assert_int_equal(send(p1, "sta", 3, 0), 3);
	assert_int_equal(fx_clients_read(&table, c, &line), 0);
	assert_int_equal(send(p1, "tus\nmore", 8, 0), 8);
	assert_int_equal(fx_clients_read(&table, c, &line), 1);
	assert_int_equal(line, 6);
	assert_memory_equal(c->in, "status", 6);
	memset(junk, 'a', sizeof(junk));
	assert_int_equal(send(p2, junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
	assert_int_equal(fx_clients_read(&table, big, &line), 1);
	assert_int_equal(line, FX_IPC_MAX_LINE);
	/* A peer that hangs up before its line is dropped. */
	close(p1);
	fx_clients_drop(&table, big);
	c = connect_client(&p1, 1000, false);
	close(p1);
	assert_true(fx_clients_read(&table, c, &line) < 0);
	assert_int_equal(c->fd, -1);
	close(p2);
}

/* Refusals are one line, and the table stays as it was. */
static void refusals_say_why(void **state)
{
	struct fx_client *c[FX_MAX_CLIENTS_PER_USER];
	int peers[FX_MAX_CLIENTS_PER_USER], sv[2];
	char buf[256];
	ssize_t n;

	(void)state;
	for (int i = 0; i < FX_MAX_CLIENTS_PER_USER; i++)
		c[i] = connect_client(&peers[i], 1000, false);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_null(fx_clients_add(&table, sv[0], 1000, false));
	n = recv(sv[1], buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "error too many connections from your user, try again\n");
	assert_int_equal(recv(sv[1], buf, sizeof(buf), 0), 0); /* and closed */
	close(sv[1]);
	for (int i = 0; i < FX_MAX_CLIENTS_PER_USER; i++) {
		fx_clients_drop(&table, c[i]);
		close(peers[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_table_admits_everyone),
		cmocka_unit_test(users_together_cannot_lock_out_root),
		cmocka_unit_test(each_user_has_a_share_but_root),
		cmocka_unit_test(the_last_slots_are_roots),
		cmocka_unit_test(subscriptions_are_capped_for_unprivileged_users),
		cmocka_unit_test_setup_teardown(a_large_reply_never_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(input_after_the_request_is_not_read, setup, teardown),
		cmocka_unit_test_setup_teardown(a_subscriber_that_does_not_read_is_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(idle_clients_expire, setup, teardown),
		cmocka_unit_test_setup_teardown(lines_in_pieces_and_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(refusals_say_why, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
