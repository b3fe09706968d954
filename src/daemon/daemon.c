/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fexynd's event loop and the resources it owns. */
#include "daemon.h"
#include "daemon_apply.h"
#include "daemon_cmd.h"
#include "exclusions.h"
#include "tunnel.h"

#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "nft_monitor.h"
#include "settings.h"
#include "state.h"

static int mkdir_parents(const char *path, mode_t mode)
{
	char buf[4096];

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* A socket file nobody answers on is a leftover of a crash; one that answers
 * belongs to a running daemon, which we must not steal it from. */
static int claim_socket_path(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (r == 0) {
		log_err("another fexynd is already listening on %s", path);
		return -EADDRINUSE;
	}
	if (unlink(path) < 0 && errno != ENOENT)
		return fx_log_errno(-errno, "cannot remove stale socket %s", path);
	return 0;
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)];
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	strcpy(dir, path);
	r = mkdir_parents(dirname(dir), 0755);
	if (r < 0)
		return fx_log_errno(r, "cannot create the directory of %s", path);
	r = claim_socket_path(path);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* Everyone may connect and read; each request is checked against the
	 * caller's credentials (root or group fexyn to change anything). */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0666) < 0 ||
	    listen(fd, 16) < 0) {
		r = -errno;
		close(fd);
		return fx_log_errno(r, "cannot listen on %s", path);
	}
	return fd;
}

static int open_signals(void)
{
	sigset_t mask;
	int fd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD); /* wireguard-go, our child */
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

static int watch(struct fx_daemon *d, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* A damaged settings file blocks, and stays as it is until rewritten. */
static void load_settings(struct fx_daemon *d)
{
	struct fx_settings s;
	struct fx_err err = { 0 };
	char why[FX_MACHINE_REASON_MAX];

	if (fx_settings_load(d->cfg.state_dir, &s, &err) >= 0) {
		fx_machine_settings(&d->m, &s, NULL);
		return;
	}
	snprintf(why, sizeof(why), "unreadable settings: %s", err.msg);
	fx_machine_settings(&d->m, &s, why);
	log_err("%s; blocking until a setting is written again or `fexyn reset`", why);
}

/* Loads what was guarded before a restart; a bad file blocks and is kept. */
static void load_state(struct fx_daemon *d)
{
	struct fx_table_info ti;
	struct fx_guard g;
	struct fx_err err = { 0 };
	char why[FX_MACHINE_REASON_MAX];
	int r = fx_state_load(d->cfg.state_dir, &g, &err);

	if (r > 0) {
		fx_machine_guard(&d->m, &g, false);
		log_info("resuming the guard of %s from %s", g.tunnel, d->cfg.state_dir);
		return;
	}
	if (r < 0) {
		d->state_file_corrupt = true;
		snprintf(why, sizeof(why), "unreadable state: %s", err.msg);
	} else if (fx_nft_table_info(d->nft, &ti) == 0 && ti.present) {
		snprintf(why, sizeof(why), "found table inet fexyn but no saved state in %s",
			 d->cfg.state_dir);
	} else {
		return;
	}
	fx_machine_block(&d->m, why);
	log_err("%s; blocking until `fexyn disconnect` or `fexyn reset`", why);
}

static int open_kernel_sockets(struct fx_daemon *d)
{
	int r = fx_nft_open(&d->nft, d->cfg.protection);
	enum fx_protection p;

	if (r < 0)
		return fx_log_errno(r, "cannot open a netfilter socket");
	p = fx_nft_protection(d->nft);
	if (p == FX_PROTECTION_OWNER_PERSIST) {
		log_info("table inet fexyn is owned by this daemon and persists if it dies");
	} else {
		if (p == FX_PROTECTION_OWNED_UNOWNED)
			log_info("no persist table flag (Linux 6.9+)%s: the policy is in two tables, "
				 "inet fexyn_owned (owned by this daemon, gone if it dies) and inet fexyn "
				 "(outlives it; restored when another process removes it)",
				 d->cfg.protection > p ? " on this kernel" : " (not asked for)");
		else
			log_warn("no nftables owner table flag (Linux 5.12+)%s: another root process "
				 "can remove the table; fexynd restores it when it sees that happen",
				 d->cfg.protection > p ? " on this kernel" : " (not asked for)");
		d->monitor_fd = fx_nft_monitor_open();
		if (d->monitor_fd < 0)
			return fx_log_errno(d->monitor_fd, "cannot watch nftables events");
	}
	if (!fx_nft_filters_arp(d->nft))
		log_warn("this kernel's nftables has no arp family: ARP for the tunnel's address is "
			 "not filtered (the rest of the policy is)");
	d->rtnl_fd = fx_rtnl_events_open();
	if (d->rtnl_fd < 0)
		return fx_log_errno(d->rtnl_fd, "cannot watch link events");
	return 0;
}

/* Group fexyn's members may change things; read once, at start. */
static gid_t fexyn_gid(void)
{
	struct group *grp = getgrnam("fexyn");

	return grp ? grp->gr_gid : (gid_t)-1;
}

int fx_daemon_init(struct fx_daemon *d, const struct fx_daemon_config *cfg)
{
	int r;

	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	d->listen_fd = d->signal_fd = d->rtnl_fd = d->monitor_fd = -1;
	fx_conn_init(&d->conn);
	fx_excl_init(&d->excl);
	fx_machine_init(&d->m, time(NULL));
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	r = d->epfd < 0 ? -errno : 0;
	fx_clients_init(&d->clients, d->epfd, fexyn_gid());
	if (r < 0)
		return r;

	/* The socket first: a second daemon must stop before touching anything. */
	d->listen_fd = listen_on(cfg->socket_path);
	if (d->listen_fd < 0)
		return d->listen_fd;
	d->signal_fd = open_signals();
	if (d->signal_fd < 0)
		return fx_log_errno(d->signal_fd, "cannot set up signal handling");
	r = open_kernel_sockets(d);
	if (r < 0)
		return r;
	load_settings(d);
	load_state(d);
	fx_excl_start(d);
	fx_daemon_refresh_link(d);
	/* Adopts a table left by a previous run and refills it in one batch:
	 * the table is never deleted on the way. */
	fx_daemon_enforce(d, true);
	if (!d->m.block_reason[0])
		fx_conn_resume(d);
	r = watch(d, d->listen_fd);
	if (r == 0)
		r = watch(d, d->signal_fd);
	if (r == 0)
		r = watch(d, d->rtnl_fd);
	if (r == 0 && d->monitor_fd >= 0)
		r = watch(d, d->monitor_fd);
	/* The tunnel's timer joined the loop when a resume opened it. */
	if (r < 0)
		return fx_log_errno(r, "cannot set up the event loop");
	log_info("listening on %s, state %s", cfg->socket_path, fx_state_name(d->m.state));
	return 0;
}

static void reap_children(struct fx_daemon *d)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		fx_conn_on_child_exit(d, pid, status);
}

