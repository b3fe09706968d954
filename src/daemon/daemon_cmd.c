/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's answers to control requests, one function per verb. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "context.h"
#include "exclusions.h"
#include "daemon_apply.h"
#include "daemon_cmd.h"
#include "tunnel.h"
#include "log.h"
#include "nft_batch.h"
#include "nft_show.h"
#include "reply.h"
#include "settings.h"
#include "state.h"

static int refuse_args(const struct fx_request *req, struct fx_reply *reply)
{
	if (req->n_args == 0)
		return 0;
	fx_reply_error(reply, "%s: unexpected argument '%.40s'", req->verb, req->args[0].key);
	return -EINVAL;
}

static const char *table_owner_text(const struct fx_table_info *ti)
{
	if (!ti->present)
		return "none";
	if (ti->owned_by_us)
		return "fexynd";
	if (ti->flags & FX_TABLE_F_OWNER)
		return "other";
	return (ti->flags & FX_TABLE_F_PERSIST) ? "orphaned" : "none";
}

static void status_prefixes(struct fx_reply *reply, const char *key, const struct fx_prefix *v,
			    size_t n)
{
	char text[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < n; i++) {
		fx_addr_format(&v[i].addr, text, sizeof(text));
		fx_reply_line(reply, "%s=%s/%u", key, text, v[i].len);
	}
}

static void status_guard(const struct fx_daemon *d, struct fx_reply *reply)
{
	char text[FX_ENDPOINT_STRLEN];

	fx_reply_line(reply, "tunnel=%s", d->m.guard.tunnel);
	fx_reply_line(reply, "tunnel_link=%s",
		      d->m.link.up ? "up" : d->m.link.present ? "down" : "absent");
	for (size_t i = 0; i < d->m.guard.n_endpoints; i++) {
		fx_endpoint_format(&d->m.guard.endpoints[i], text, sizeof(text));
		fx_reply_line(reply, "endpoint=%s", text);
	}
	if (d->m.guard.fwmark)
		fx_reply_line(reply, "fwmark=%u", d->m.guard.fwmark);
	for (size_t i = 0; i < d->m.guard.n_resolvers; i++) {
		fx_addr_format(&d->m.guard.resolvers[i], text, sizeof(text));
		fx_reply_line(reply, "dns=%s", text);
	}
	status_prefixes(reply, "address", d->m.guard.addresses, d->m.guard.n_addresses);
	status_prefixes(reply, "link_address", d->m.link.addrs, d->m.link.n_addrs);
	status_prefixes(reply, "route", d->m.guard.routes, d->m.guard.n_routes);
}

/* The hot standby, and the last switch to one. */
static void status_standby(const struct fx_conn *c, struct fx_reply *reply)
{
	const struct fx_conn_saved *s = &c->saved;
	char ep[FX_ENDPOINT_STRLEN];

	if (s->has_standby) {
		fx_reply_line(reply, "standby=%s", s->paths[s->standby_config]);
		fx_reply_line(reply, "standby_interface=%s", s->standby.ifname);
		for (size_t p = 0; p < FX_WG_MAX_PEERS; p++) {
			if (!s->has_resolved[s->standby_config][p])
				continue;
			fx_endpoint_format(&s->resolved[s->standby_config][p], ep, sizeof(ep));
			fx_reply_line(reply, "standby_endpoint=%s", ep);
			break;
		}
	}
	fx_reply_line(reply, "standby_state=%s", !s->has_standby ? "none"
						 : c->standby_ready ? "ready" : "handshaking");
	fx_reply_line(reply, "switch_back=%s", s->switch_back ? "yes" : "no");
	fx_reply_line(reply, "switches=%u", c->switches);
	if (c->last_switch[0]) {
		fx_reply_line(reply, "last_switch=%s", c->last_switch);
		fx_reply_line(reply, "switched_at=%lld", (long long)c->switched_at);
	}
}

