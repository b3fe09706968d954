/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fexyn connect: the tunnel's life in fexynd. Each attempt goes in the
 * order that never leaks: the firewall for the attempt's endpoint (one
 * transaction, which also takes away the previous endpoint's carve-out),
 * then the interface, keys and peers, addresses and MTU, the policy
 * routing, then the handshake. A timer watches the handshake and then the
 * receive counter; a tunnel that stops answering is left for the next
 * config in the list. Every failure leaves the firewall closed.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "context.h"
#include "daemon_apply.h"
#include "tunnel.h"
#include "tunnel_dev.h"
#include "conn_guard.h"
#include "standby.h"
#include "clock.h"
#include "dns.h"
#include "resolved.h"
#include "log.h"
#include "probe.h"
#include "state.h"
#include "wg_kernel.h"
#include "wg_uapi.h"

/* The handshake takes milliseconds when the server answers: look often at
 * first, then settle; once connected, probes are 1 s apart anyway. */
#define FAST_TICK_MS 10
#define FAST_FOR_MS 1000
#define TICK_MS 100
#define CONNECTED_TICK_MS 250
#define HANDSHAKE_TIMEOUT_MS 5000
#define PROBE_EVERY_MS 1000
/* Without a probe target, a session unrenewed for 180 s is dead
 * (WireGuard's REJECT_AFTER_TIME). */
#define DEAD_UNPROBED_MS 185000
#define RETRY_AFTER_MS 1000
#define DEFAULT_MTU 1420

void fx_conn_init(struct fx_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->probe_fd = c->timer_fd = -1;
}

static const struct fx_wg_config *current_cfg(const struct fx_daemon *d)
{
	return &d->conn.cfgs[d->conn.saved.current];
}

static void free_configs(struct fx_conn *c)
{
	if (!c->cfgs)
		return;
	for (size_t i = 0; i < c->saved.n_configs; i++)
		fx_wgconf_wipe(&c->cfgs[i]);
	free(c->cfgs);
	c->cfgs = NULL;
}

/* A config whose private routes the firewall cannot hold all of is refused:
 * the ones left out would leak to the LAN while the tunnel is down. */
static int check_fits_guard(const char *path, const struct fx_wg_config *cfg, struct fx_err *err)
{
	size_t n = 0;

	for (size_t p = 0; p < cfg->n_peers; p++)
		for (size_t i = 0; i < cfg->peers[p].n_allowed_ips; i++)
			n += fx_policy_route_cuts_lan(&cfg->peers[p].allowed_ips[i]);
	if (n > FX_MAX_TUNNEL_ROUTES)
		return fx_err_set(err, "%s: AllowedIPs: %zu private prefixes; fexyn keeps at most %d "
				       "off the LAN", path, n, FX_MAX_TUNNEL_ROUTES), -E2BIG;
	return 0;
}

/* Parses every config up front: a mistake in the third is reported before
 * anything changes, not when the first two have failed. */
static int load_configs(const struct fx_conn_saved *s, const struct fx_conn_texts *t,
			struct fx_wg_config **out, struct fx_err *err)
{
	struct fx_wg_config *cfgs;
	int r = 0;

	if (s->n_configs == 0)
		return fx_err_set(err, "no config");
	cfgs = calloc(s->n_configs, sizeof(*cfgs));
	if (!cfgs)
		return -ENOMEM;
	for (size_t i = 0; r == 0 && i < s->n_configs; i++) {
		r = fx_wgconf_parse(s->paths[i], t->text[i], t->len[i], &cfgs[i], err);
		if (r == 0)
			r = check_fits_guard(s->paths[i], &cfgs[i], err);
	}
	if (r < 0) {
		for (size_t i = 0; i < s->n_configs; i++)
			fx_wgconf_wipe(&cfgs[i]);
		free(cfgs);
		return r;
	}
	*out = cfgs;
	return 0;
}

