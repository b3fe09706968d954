/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Whole conversations with fexynd's control socket, through its real
 * request handling: the bytes clients write go into socketpairs whose
 * daemon ends are in the client table (clients.c), and an event loop like
 * fexynd's serves them (fx_daemon_serve: read, parse, dispatch to
 * daemon_cmd.c, the state machine of daemon_apply.c, the reply). The
 * kernel, nft(8) and the tunnel are fakes (fake_kernel.c) that record what
 * was applied.
 *
 * Input: a setup byte, then connections separated by NUL bytes. Each
 * connection is a flag byte and what the client writes, in one sendmsg
 * with the descriptors its flags ask for; then it shuts its writing side
 * and reads until the daemon closes (or, subscribed, until nothing moves).
 *   setup  bit 0 lockdown on; bit 1 fexynd starts blocked on a damaged
 *          state file; bit 2 `rules` prints 300 KiB (the reply leaves over
 *          many EPOLLOUTs); bit 3 connect cannot read its configs
 *   flags  bit 0 privileged (with bit 1 root, else a group fexyn member);
 *          bits 2-4 descriptors sent (7 means ten, more than a request may
 *          carry); bit 5 the tunnel's link flips first (a link event)
 *
 * Promises: every connection that sends a line (or a line's worth of
 * bytes) gets exactly one reply, "ok\n..." or one "error ...\n" line,
 * ending with a newline, and one that does not gets nothing; an
 * unprivileged client changes neither the state, nor the settings, the
 * guard or the firewall; an error reply changes none of them either ("nothing
 * changed"); the firewall always holds the compiled policy of the state the
 * daemon is in; the state is one of the enum's; subscribers that read are
 * sent event lines and never dropped; no descriptor is left open.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clients.h"
#include "context.h"
#include "exclusions.h"
#include "daemon_apply.h"
#include "daemon_cmd.h"
#include "tunnel.h"
#include "fake_kernel.h"
#include "fuzz.h"
#include "settings.h"
#include "state.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

#define UID_USER 1000
#define UID_MEMBER 1001
#define GOT_CAP (FX_IPC_MAX_REPLY + FX_SUBSCRIBER_MAX_PENDING)

static char dir[4096];
static struct fx_daemon *d;
static char *got;

/* The client ends of subscribers' connections, read as events come. */
static struct sub {
	int fd;
	size_t len;
	char line[2048];
} subs[FX_MAX_CLIENTS];
static size_t n_subs;

static void remove_dir(void)
{
	DIR *dh = opendir(dir);
	struct dirent *e;

	if (!dh)
		return;
	while ((e = readdir(dh)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(dirfd(dh), e->d_name, 0);
	closedir(dh);
}

static void remove_dir_at_exit(void)
{
	remove_dir();
	rmdir(dir);
}

/* The daemon's state files live in a directory of this process's own, in
 * $TMPDIR (scripts/fuzz.sh points it at a tmpfs it removes afterwards,
 * with whatever a crashed run left there). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *base = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	FUZZ_CHECK(snprintf(dir, sizeof(dir), "%s/fexyn-fuzz-dispatch-XXXXXX",
			    base && base[0] ? base : "/tmp") < (int)sizeof(dir));
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	atexit(remove_dir_at_exit);
	d = calloc(1, sizeof(*d));
	got = malloc(GOT_CAP);
	FUZZ_CHECK(d && got);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	FUZZ_CHECK(d->epfd >= 0);
	return 0;
}

static size_t open_fds(void)
{
	DIR *dh = opendir("/proc/self/fd");
	size_t n = 0;

	FUZZ_CHECK(dh != NULL);
	while (readdir(dh))
		n++;
	closedir(dh);
	return n;
}

/* fexynd as fx_daemon_init leaves it, without sockets: the settings and
 * the state the setup byte asks for, the firewall to match. */
static void fresh_daemon(uint8_t setup)
{
	int epfd = d->epfd;

	remove_dir();
	fake_kernel_reset();
	fake.show_size = setup & 4 ? 300 * 1024 : 64;
	fake.connect_fails = setup & 8;
	memset(d, 0, sizeof(*d));
	d->epfd = epfd;
	d->listen_fd = d->signal_fd = d->rtnl_fd = d->monitor_fd = -1;
	d->cfg.socket_path = "/nonexistent/fexynd.sock";
	d->cfg.state_dir = dir;
	d->cfg.nft = "/nonexistent/nft";
	d->cfg.resolv_conf = "/nonexistent/resolv.conf";
	fx_conn_init(&d->conn);
	/* Split tunnelling stays unavailable: the fuzzer touches no cgroup. */
	fx_excl_init(&d->excl);
	snprintf(d->excl.unavailable, sizeof(d->excl.unavailable), "not in the fuzzer");
	fx_machine_init(&d->m, 0);
	fx_clients_init(&d->clients, epfd, 4242);
	if (setup & 1) {
		struct fx_settings s = d->m.settings;

		s.lockdown = true;
		fx_machine_settings(&d->m, &s, NULL);
	}
	if (setup & 2) {
		FUZZ_CHECK(fx_file_save(dir, FX_STATE_FILE, "not a state file\n") == 0);
		d->state_file_corrupt = true;
		fx_machine_block(&d->m, "unreadable state: fuzz");
	}
	fx_daemon_enforce(d, true);
}

struct snapshot {
	enum fx_state state;
	struct fx_settings settings;
	bool guarding;
	int guard_r;
	char guard[FX_IPC_MAX_LINE]; /* as the wire and the state file say it */
	size_t applies;
	char block_reason[sizeof(d->m.block_reason)];
};

static void take(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->state = d->m.state;
	s->settings = d->m.settings;
	s->guarding = d->m.guarding;
	s->guard_r = fx_guard_format(&d->m.guard, ' ', s->guard, sizeof(s->guard));
	s->applies = fake.applies;
	memcpy(s->block_reason, d->m.block_reason, sizeof(s->block_reason));
}

static bool unchanged(const struct snapshot *b)
{
	struct snapshot now;

	take(&now);
	return b->state == now.state && b->settings.allow_lan == now.settings.allow_lan &&
	       b->settings.lockdown == now.settings.lockdown &&
	       b->settings.killswitch == now.settings.killswitch && b->guarding == now.guarding &&
	       b->guard_r == now.guard_r && strcmp(b->guard, now.guard) == 0 && b->applies == now.applies &&
	       strcmp(b->block_reason, now.block_reason) == 0;
}

/* The firewall holds exactly what the policy compiler makes of the state
 * the daemon says it is in. */
static void check_firewall(void)
{
	static struct fx_ruleset want;
	struct fx_policy_input in;

	fx_machine_policy_input(&d->m, d->m.state, &in);
	FUZZ_CHECK(d->m.state == FX_STATE_DISCONNECTED || d->m.state == FX_STATE_CONNECTING ||
		   d->m.state == FX_STATE_CONNECTED || d->m.state == FX_STATE_RECONNECTING ||
		   d->m.state == FX_STATE_BLOCKED);
	FUZZ_CHECK(fx_policy_compile(&in, &want) == 0);
	FUZZ_CHECK(fx_ruleset_equal(&want, &fake.applied));
}

/* An event line: "state=...", tab-separated printable fields. */
static void check_event(const char *line, size_t len)
{
	FUZZ_CHECK(len > 6 && memcmp(line, "state=", 6) == 0);
	for (size_t i = 0; i < len; i++)
		FUZZ_CHECK(line[i] == '\t' || (line[i] >= 0x20 && line[i] < 0x7f));
}

/* Subscribers read what they are sent; the daemon must not drop them. */
static void drain_subscribers(void)
{
	for (size_t i = 0; i < n_subs; i++) {
		struct sub *s = &subs[i];
		ssize_t n;
		char *nl;

		while ((n = recv(s->fd, s->line + s->len, sizeof(s->line) - s->len, MSG_DONTWAIT)) > 0) {
			s->len += (size_t)n;
			while ((nl = memchr(s->line, '\n', s->len))) {
				check_event(s->line, (size_t)(nl - s->line));
				s->len -= (size_t)(nl + 1 - s->line);
				memmove(s->line, nl + 1, s->len);
			}
			FUZZ_CHECK(s->len < sizeof(s->line));
		}
		FUZZ_CHECK(n < 0 && errno == EAGAIN); /* not closed */
	}
}

/* The daemon's loop, until the client's connection is closed or quiet;
 * returns what the client read. */
static size_t converse(int peer)
{
	size_t len = 0;
	int quiet = 0;

	for (int round = 0; round < 100000; round++) {
		struct epoll_event evs[16];
		int n = epoll_wait(d->epfd, evs, 16, 0);
		bool moved = n > 0;
		ssize_t r;

		FUZZ_CHECK(n >= 0);
		for (int i = 0; i < n; i++) {
			struct fx_client *c = fx_clients_find(&d->clients, evs[i].data.fd);

			if (c)
				fx_daemon_serve(d, c, evs[i].events);
			/* What fexynd's loop does after each event. */
			if (d->notify) {
				d->notify = false;
				fx_daemon_send_event(d, NULL);
			}
		}
		drain_subscribers();
		r = recv(peer, got + len, GOT_CAP - len, MSG_DONTWAIT);
		/* Closed; with what the client wrote after its line unread (it
		 * is never read), the kernel says so with a reset. */
		if (r == 0 || (r < 0 && errno == ECONNRESET))
			return len;
		if (r > 0) {
			len += (size_t)r;
			moved = true;
		} else {
			FUZZ_CHECK(errno == EAGAIN);
		}
		FUZZ_CHECK(len < GOT_CAP);
		quiet = moved ? 0 : quiet + 1;
		if (quiet > 3)
			return len; /* a subscriber, waiting for events */
	}
	FUZZ_CHECK(!"the daemon never finishes");
	return len;
}

/* A broken promise about a reply shows the reply. */
#define REPLY_CHECK(cond)                                                                \
	do {                                                                             \
		if (!(cond))                                                             \
			fprintf(stderr, "reply (%zu bytes): '%.*s'\n", len,                 \
				(int)(len < 600 ? len : 600), r);                          \
		FUZZ_CHECK(cond);                                                        \
	} while (0)

/* One reply: "ok\n" and a body with no second status line in it, or a
 * single "error ...\n" line. */
static void check_reply(const char *r, size_t len, bool subscribed)
{
	REPLY_CHECK(len > 0 && r[len - 1] == '\n');
	if (len >= 6 && memcmp(r, "error ", 6) == 0) {
		REPLY_CHECK(memchr(r, '\n', len) == r + len - 1);
		REPLY_CHECK(!subscribed);
		return;
	}
	REPLY_CHECK(len >= 3 && memcmp(r, "ok\n", 3) == 0);
	for (const char *p = r + 3, *nl; p < r + len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(r + len - p));
		REPLY_CHECK(!(nl - p == 2 && memcmp(p, "ok", 2) == 0));
		REPLY_CHECK(!(nl - p >= 6 && memcmp(p, "error ", 6) == 0));
		if (subscribed)
			check_event(p, (size_t)(nl - p));
	}
	REPLY_CHECK(!subscribed || len > 3); /* the state as it is now comes first */
}

/* Writes bytes with n descriptors (of /dev/null) attached, in one sendmsg.
 * A refused connection is closed by the daemon at once, its refusal already
 * waiting to be read: then the send finds no peer (EPIPE), as a client's
 * would. */
static void send_with_fds(int fd, const uint8_t *bytes, size_t len, size_t n, bool admitted)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 10)];
	} ctl;
	struct iovec iov = { .iov_base = (void *)bytes, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fds[10];
	ssize_t sent;

	memset(&ctl, 0, sizeof(ctl));
	for (size_t i = 0; i < n; i++) {
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		FUZZ_CHECK(fds[i] >= 0);
	}
	if (n) {
		struct cmsghdr *cm;

		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
	}
	sent = sendmsg(fd, &mh, MSG_NOSIGNAL);
	FUZZ_CHECK(sent == (ssize_t)len || (!admitted && sent < 0 && errno == EPIPE));
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

/* A link event, as fexynd's loop handles one. */
static void link_flips(void)
{
	fake.link_up = !fake.link_up;
	fx_daemon_refresh_link(d);
	fx_daemon_enforce(d, false);
	drain_subscribers();
	check_firewall();
}

static void one_connection(uint8_t flags, const uint8_t *bytes, size_t len)
{
	bool privileged = flags & 1, admitted, subscribed = false;
	uid_t uid = !privileged ? UID_USER : (flags & 2) ? 0 : UID_MEMBER;
	size_t n_fds = (flags >> 2) & 7, before_fds, got_len, scan = len;
	int sv[2], small = 4096, dfd;
	struct snapshot before;
	struct fx_client *c;

	if (n_fds == 7)
		n_fds = 10;
	if (flags & 0x20)
		link_flips();
	take(&before);
	before_fds = open_fds();
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) == 0);
	/* A small send buffer: replies leave in pieces, on EPOLLOUT. */
	FUZZ_CHECK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)) == 0);
	dfd = sv[0];
	admitted = fx_clients_add(&d->clients, sv[0], uid, privileged) != NULL;
	if (len)
		send_with_fds(sv[1], bytes, len, n_fds, admitted);
	shutdown(sv[1], SHUT_WR);
	got_len = converse(sv[1]);
	if (admitted) {
		c = fx_clients_find(&d->clients, dfd);
		subscribed = c && c->subscribed;
	}
	if (scan > FX_IPC_MAX_LINE)
		scan = FX_IPC_MAX_LINE;
	if (!admitted || memchr(bytes, '\n', scan) || len >= FX_IPC_MAX_LINE)
		check_reply(got, got_len, subscribed);
	else
		FUZZ_CHECK(got_len == 0); /* no request, no reply */
	if (!privileged || (got_len >= 6 && memcmp(got, "error ", 6) == 0))
		FUZZ_CHECK(unchanged(&before));
	check_firewall();
	if (subscribed) {
		FUZZ_CHECK(n_subs < FX_MAX_CLIENTS);
		subs[n_subs++] = (struct sub){ .fd = sv[1] };
		FUZZ_CHECK(open_fds() == before_fds + 2);
	} else {
		close(sv[1]);
		FUZZ_CHECK(open_fds() == before_fds); /* the daemon's end and every descriptor sent */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t start_fds = open_fds();
	const uint8_t *p, *end = data + size;

	if (size == 0)
		return 0;
	fresh_daemon(data[0]);
	check_firewall();
	for (p = data + 1; p < end;) {
		const uint8_t *nul = memchr(p, '\0', (size_t)(end - p));
		const uint8_t *stop = nul ? nul : end;

		if (stop > p)
			one_connection(p[0], p + 1, (size_t)(stop - p - 1));
		p = stop + 1;
	}
	fx_clients_done(&d->clients);
	for (size_t i = 0; i < n_subs; i++)
		close(subs[i].fd);
	n_subs = 0;
	FUZZ_CHECK(open_fds() == start_fds);
	return 0;
}