static void status_conn(const struct fx_daemon *d, struct fx_reply *reply)
{
	const struct fx_conn *c = &d->conn;

	fx_reply_line(reply, "mode=%s", c->active ? "connect" : "guard");
	if (!c->active)
		return;
	fx_reply_line(reply, "config=%s", c->saved.paths[c->saved.current]);
	fx_reply_line(reply, "configs=%zu", c->saved.n_configs);
	fx_reply_line(reply, "backend=%s", c->saved.tun.wg_pid ? "userspace"
					   : strcmp(c->saved.tun.link_kind, "wireguard") == 0 ? "kernel"
					   : fx_backend_name(c->saved.backend));
	fx_reply_line(reply, "handshake=%s", d->m.handshake ? "yes" : "no");
	status_standby(c, reply);
	fx_reply_line(reply, "attempts=%u", c->attempts);
	if (c->last_error[0])
		fx_reply_line(reply, "last_error=%s", c->last_error);
}

/* The table's presence and owner come from the kernel, not from memory. */
void fx_daemon_status_lines(struct fx_daemon *d, struct fx_reply *reply)
{
	const char *why = fx_machine_reason(&d->m);
	struct fx_table_info ti;
	int r = fx_nft_table_info(d->nft, &ti);

	fx_reply_line(reply, "state=%s", fx_state_name(d->m.state));
	fx_reply_line(reply, "since=%lld", (long long)d->m.since);
	if (why)
		fx_reply_line(reply, "reason=%s", why);
	if (d->m.guarding) {
		status_conn(d, reply);
		status_guard(d, reply);
	}
	fx_reply_line(reply, "lockdown=%s", d->m.settings.lockdown ? "on" : "off");
	fx_reply_line(reply, "killswitch=%s", d->m.settings.killswitch ? "on" : "off");
	fx_reply_line(reply, "lan=%s", d->m.settings.allow_lan ? "allow" : "block");
	fx_reply_line(reply, "excluded=%zu", d->excl.n);
	if (r < 0) {
		fx_reply_line(reply, "table=unknown (%s)", strerror(-r));
	} else {
		fx_reply_line(reply, "table=%s", ti.present ? "loaded" : "absent");
		fx_reply_line(reply, "table_owner=%s", table_owner_text(&ti));
		if (fx_nft_protection(d->nft) == FX_PROTECTION_OWNED_UNOWNED)
			fx_reply_line(reply, "owned_table=%s", ti.owned_copy ? "loaded" : "absent");
	}
	fx_reply_line(reply, "protection=%s", fx_protection_name(fx_nft_protection(d->nft)));
	fx_reply_line(reply, "arp_filter=%s", fx_nft_filters_arp(d->nft) ? "on" : "unavailable");
	fx_reply_line(reply, "daemon_pid=%d", (int)getpid());
}

static void cmd_status(struct fx_daemon *d, const struct fx_request *req, struct fx_reply *reply)
{
	if (refuse_args(req, reply) == 0)
		fx_daemon_status_lines(d, reply);
}

static int parse_guard(const struct fx_request *req, struct fx_guard *g, struct fx_reply *reply)
{
	struct fx_err err = { 0 };
	int r;

	memset(g, 0, sizeof(*g));
	for (size_t i = 0; i < req->n_args; i++) {
		r = fx_guard_set(g, req->args[i].key, req->args[i].value, &err);
		if (r < 0) {
			fx_reply_error(reply, "guard: %s", err.msg);
			return r;
		}
	}
	r = fx_guard_check(g, &err);
	if (r < 0)
		fx_reply_error(reply, "guard: %s", err.msg);
	return r;
}

/* Keeps a corrupt state file as evidence, out of the way of the next start. */
static int set_aside_state(struct fx_daemon *d)
{
	int r;

	if (!d->state_file_corrupt)
		return fx_state_remove(d->cfg.state_dir);
	r = fx_file_set_aside(d->cfg.state_dir, FX_STATE_FILE);
	if (r == 0)
		d->state_file_corrupt = false;
	return r;
}

/*
 * The state file is written before the firewall changes: if we die in
 * between, the restarted daemon installs what was asked, never less.
 */