static int resolve_host(const struct fx_wg_peer *p, struct fx_endpoint *ep, struct fx_err *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM };
	struct addrinfo *res = NULL;
	int r = getaddrinfo(p->endpoint_host, NULL, &hints, &res);

	if (r != 0 || !res)
		return fx_err_set(err, "Endpoint: cannot resolve '%.64s': %s", p->endpoint_host,
				  gai_strerror(r)), -EHOSTUNREACH;
	memset(ep, 0, sizeof(*ep));
	ep->addr.family = res->ai_family;
	if (res->ai_family == AF_INET)
		ep->addr.v4 = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
	else
		ep->addr.v6 = ((struct sockaddr_in6 *)res->ai_addr)->sin6_addr;
	ep->port = p->endpoint_port;
	ep->proto = IPPROTO_UDP;
	freeaddrinfo(res);
	return 0;
}

/* Host names are resolved once, before the first firewall transaction
 * (which blocks DNS), and the addresses kept in the persisted state. */
static int resolve_endpoints(struct fx_conn_saved *s, struct fx_wg_config *cfgs, struct fx_err *err)
{
	for (size_t c = 0; c < s->n_configs; c++) {
		for (size_t p = 0; p < cfgs[c].n_peers; p++) {
			struct fx_wg_peer *peer = &cfgs[c].peers[p];
			int r;

			if (!peer->has_endpoint)
				continue;
			if (s->has_resolved[c][p]) {
				peer->endpoint = s->resolved[c][p];
			} else if (!peer->endpoint_resolved) {
				r = resolve_host(peer, &peer->endpoint, err);
				if (r < 0)
					return fx_err_prefix(err, r, "%s:%u: ", s->paths[c], peer->line);
			}
			peer->endpoint_resolved = true;
			s->resolved[c][p] = peer->endpoint;
			s->has_resolved[c][p] = true;
		}
	}
	return 0;
}

static void endpoint_text(const struct fx_daemon *d, char *buf, size_t len)
{
	if (d->m.guard.n_endpoints)
		fx_endpoint_format(&d->m.guard.endpoints[0], buf, len);
	else
		snprintf(buf, len, "(none)");
}

static void set_error(struct fx_daemon *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct fx_daemon *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->conn.last_error, sizeof(d->conn.last_error), fmt, ap);
	va_end(ap);
	log_warn("%s", d->conn.last_error);
}

/* Out of the event loop first: a wireguard-go forked meanwhile may hold a
 * copy of the socket, which would keep it there after close. */
static void close_probe(struct fx_daemon *d)
{
	struct fx_conn *c = &d->conn;

	if (c->probe_fd < 0)
		return;
	if (d->epfd >= 0)
		epoll_ctl(d->epfd, EPOLL_CTL_DEL, c->probe_fd, NULL);
	close(c->probe_fd);
	c->probe_fd = -1;
}

/* Removes the attempt's routes, rules, interface and process: exactly what
 * was recorded as made, and only while it is still what fexynd made. */
static void tunnel_down(struct fx_daemon *d)
{
	struct fx_conn *c = &d->conn;
	int r = fx_route_plan_undo(&c->saved.plan);

	if (r < 0)
		log_warn("cannot remove a route or rule of %s: %s", c->saved.tun.ifname, strerror(-r));
	fx_dev_remove(&c->saved.tun);
	memset(&c->saved.plan, 0, sizeof(c->saved.plan));
	close_probe(d);
	c->tunnel_made = false;
	fx_machine_handshake(&d->m, false);
	fx_standby_remove(d, false);
}

static int open_probe(struct fx_daemon *d)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct fx_conn *c = &d->conn;
	int fd = fx_probe_open(c->probe.family, c->saved.tun.ifname);

	if (fd < 0)
		return fd;
	ev.data.fd = fd;
	if (d->epfd >= 0 && epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	c->probe_fd = fd;
	return 0;
}

/* Before the handshake the sequence numbers are the attempt's own; after
 * it, the liveness detector's. */
