/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * fexynd's one context: the event loop and everything it owns. Events
 * (client requests, link changes, table tampering, signals) move the state;
 * fx_daemon_enforce() compiles the policy for the new state and applies it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "clients.h"
#include "conn_state.h"
#include "guard.h"
#include "ipc.h"
#include "nft.h"
#include "policy.h"
#include "route.h"
#include "rtnl.h"
#include "wg.h"

struct fx_daemon_config {
	const char *socket_path;
	const char *state_dir;
	enum fx_protection protection; /* the strongest to use; tests ask for weaker */
	const char *wireguard_go; /* the userspace backend's program */
	const char *resolv_conf;  /* the resolver file fexyn points at the tunnel */
	const char *resolvectl;   /* systemd-resolved's client program */
	const char *nft;          /* nft(8) by absolute path, for `fexyn rules` */
	enum fx_dns_backend { FX_DNS_AUTO, FX_DNS_FILE, FX_DNS_RESOLVED } dns_backend;
};

/* A tunnel fexyn connect brings up and watches (tunnel.c). */
struct fx_conn {
	bool active;
	struct fx_conn_saved saved;   /* persisted: configs, current, resolved endpoints, the
				       * link, routes and rules made for the current attempt */
	struct fx_wg_config *cfgs;    /* saved.n_configs parsed configs; wiped when done */
	bool tunnel_made;             /* the current attempt's link exists */
	bool handshake;               /* the current attempt has completed one */
	bool have_probe;
	struct fx_addr probe;
	int probe_fd, timer_fd;
	long tick_ms;                 /* the timer's period now */
	uint16_t probe_seq;
	uint64_t attempt_ms, last_rx_ms, last_probe_ms;
	uint64_t rx_bytes;
	unsigned attempts;            /* attempts that failed, since connect */
	char last_error[640];
};

struct fx_daemon {
	struct fx_daemon_config cfg;
	int epfd, listen_fd, signal_fd, rtnl_fd, monitor_fd;
	struct fx_nft *nft;
	struct fx_settings settings;

	bool guarding;
	struct fx_guard guard;
	struct fx_link link;
	bool ever_connected;

	enum fx_state state;
	time_t since;
	char block_reason[640]; /* sticky: only disconnect, reset or a new guard clear it */
	char apply_error[640];  /* the last failed transaction; retried on the next event */
	bool state_file_corrupt;
	char settings_error[640]; /* a damaged settings file: blocked until rewritten */

	struct fx_conn conn;

	bool stopping;
	struct fx_clients clients;
};

int fx_daemon_init(struct fx_daemon *d, const struct fx_daemon_config *cfg);
int fx_daemon_run(struct fx_daemon *d);
void fx_daemon_done(struct fx_daemon *d);

/* Moves to the state the inputs call for and makes the firewall match. With
 * force, re-applies even when the state is unchanged (tampering, new guard). */
int fx_daemon_enforce(struct fx_daemon *d, bool force);
/* What the policy compiler is given for state: the settings, the guard and
 * the addresses the guarded link holds. */
void fx_daemon_policy_input(const struct fx_daemon *d, enum fx_state state,
			    struct fx_policy_input *in);
int fx_daemon_refresh_link(struct fx_daemon *d);

/* fexyn connect (tunnel.c): parses and resolves every config, keeps a copy
 * of each, then makes the first attempt, the firewall first. Returns 0 or a
 * negative errno with err set, in which case nothing changed. */
int fx_conn_start(struct fx_daemon *d, const struct fx_conn_saved *want,
		  const struct fx_conn_texts *texts, struct fx_err *err);
/* Undoes what connect set up: routes, rules, the interface, the process. */
void fx_conn_stop(struct fx_daemon *d);
/* Resumes a tunnel from the persisted state after a restart. */
void fx_conn_resume(struct fx_daemon *d);
void fx_conn_on_timer(struct fx_daemon *d);
void fx_conn_on_child_exit(struct fx_daemon *d, pid_t pid, int status);
void fx_conn_init(struct fx_conn *c);

/* Serves client c on the epoll events its socket reported: reads its
 * request, answers it, sends what is pending (daemon_cmd.c). */
void fx_daemon_serve(struct fx_daemon *d, struct fx_client *c, uint32_t events);
/* Answers one request line from client c, with the descriptors it brought. */
void fx_daemon_handle_request(struct fx_daemon *d, struct fx_client *c, const char *line, size_t len);
/* Queues for fexyn events subscribers (only one, unless NULL) a line about
 * the current state. */
void fx_daemon_send_event(struct fx_daemon *d, struct fx_client *only);
/* Writes the status as key=value lines (daemon_cmd.c). */
struct fx_reply;
void fx_daemon_status_lines(struct fx_daemon *d, struct fx_reply *reply);