static void cmd_guard(struct fx_daemon *d, const struct fx_request *req, struct fx_reply *reply)
{
	struct fx_guard g;
	int r = parse_guard(req, &g, reply);

	if (r < 0)
		return;
	r = d->state_file_corrupt ? set_aside_state(d) : 0;
	if (r == 0)
		r = fx_state_save(d->cfg.state_dir, &g);
	if (r == 0 && d->conn.active) {
		fx_conn_stop(d); /* guarding another tunnel: ours goes */
		fx_machine_unguard(&d->m);
	}
	if (r < 0) {
		fx_reply_error(reply, "cannot save state in %s: %s; nothing changed", d->cfg.state_dir,
			       strerror(-r));
		return;
	}
	fx_machine_guard(&d->m, &g, false);
	fx_daemon_refresh_link(d);
	log_info("guarding %s", g.tunnel);
	r = fx_daemon_enforce(d, true);
	if (r < 0) {
		fx_reply_error(reply, "cannot install the firewall (%s); the machine is blocked",
			       d->m.apply_error);
		return;
	}
	fx_daemon_status_lines(d, reply);
}

static void open_up(struct fx_daemon *d, struct fx_reply *reply, const char *verb)
{
	int r;

	/* The tunnel goes first, the firewall last: nothing is ever open
	 * while a half-removed tunnel's routes still point somewhere. */
	fx_conn_stop(d);
	r = set_aside_state(d);

	if (r < 0) {
		fx_reply_error(reply, "%s: cannot remove the saved state: %s; still blocking", verb,
			       strerror(-r));
		return;
	}
	fx_machine_unguard(&d->m);
	log_info("%s requested", verb);
	if (fx_daemon_enforce(d, true) < 0) {
		fx_reply_error(reply, "%s: cannot remove the firewall: %s", verb, d->m.apply_error);
		return;
	}
	fx_daemon_status_lines(d, reply);
}

static int parse_connect(const struct fx_request *req, struct fx_conn_saved *s, struct fx_reply *reply)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->ifname, sizeof(s->ifname), "fexyn0");
	for (size_t i = 0; i < req->n_args; i++) {
		const char *k = req->args[i].key, *v = req->args[i].value;
		struct fx_err err = { 0 };

		if (strcmp(k, "config") == 0) {
			if (s->n_configs == FX_MAX_CONFIGS) {
				fx_reply_error(reply, "connect: more than %d configs", FX_MAX_CONFIGS);
				return -E2BIG;
			}
			if (fx_ipc_decode(v, s->paths[s->n_configs], FX_CONF_PATH_MAX) < 0) {
				fx_reply_error(reply, "connect: config: '%.64s' is not a config's name", v);
				return -EINVAL;
			}
			s->n_configs++;
		} else if (strcmp(k, "interface") == 0) {
			if (fx_ifname_check(v, &err) < 0) {
				fx_reply_error(reply, "connect: interface: %s", err.msg);
				return -EINVAL;
			}
			snprintf(s->ifname, sizeof(s->ifname), "%s", v);
		} else if (strcmp(k, "standby") == 0 || strcmp(k, "switch_back") == 0) {
			if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0) {
				fx_reply_error(reply, "connect: %s: '%.32s' is not yes or no", k, v);
				return -EINVAL;
			}
			if (strcmp(k, "standby") == 0)
				s->no_standby = strcmp(v, "no") == 0;
			else
				s->switch_back = strcmp(v, "yes") == 0;
		} else if (strcmp(k, "backend") == 0) {
			if (fx_backend_parse(v, &s->backend) < 0) {
				fx_reply_error(reply, "connect: backend: '%.32s' is not auto, kernel or userspace", v);
				return -EINVAL;
			}
		} else {
			fx_reply_error(reply, "connect: unknown key '%.40s'", k);
			return -EINVAL;
		}
	}
	if (s->n_configs == 0) {
		fx_reply_error(reply, "connect: no config given");
		return -EINVAL;
	}
	/* fexynd opens no file for a client: each config comes open, read
	 * with the client's own rights. A bare path is refused. */
	if (req->n_fds != s->n_configs) {
		fx_reply_error(reply, "connect: %zu config%s named but %zu open file%s passed: fexynd "
				      "opens no file for a client (fexyn connect passes them)",
			       s->n_configs, s->n_configs == 1 ? "" : "s", req->n_fds,
			       req->n_fds == 1 ? "" : "s");
		return -EBADF;
	}
	return 0;
}