static void send_probe(struct fx_daemon *d, uint64_t now)
{
	struct fx_conn *c = &d->conn;
	uint16_t seq;
	int r;

	c->last_probe_ms = now;
	if (!c->have_probe)
		return;
	if (c->probe_fd < 0 && (r = open_probe(d)) < 0) {
		log_warn("cannot open a probe socket on %s: %s", c->saved.tun.ifname, strerror(-r));
		return;
	}
	seq = d->m.handshake ? fx_live_probe_sent(&c->live, now) : c->probe_seq++;
	r = fx_probe_send(c->probe_fd, &c->probe, seq);
	if (r < 0 && r != -EAGAIN)
		log_warn("probe through %s: %s", c->saved.tun.ifname, strerror(-r));
}

/* The routes and rules are recorded before they go in: a restarted
 * daemon or an offline reset undoes what was applied, not what the config
 * file says by then. */
static int route(struct fx_daemon *d, const struct fx_wg_config *cfg, struct fx_err *err)
{
	struct fx_conn *c = &d->conn;
	int r = fx_route_plan_build(cfg, fx_route_fwmark(cfg), &c->saved.plan);

	if (r < 0)
		return fx_err_set(err, "too many routes: %s", strerror(-r)), r;
	r = fx_conn_save(d);
	if (r < 0)
		return fx_err_set(err, "cannot record the routes in %s: %s", d->cfg.state_dir,
				  strerror(-r)), r;
	return fx_route_plan_apply(&c->saved.plan, c->saved.tun.ifname, err);
}

/* Interface, keys and peers, addresses and MTU, routing. */
static int tunnel_up(struct fx_daemon *d, const struct fx_wg_config *cfg, struct fx_err *err)
{
	struct fx_conn *c = &d->conn;
	const char *ifname = c->saved.tun.ifname;
	int r = fx_dev_make(d, &c->saved.tun, cfg, fx_route_fwmark(cfg), err);

	c->tunnel_made = r == 0 || c->saved.tun.link_index || c->saved.tun.wg_pid;

	if (r == 0 && fx_link_check_owned(ifname, c->saved.tun.link_index, c->saved.tun.link_kind) < 0) {
		fx_err_set(err, "%s is no longer the link fexynd made", ifname);
		r = -EPERM;
	}
	for (size_t i = 0; r == 0 && i < cfg->n_addresses; i++)
		r = fx_link_add_address(ifname, &cfg->addresses[i], err);
	if (r == 0)
		r = fx_link_setup(ifname, cfg->mtu ? cfg->mtu : DEFAULT_MTU, err);
	if (r == 0)
		r = route(d, cfg, err);
	return r;
}

/* Every ms milliseconds; 0 stops it. */
static int arm_timer(struct fx_conn *c, long ms)
{
	struct itimerspec its = { 0 };

	if (c->timer_fd < 0)
		return -EBADF;
	c->tick_ms = ms;
	its.it_interval.tv_sec = ms / 1000;
	its.it_interval.tv_nsec = ms % 1000 * 1000000L;
	its.it_value = its.it_interval;
	return timerfd_settime(c->timer_fd, 0, &its, NULL) < 0 ? -errno : 0;
}

static bool uses_resolved(const struct fx_daemon *d)
{
	if (d->cfg.dns_backend != FX_DNS_AUTO)
		return d->cfg.dns_backend == FX_DNS_RESOLVED;
	return fx_resolved_manages(d->cfg.resolv_conf);
}

/* Puts back whatever resolver change was made, by either route. */
static void restore_resolver(const struct fx_daemon *d)
{
	if (fx_dns_restore(d->cfg.state_dir) < 0 || fx_resolved_restore(d->cfg.state_dir) < 0)
		log_err("cannot restore the resolver configuration kept in %s", d->cfg.state_dir);
}

/* The resolver file, or systemd-resolved for the tunnel's link. */
static void point_resolver(struct fx_daemon *d, const struct fx_wg_config *cfg)
{
	int r;

	if (!uses_resolved(d)) {
		r = fx_dns_apply(d->cfg.resolv_conf, d->cfg.state_dir, cfg);
		if (r < 0)
			set_error(d, "cannot point %s at the tunnel's DNS: %s", d->cfg.resolv_conf,
				  strerror(-r));
		return;
	}
	r = fx_resolved_apply(d->cfg.resolvectl, d->cfg.state_dir, d->conn.saved.tun.ifname, cfg);
	if (r < 0)
		set_error(d, "cannot set the tunnel's DNS through %s: %s", d->cfg.resolvectl,
			  strerror(-r));
}