static void on_signal(struct fx_daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->signal_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			reap_children(d);
			continue;
		}
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP: re-applying the policy");
			fx_daemon_enforce(d, true);
			continue;
		}
		/* The rules stay: only disconnect or reset open the machine. */
		log_info("signal %u: exiting, the firewall stays in place", si.ssi_signo);
		d->stopping = true;
	}
}

static bool same_addrs(const struct fx_link *a, const struct fx_link *b)
{
	if (a->n_addrs != b->n_addrs)
		return false;
	for (size_t i = 0; i < a->n_addrs; i++)
		if (!fx_prefix_equal(&a->addrs[i], &b->addrs[i]))
			return false;
	return true;
}

static void on_link_event(struct fx_daemon *d)
{
	struct fx_link before;
	bool changed = false;
	int r = fx_rtnl_read_events(d->rtnl_fd, d->m.guarding ? d->m.guard.tunnel : "", d->m.link.ifindex,
				    &changed);

	if (!d->m.guarding)
		return;
	if (r == -ENOBUFS)
		log_warn("link events were lost; asking the kernel again");
	if (!changed && r != -ENOBUFS)
		return;
	before = d->m.link;
	fx_daemon_refresh_link(d);
	/* New addresses change the rules even where the state stays. */
	fx_daemon_enforce(d, !same_addrs(&before, &d->m.link));
}

static void on_table_event(struct fx_daemon *d)
{
	bool touched = false;

	fx_nft_monitor_read(d->monitor_fd, fx_nft_portid(d->nft), &touched);
	if (!touched)
		return;
	log_warn("another process changed table inet fexyn; restoring it");
	fx_daemon_enforce(d, true);
}

static void dispatch(struct fx_daemon *d, const struct epoll_event *ev)
{
	int fd = ev->data.fd;
	struct fx_client *c;

	if (fd == d->listen_fd)
		fx_clients_accept(&d->clients, d->listen_fd);
	else if (fd == d->signal_fd)
		on_signal(d);
	else if (fd == d->rtnl_fd)
		on_link_event(d);
	else if (fd == d->monitor_fd)
		on_table_event(d);
	else if (fd == d->conn.timer_fd)
		fx_conn_on_timer(d);
	else if (fd == d->conn.probe_fd)
		fx_conn_on_probe_reply(d);
	else if ((c = fx_clients_find(&d->clients, fd)))
		fx_daemon_serve(d, c, ev->events);
}

/* Effects flow one way: an event moves the machine, the loop applies what
 * it wants, and only then are subscribers told, once. */
static void notify_subscribers(struct fx_daemon *d)
{
	if (!d->notify)
		return;
	d->notify = false;
	fx_daemon_send_event(d, NULL);
}

int fx_daemon_run(struct fx_daemon *d)
{
	struct epoll_event evs[16];

	while (!d->stopping) {
		/* No timer while idle: wake only for events, or to drop slow clients. */
		int n = epoll_wait(d->epfd, evs, 16, fx_clients_timing(&d->clients) ? 1000 : -1);

		if (n < 0 && errno != EINTR)
			return fx_log_errno(-errno, "epoll_wait");
		for (int i = 0; i < n; i++) {
			dispatch(d, &evs[i]);
			notify_subscribers(d);
		}
		fx_clients_expire(&d->clients, fx_now_ms());
	}
	return 0;
}

static void close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

void fx_daemon_done(struct fx_daemon *d)
{
	fx_clients_done(&d->clients);
	if (d->listen_fd >= 0)
		unlink(d->cfg.socket_path);
	close_fd(d->listen_fd);
	close_fd(d->signal_fd);
	close_fd(d->rtnl_fd);
	close_fd(d->monitor_fd);
	/* The tunnel stays as the rules do; a restarted daemon takes it over. */
	close_fd(d->conn.timer_fd);
	close_fd(d->conn.probe_fd);
	if (d->conn.cfgs) {
		for (size_t i = 0; i < d->conn.saved.n_configs; i++)
			fx_wgconf_wipe(&d->conn.cfgs[i]);
		free(d->conn.cfgs);
	}
	close_fd(d->epfd);
	fx_excl_done(&d->excl); /* the exclusions stay: the kernel keeps them */
	/* Closing the owner socket orphans the table; persist keeps it loaded. */
	fx_nft_close(d->nft);
}