/* Each passed file: a regular file of sane size, read from its start. */
static int read_passed(const struct fx_request *req, const struct fx_conn_saved *s,
		       struct fx_conn_texts *t, struct fx_reply *reply)
{
	struct fx_err err = { 0 };
	int r = 0;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; r == 0 && i < s->n_configs; i++)
		r = fx_wgconf_read_fd(req->fds[i], s->paths[i], &t->text[i], &t->len[i], &err);
	if (r < 0)
		fx_reply_error(reply, "%s; nothing changed", err.msg);
	return r;
}

static void wipe_texts(struct fx_conn_texts *t)
{
	for (size_t i = 0; i < FX_MAX_CONFIGS; i++) {
		if (t->text[i])
			fx_wipe(t->text[i], FX_WG_CONF_MAX_SIZE + 1);
		free(t->text[i]);
		t->text[i] = NULL;
	}
}

static void connect_with(struct fx_daemon *d, const struct fx_conn_saved *want,
			 const struct fx_conn_texts *texts, struct fx_reply *reply)
{
	struct fx_err err = { 0 };
	int r = 0;

	if (d->state_file_corrupt && (r = set_aside_state(d)) < 0) {
		fx_reply_error(reply, "cannot set the damaged state aside: %s; nothing changed",
			       strerror(-r));
		return;
	}
	/* A guarded foreign tunnel is replaced by ours when the attempt begins
	 * (fx_conn_start sets the new guard); until then, and if the configs
	 * are refused, its guard stays: dropping it here left the firewall
	 * up, but the next event took it down. */
	r = fx_conn_start(d, want, texts, &err);
	if (r < 0) {
		fx_reply_error(reply, "%s; nothing changed", err.msg);
		return;
	}
	fx_daemon_status_lines(d, reply);
}

/* Every config is read and checked before anything changes. */
static void cmd_connect(struct fx_daemon *d, const struct fx_request *req, struct fx_reply *reply)
{
	struct fx_conn_saved s;
	struct fx_conn_texts texts;
	int r = parse_connect(req, &s, reply);

	if (r < 0)
		return;
	r = read_passed(req, &s, &texts, reply);
	if (r == 0)
		connect_with(d, &s, &texts, reply);
	wipe_texts(&texts);
}


/* Writes new settings; a damaged file is kept aside first, never overwritten. */
static int store_settings(struct fx_daemon *d, const struct fx_settings *want, struct fx_reply *reply)
{
	int r = d->m.settings_error[0] ? fx_file_set_aside(d->cfg.state_dir, FX_SETTINGS_FILE) : 0;

	if (r == 0)
		r = fx_settings_save(d->cfg.state_dir, want);
	if (r < 0) {
		fx_reply_error(reply, "cannot save the settings in %s: %s; nothing changed",
			       d->cfg.state_dir, strerror(-r));
		return r;
	}
	fx_machine_settings(&d->m, want, NULL);
	return 0;
}

/* set lockdown=on|off killswitch=on|off lan=allow|block */
static void cmd_set(struct fx_daemon *d, const struct fx_request *req, struct fx_reply *reply)
{
	struct fx_settings want = d->m.settings;
	struct fx_err err = { 0 };

	if (req->n_args == 0) {
		fx_reply_error(reply, "set: nothing to set");
		return;
	}
	for (size_t i = 0; i < req->n_args; i++) {
		if (fx_settings_set(&want, req->args[i].key, req->args[i].value, &err) < 0) {
			fx_reply_error(reply, "%s", err.msg);
			return;
		}
	}
	if (want.lockdown && !want.killswitch) {
		fx_reply_error(reply, d->m.settings.lockdown ? "lockdown is on: turn it off before the kill switch"
							   : "the kill switch is off: turn it on before lockdown");
		return;
	}
	if (store_settings(d, &want, reply) < 0)
		return;
	log_info("settings: lockdown %s, kill switch %s, LAN %s", want.lockdown ? "on" : "off",
		 want.killswitch ? "on" : "off", want.allow_lan ? "allowed" : "blocked");
	if (fx_daemon_enforce(d, true) < 0) {
		fx_reply_error(reply, "cannot apply the settings (%s); the machine is blocked", d->m.apply_error);
		return;
	}
	d->notify = true; /* the settings are part of every event */
	fx_daemon_status_lines(d, reply);
}