/*
 * One attempt with the current config. The new guard goes into the state
 * file before the firewall changes, and the firewall changes before the
 * tunnel exists: its packets meet the carve-out, everything else the wall.
 */
static void attempt_begin(struct fx_daemon *d)
{
	struct fx_conn *c = &d->conn;
	const struct fx_wg_config *cfg = current_cfg(d);
	struct fx_err err = { 0 };
	char ep[FX_ENDPOINT_STRLEN];
	struct fx_guard g;
	int r;

	fx_conn_guard_of(c->saved.tun.ifname, cfg, &g);
	c->attempt_ms = c->last_probe_ms = fx_now_ms();
	arm_timer(c, FAST_TICK_MS);
	c->have_probe = fx_probe_target(cfg, &c->probe) == 0;
	if (!c->have_probe)
		fx_conn_keepalive(&c->cfgs[c->saved.current]);
	if (fx_conn_save(d) < 0)
		log_err("cannot persist the attempt; a restarted fexynd may not remove it");
	if (fx_conn_guard_set(d, &g, false) < 0) {
		set_error(d, "cannot install the firewall for %s: %s", c->saved.paths[c->saved.current],
			  d->m.apply_error);
		return; /* blocked; the timer tries again */
	}
	/* Lookups meet the firewall until the tunnel is up; pointing the
	 * resolver at the tunnel's servers now means none goes elsewhere. */
	if (!uses_resolved(d))
		point_resolver(d, cfg);
	endpoint_text(d, ep, sizeof(ep));
	log_info("connecting %s to %s (%s)", c->saved.tun.ifname, ep, c->saved.paths[c->saved.current]);
	r = tunnel_up(d, cfg, &err);
	if (r < 0) {
		set_error(d, "%s: %s", c->saved.paths[c->saved.current], err.msg);
		tunnel_down(d);
		return;
	}
	fx_daemon_refresh_link(d);
	/* systemd-resolved sets DNS per link: the link exists only now. */
	if (uses_resolved(d))
		point_resolver(d, cfg);
	send_probe(d, c->attempt_ms);
}

/* Round robin: the next config, the firewall closed all along. */
static void next_config(struct fx_daemon *d)
{
	struct fx_conn *c = &d->conn;

	c->attempts++;
	tunnel_down(d);
	c->saved.current = (c->saved.current + 1) % c->saved.n_configs;
	attempt_begin(d);
}

static int open_timer(struct fx_daemon *d)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct fx_conn *c = &d->conn;

	if (c->timer_fd >= 0)
		return 0;
	c->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (c->timer_fd < 0)
		return -errno;
	ev.data.fd = c->timer_fd;
	if (d->epfd >= 0 && epoll_ctl(d->epfd, EPOLL_CTL_ADD, c->timer_fd, &ev) < 0)
		return -errno;
	return 0;
}

static void remember_src_valid_mark(struct fx_conn_saved *s)
{
	bool on = true;

	/* Only a value we changed is put back at disconnect. */
	if (fx_src_valid_mark_get(&on) == 0 && !on)
		s->restore_src_valid_mark = true;
}

static bool is_ours(const struct fx_tunnel_made *t, const char *ifname)
{
	return strcmp(t->ifname, ifname) == 0 &&
	       fx_link_check_owned(ifname, t->link_index, t->link_kind) != -EPERM;
}

/* A name another link has is refused before anything changes, unless it
 * is the tunnel this connect replaces. */
static int check_name(const struct fx_daemon *d, const char *ifname, struct fx_err *err)
{
	const struct fx_conn_saved *cur = &d->conn.saved;

	if (d->conn.active && (is_ours(&cur->tun, ifname) || (cur->has_standby && is_ours(&cur->standby, ifname))))
		return 0;
	return fx_dev_claim_name(ifname, err);
}

/* fexynd's own copies, for a restart; fewer configs than before leave no
 * stale copy (with its key) behind. */
static int keep_copies(const struct fx_daemon *d, const struct fx_conn_saved *s,
		       const struct fx_conn_texts *t, struct fx_err *err)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < s->n_configs; i++)
		r = fx_conn_config_save(d->cfg.state_dir, i, t->text[i], t->len[i]);
	if (r == 0)
		r = fx_conn_configs_remove(d->cfg.state_dir, s->n_configs);
	if (r < 0)
		fx_err_set(err, "cannot keep the configs in %s: %s", d->cfg.state_dir, strerror(-r));
	return r;
}

int fx_conn_start(struct fx_daemon *d, const struct fx_conn_saved *want,
		  const struct fx_conn_texts *texts, struct fx_err *err)
{
	struct fx_conn_saved s = *want;
	struct fx_wg_config *cfgs = NULL;
	int r = check_name(d, s.ifname, err);

	memset(&s.tun, 0, sizeof(s.tun));
	snprintf(s.tun.ifname, sizeof(s.tun.ifname), "%s", s.ifname);
	s.has_standby = false;

	if (r == 0)
		r = load_configs(&s, texts, &cfgs, err);

	/* The copies replace the running tunnel's only once nothing else can
	 * refuse the new configs. */
	if (r == 0 && ((r = resolve_endpoints(&s, cfgs, err)) < 0 ||
		       (r = keep_copies(d, &s, texts, err)) < 0))
		free_configs(&(struct fx_conn){ .cfgs = cfgs, .saved = s });
	if (r < 0)
		return r;
	if (d->conn.active) {
		s.restore_src_valid_mark = d->conn.saved.restore_src_valid_mark;
		tunnel_down(d);
		free_configs(&d->conn);
	} else {
		remember_src_valid_mark(&s);
	}
	r = open_timer(d);
	if (r < 0) {
		free_configs(&(struct fx_conn){ .cfgs = cfgs, .saved = s });
		return fx_err_set(err, "cannot create a timer: %s", strerror(-r)), r;
	}
	d->conn.saved = s;
	d->conn.cfgs = cfgs;
	d->conn.active = true;
	d->conn.attempts = 0;
	d->conn.last_error[0] = '\0';
	d->conn.switches = 0;
	d->conn.last_switch[0] = '\0';
	d->conn.dead_ms = d->conn.standby_retry_ms = 0;
	fx_machine_unguard(&d->m); /* a new connect starts as connecting */
	arm_timer(&d->conn, TICK_MS);
	attempt_begin(d);
	return 0;
}

/* What the state directory holds of a tunnel: its record and the configs. */
static void forget_tunnel(const struct fx_daemon *d)
{
	if (fx_conn_state_remove(d->cfg.state_dir) < 0 || fx_conn_configs_remove(d->cfg.state_dir, 0) < 0)
		log_err("cannot remove the tunnel's record and configs from %s", d->cfg.state_dir);
}

void fx_conn_stop(struct fx_daemon *d)
{
	struct fx_conn *c = &d->conn;

	if (!c->active) {
		/* A tunnel that could not resume left its record: it goes now. */
		forget_tunnel(d);
		return;
	}
	tunnel_down(d);
	restore_resolver(d);
	if (c->saved.restore_src_valid_mark)
		fx_src_valid_mark_set(false);
	arm_timer(c, 0);
	free_configs(c);
	c->active = false;
	c->last_error[0] = '\0';
	forget_tunnel(d);
	log_info("%s removed", c->saved.tun.ifname);
}

/* The configs as fexynd kept them: the client's files are never read again. */
static int load_copies(const struct fx_daemon *d, const struct fx_conn_saved *s,
		       struct fx_wg_config **cfgs, struct fx_err *err)
{
	struct fx_conn_texts t = { 0 };
	int r = 0;

	for (size_t i = 0; r == 0 && i < s->n_configs; i++) {
		r = fx_conn_config_load(d->cfg.state_dir, i, &t.text[i], &t.len[i]);
		if (r < 0)
			fx_err_set(err, "%s/config.%zu (the copy of %s): %s", d->cfg.state_dir, i,
				   s->paths[i], strerror(-r));
	}
	if (r == 0)
		r = load_configs(s, &t, cfgs, err);
	for (size_t i = 0; i < s->n_configs; i++) {
		if (t.text[i])
			fx_wipe(t.text[i], FX_WG_CONF_MAX_SIZE + 1);
		free(t.text[i]);
	}
	return r;
}