/* Ends the exclusions first (reset; disconnect when asked): a failure
 * leaves everything as it was, still guarded. */
static int clear_exclusions(struct fx_daemon *d, struct fx_reply *reply, const char *verb)
{
	struct fx_err err = { 0 };

	if (fx_excl_clear(d, &err) == 0)
		return 0;
	fx_reply_error(reply, "%s: cannot end the exclusions: %s", verb, err.msg);
	return -EIO;
}

/* Exclusions stay by default: a program the user took out of the tunnel
 * keeps its real connection, as it would have without fexyn. */
static void cmd_disconnect(struct fx_daemon *d, const struct fx_request *req, struct fx_reply *reply)
{
	bool clear = false;

	for (size_t i = 0; i < req->n_args; i++) {
		const char *k = req->args[i].key, *v = req->args[i].value;

		if (strcmp(k, "exclusions") != 0 || (strcmp(v, "keep") != 0 && strcmp(v, "clear") != 0)) {
			fx_reply_error(reply, "disconnect: unexpected argument '%.40s' (exclusions=keep|clear)", k);
			return;
		}
		clear = strcmp(v, "clear") == 0;
	}
	if (!clear || clear_exclusions(d, reply, "disconnect") == 0)
		open_up(d, reply, "disconnect");
}

/* The way out that always works: lockdown goes off too, else the machine
 * would block again at once. */
static void cmd_reset(struct fx_daemon *d, const struct fx_request *req, struct fx_reply *reply)
{
	struct fx_settings want = d->m.settings;

	if (refuse_args(req, reply) < 0)
		return;
	want.lockdown = false;
	if (d->m.settings_error[0])
		fx_settings_default(&want);
	if (clear_exclusions(d, reply, "reset") == 0 && store_settings(d, &want, reply) == 0)
		open_up(d, reply, "reset");
}

static void cmd_rules(struct fx_daemon *d, const struct fx_request *req, struct fx_reply *reply)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	if (refuse_args(req, reply) < 0)
		return;
	r = fx_nft_show(d->cfg.nft, FX_NFT_SHOW_TIMEOUT_MS, &text, &len);
	if (r == -ENOENT)
		fx_reply_error(reply, "no fexyn table is loaded (state %s)", fx_state_name(d->m.state));
	else if (r == -ENOPKG)
		fx_reply_error(reply, "cannot show the rules: cannot run %s (is nft(8) installed?)",
			       d->cfg.nft);
	else if (r == -ETIMEDOUT)
		fx_reply_error(reply, "cannot show the rules: %s did not finish within %d ms", d->cfg.nft,
			       FX_NFT_SHOW_TIMEOUT_MS);
	else if (r == -EIO)
		fx_reply_error(reply, "cannot show the rules: %s failed", d->cfg.nft);
	else if (r < 0)
		fx_reply_error(reply, "cannot show the rules: %s", strerror(-r));
	else
		fx_reply_text(reply, text, len);
	free(text);
}

/* fexyn events: the current state now, then a line per change; the
 * connection stays open (see subscribe). */
static void cmd_events(struct fx_daemon *d, const struct fx_request *req, struct fx_reply *reply)
{
	(void)d;
	refuse_args(req, reply);
}

/* One line per state change, tab-separated; a subscriber too slow to take
 * it is dropped rather than allowed to stall the daemon (clients.c). */
void fx_daemon_send_event(struct fx_daemon *d, struct fx_client *only)
{
	struct fx_reply line;
	const size_t ok = 3; /* the reply's "ok\n", not part of an event */
	char *flat;

	if (!only && !fx_clients_subscribers(&d->clients))
		return; /* the status asks the kernel: not for nobody */
	fx_reply_init(&line);
	fx_daemon_status_lines(d, &line);
	if (line.failed || line.len <= ok)
		goto out;
	for (flat = line.buf + ok; (flat = strchr(flat, '\n'));)
		*flat = '\t'; /* one line per event; values may hold spaces */
	line.buf[line.len - 1] = '\n';
	fx_clients_send_event(&d->clients, only, line.buf + ok, line.len - ok);
out:
	fx_reply_free(&line);
}