/*
 * After a restart: whatever the previous run left (a wireguard-go process,
 * the interface, routes) is removed and the current config tried afresh.
 * The guard loaded from its own file already holds the firewall closed.
 */
void fx_conn_resume(struct fx_daemon *d)
{
	struct fx_conn_saved s;
	struct fx_err err = { 0 };
	int r = fx_conn_state_load(d->cfg.state_dir, &s, &err);

	if (r == 0) {
		/* Nothing connected: a resolver change a crash left behind goes. */
		restore_resolver(d);
		return;
	}
	if (r > 0)
		r = load_copies(d, &s, &d->conn.cfgs, &err);
	if (r == 0)
		r = resolve_endpoints(&s, d->conn.cfgs, &err);
	if (r < 0) {
		free_configs(&d->conn);
		char why[FX_MACHINE_REASON_MAX];

		snprintf(why, sizeof(why), "cannot resume the tunnel: %s", err.msg);
		fx_machine_block(&d->m, why);
		log_err("%s; blocking until `fexyn disconnect`", why);
		/* What was made still goes: the record says exactly what. */
		if (s.n_configs) {
			d->conn.saved = s;
			tunnel_down(d);
		}
		return;
	}
	d->conn.saved = s;
	d->conn.active = true;
	tunnel_down(d); /* what the saved state says was made, and only that */
	if (open_timer(d) < 0 || arm_timer(&d->conn, TICK_MS) < 0)
		log_err("cannot create the tunnel timer: the tunnel will not be watched");
	log_info("resuming %s with %s", s.ifname, s.paths[s.current]);
	attempt_begin(d);
}

static void set_tick(struct fx_conn *c, long ms)
{
	if (c->tick_ms != ms)
		arm_timer(c, ms);
}

/* After a switch, the next server's death is judged with a longer round
 * for a minute: a path that flaps does not make fexyn flap with it. */
static void start_watching(struct fx_daemon *d, const struct fx_wg_status *st, uint64_t now)
{
	struct fx_conn *c = &d->conn;

	fx_live_init(&c->live, now, st->rx_bytes, st->tx_bytes);
	if (c->dead_ms && now - c->dead_ms < FX_LIVE_DAMP_MS)
		fx_live_damp(&c->live, c->dead_ms + FX_LIVE_DAMP_MS);
	c->last_rx_ms = now;
	c->rx_bytes = st->rx_bytes;
}

static void watch_handshake(struct fx_daemon *d, const struct fx_wg_status *st, uint64_t now)
{
	struct fx_conn *c = &d->conn;
	char ep[FX_ENDPOINT_STRLEN];

	endpoint_text(d, ep, sizeof(ep));
	if (st->handshake) {
		fx_machine_handshake(&d->m, true);
		start_watching(d, st, now);
		log_info("handshake with %s after %llu ms", ep,
			 (unsigned long long)(now - c->attempt_ms));
		arm_timer(c, CONNECTED_TICK_MS);
		fx_daemon_enforce(d, false);
		return;
	}
	if (now - c->attempt_ms > HANDSHAKE_TIMEOUT_MS) {
		set_error(d, "no handshake with %s within %d s (%s): wrong keys, or the server is unreachable",
			  ep, HANDSHAKE_TIMEOUT_MS / 1000, c->saved.paths[c->saved.current]);
		next_config(d);
		return;
	}
	if (now - c->last_probe_ms >= PROBE_EVERY_MS)
		send_probe(d, now);
	if (c->tick_ms == FAST_TICK_MS && now - c->attempt_ms >= FAST_FOR_MS)
		arm_timer(c, TICK_MS);
}

/*
 * The standby becomes the current tunnel: its addresses, the firewall for
 * it (one transaction, which also closes the dead server's hole), the
 * routes, the resolver; then the dead one goes. The two records swap first,
 * so that a fexynd killed half-way finds both written down and removes
 * both. Any failure returns with the firewall closed; the caller then
 * starts a cold attempt.
 */
static int switch_to_standby(struct fx_daemon *d, uint64_t now, struct fx_err *err)
{
	struct fx_conn *c = &d->conn;
	struct fx_tunnel_made dead = c->saved.tun;
	size_t dead_config = c->saved.current;
	const struct fx_wg_config *cfg = &c->cfgs[c->saved.standby_config];
	struct fx_wg_status st;
	struct fx_guard g;
	int r = 0;

	c->saved.tun = c->saved.standby;
	c->saved.current = c->saved.standby_config;
	c->saved.standby = dead;
	c->saved.standby_config = dead_config;
	c->standby_ready = false;
	close_probe(d);
	if (fx_conn_save(d) < 0)
		log_err("cannot record the switch; a restarted fexynd may not remove %s", dead.ifname);
	for (size_t i = 0; r == 0 && i < cfg->n_addresses; i++)
		r = fx_link_add_address(c->saved.tun.ifname, &cfg->addresses[i], err);
	if (r < 0)
		return r;
	fx_conn_guard_of(c->saved.tun.ifname, cfg, &g);
	if (fx_conn_guard_set(d, &g, true) < 0)
		return fx_err_set(err, "cannot install the firewall for %s: %s", c->saved.tun.ifname,
				  d->m.apply_error), -EIO;
	r = fx_route_plan_undo(&c->saved.plan);
	if (r < 0)
		log_warn("cannot remove a route or rule of %s: %s", dead.ifname, strerror(-r));
	r = route(d, cfg, err);
	if (r < 0)
		return r;
	point_resolver(d, cfg);
	fx_standby_remove(d, false); /* the dead one, now in the standby's place */
	c->have_probe = fx_probe_target(cfg, &c->probe) == 0;
	if (fx_dev_status(&c->saved.tun, &st) < 0)
		memset(&st, 0, sizeof(st));
	start_watching(d, &st, now);
	return 0;
}

/* Switches to the ready standby; c->last_switch says why. A failure falls
 * back to a cold attempt with the next config, the firewall closed. */
static void switch_over(struct fx_daemon *d, uint64_t now)
{
	struct fx_conn *c = &d->conn;
	struct fx_err err = { 0 };

	c->switches++;
	c->switched_at = time(NULL);
	d->notify = true;
	if (switch_to_standby(d, now, &err) < 0) {
		set_error(d, "cannot switch to the standby %s: %s", c->saved.tun.ifname, err.msg);
		next_config(d);
		return;
	}
	log_info("switched to %s in %llu ms, %s", c->saved.tun.ifname,
		 (unsigned long long)(fx_now_ms() - now), c->last_switch);
	set_tick(c, fx_live_tick_ms(&c->live, now));
}

/* The current tunnel is lost: to the standby when one is ready, else a
 * cold attempt with the next config. When its server failed, its config
 * stands by for nobody for a minute, and the next death is judged with
 * the longer round. */
static void tunnel_lost(struct fx_daemon *d, uint64_t now, const char *why, bool server_failed)
{
	struct fx_conn *c = &d->conn;

	set_error(d, "%s", why);
	if (server_failed) {
		c->dead_ms = now;
		c->dead_config = c->saved.current;
	}
	if (!fx_standby_ready(d)) {
		next_config(d);
		return;
	}
	c->attempts++;
	snprintf(c->last_switch, sizeof(c->last_switch), "from %s to %s: %s",
		 c->saved.paths[c->saved.current], c->saved.paths[c->saved.standby_config], why);
	switch_over(d, now);
}

/* fexyn connect --switch-back: the first config's server answers again. */
static void switch_back(struct fx_daemon *d, uint64_t now)
{
	struct fx_conn *c = &d->conn;

	snprintf(c->last_switch, sizeof(c->last_switch),
		 "from %s back to %s: its server answers again (--switch-back)",
		 c->saved.paths[c->saved.current], c->saved.paths[c->saved.standby_config]);
	switch_over(d, now);
}