static const struct {
	const char *name;
	void (*fn)(struct fx_daemon *d, const struct fx_request *req, struct fx_reply *reply);
	bool changes; /* needs root or group fexyn */
	bool fds;     /* takes file descriptors with the request */
} verbs[] = {
	{ "guard", cmd_guard, true, false },
	{ "connect", cmd_connect, true, true },
	{ "status", cmd_status, false, false },
	{ "rules", cmd_rules, false, false },
	{ "events", cmd_events, false, false },
	{ "set", cmd_set, true, false },
	{ "disconnect", cmd_disconnect, true, false },
	{ "reset", cmd_reset, true, false },
	{ "exclude-add", fx_cmd_exclude_add, true, true },
	{ "exclude-remove", fx_cmd_exclude_remove, true, true },
	{ "exclude-clear", fx_cmd_exclude_clear, true, false },
	{ "exclude-list", fx_cmd_exclude_list, false, false },
};

/* A subscriber stays connected and is sent every event: each user gets a
 * few (clients.c's admission). */
static void subscribe(struct fx_daemon *d, struct fx_client *c, struct fx_reply *reply)
{
	struct fx_client_counts n;
	enum fx_admit a;

	fx_clients_count(&d->clients, c->uid, &n);
	a = fx_admit_subscriber(&n, c->uid, c->privileged);
	if (a != FX_ADMIT_OK) {
		fx_reply_error(reply, "events: %s", fx_admit_message(a));
		return;
	}
	c->subscribed = true;
}

static void dispatch(struct fx_daemon *d, struct fx_client *c, const struct fx_request *req,
		     struct fx_reply *reply)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(req->verb, verbs[i].name) != 0)
			continue;
		if (verbs[i].changes && !c->privileged) {
			fx_reply_error(reply, "%s: permission denied: changing fexyn needs root or "
					      "membership in group fexyn (status and events are open to all)",
				       req->verb);
			log_warn("refused '%s' from uid %u", req->verb, (unsigned)c->uid);
			return;
		}
		if (req->n_fds && !verbs[i].fds) {
			fx_reply_error(reply, "%s: unexpected file descriptors", req->verb);
			return;
		}
		verbs[i].fn(d, req, reply);
		if (verbs[i].fn == cmd_events && !reply->failed && reply->len == 3) /* just "ok" */
			subscribe(d, c, reply);
		return;
	}
	fx_reply_error(reply, "unknown command '%.32s'", req->verb);
}

void fx_daemon_handle_request(struct fx_daemon *d, struct fx_client *c, const char *line, size_t len)
{
	struct fx_request *req = malloc(sizeof(*req));
	struct fx_reply reply;
	struct fx_err err = { 0 };
	const char *data;
	size_t n;

	fx_reply_init(&reply);
	if (!req) {
		fx_reply_error(&reply, "out of memory");
	} else if (fx_request_parse(line, len, req, &err) < 0) {
		fx_reply_error(&reply, "bad request: %s", err.msg);
		log_warn("refused a bad request: %s", err.msg);
	} else if (c->fds_refused) {
		fx_reply_error(&reply, "%s: more file descriptors than a request may carry (%d)",
			       req->verb, FX_IPC_MAX_FDS);
	} else {
		req->fds = c->fds;
		req->n_fds = c->n_fds;
		req->uid = c->uid;
		req->privileged = c->privileged;
		dispatch(d, c, req, &reply);
	}
	fx_reply_bytes(&reply, &data, &n);
	/* "ok", then for a subscriber the first event line: the state as it is now. */
	if (fx_clients_answer(&d->clients, c, data, n) == 0 && c->subscribed)
		fx_daemon_send_event(d, c);
	fx_reply_free(&reply);
	free(req);
}

void fx_daemon_serve(struct fx_daemon *d, struct fx_client *c, uint32_t events)
{
	size_t len;

	if ((events & EPOLLOUT) && fx_clients_flush(&d->clients, c) < 0)
		return;
	/* Input first: a request may arrive with the hang-up that ends it. */
	if (events & EPOLLIN) {
		if (fx_clients_read(&d->clients, c, &len) > 0)
			fx_daemon_handle_request(d, c, c->in, len);
	} else if (events & (EPOLLHUP | EPOLLERR)) {
		fx_clients_drop(&d->clients, c);
	}
}