static void server_dead(struct fx_daemon *d, uint64_t now, const char *how)
{
	char ep[FX_ENDPOINT_STRLEN], why[FX_ENDPOINT_STRLEN + 200];

	endpoint_text(d, ep, sizeof(ep));
	snprintf(why, sizeof(why), "%s stopped answering: %s", ep, how);
	tunnel_lost(d, now, why, true);
}

/* Without an address to probe, only WireGuard's own rekeying shows life. */
static void watch_unprobed(struct fx_daemon *d, const struct fx_wg_status *st, uint64_t now)
{
	struct fx_conn *c = &d->conn;
	char how[128];

	if (st->rx_bytes != c->rx_bytes) {
		c->rx_bytes = st->rx_bytes;
		c->last_rx_ms = now;
	}
	if (now - c->last_rx_ms > DEAD_UNPROBED_MS) {
		snprintf(how, sizeof(how), "nothing came back through the tunnel for %llu s",
			 (unsigned long long)(now - c->last_rx_ms) / 1000);
		server_dead(d, now, how);
	}
}

static void watch_traffic(struct fx_daemon *d, const struct fx_wg_status *st, uint64_t now)
{
	struct fx_conn *c = &d->conn;
	char how[160];

	if (!c->have_probe) {
		watch_unprobed(d, st, now);
		return;
	}
	fx_live_counters(&c->live, now, st->rx_bytes, st->tx_bytes);
	switch (fx_live_next(&c->live, now)) {
	case FX_LIVE_DEAD:
		snprintf(how, sizeof(how), "%u probes unanswered, nothing back for %llu ms",
			 c->live.silent, (unsigned long long)(now - c->live.life_ms));
		server_dead(d, now, how);
		return;
	case FX_LIVE_PROBE:
		send_probe(d, now);
		break;
	case FX_LIVE_WAIT:
		break;
	}
	set_tick(c, fx_live_tick_ms(&c->live, now));
}

/* Answers to the probes, as they arrive: their round trip is measured
 * from here, not from the next tick. */
void fx_conn_on_probe_reply(struct fx_daemon *d)
{
	struct fx_conn *c = &d->conn;
	uint16_t seq;
	int r;

	for (int i = 0; i < 64; i++) {
		r = fx_probe_recv(c->probe_fd, &c->probe, &seq);
		if (r < 0)
			return;
		if (r > 0 && d->m.handshake)
			fx_live_answer(&c->live, fx_now_ms(), seq);
	}
}

void fx_conn_on_timer(struct fx_daemon *d)
{
	struct fx_conn *c = &d->conn;
	struct fx_wg_status st;
	uint64_t expirations, now = fx_now_ms();

	if (read(c->timer_fd, &expirations, sizeof(expirations)) < 0 || !c->active)
		return;
	if (!c->tunnel_made) {
		if (now - c->attempt_ms >= RETRY_AFTER_MS)
			next_config(d);
		return;
	}
	/* The timer may run before the link event that tells of a new link. */
	if (!d->m.link.present)
		fx_daemon_refresh_link(d);
	if (!d->m.link.present) {
		char why[IFNAMSIZ + 16];

		snprintf(why, sizeof(why), "%s vanished", c->saved.tun.ifname);
		tunnel_lost(d, now, why, false);
		return;
	}
	if (fx_dev_status(&c->saved.tun, &st) < 0)
		memset(&st, 0, sizeof(st)); /* no answer: counts as no traffic */
	if (!d->m.handshake) {
		watch_handshake(d, &st, now);
		return;
	}
	watch_traffic(d, &st, now);
	if (c->active && d->m.handshake && fx_standby_tick(d, now))
		switch_back(d, now);
}

void fx_conn_on_child_exit(struct fx_daemon *d, pid_t pid, int status)
{
	if (d->conn.active && d->conn.saved.has_standby && pid == d->conn.saved.standby.wg_pid)
		fx_standby_on_child_exit(d, pid);
	if (!d->conn.active || pid != d->conn.saved.tun.wg_pid)
		return;
	d->conn.saved.tun.wg_pid = 0;
	set_error(d, "wireguard-go for %s exited (status %d)", d->conn.saved.tun.ifname,
		  WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}
