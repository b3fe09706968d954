/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * fexynd's one context: everything the event loop (daemon.c) owns. Events
 * (client requests, link changes, table tampering, signals) move the state
 * machine; fx_daemon_enforce() (daemon_apply.c) applies what it wants.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "clients.h"
#include "conn_state.h"
#include "excl_state.h"
#include "guard.h"
#include "ipc.h"
#include "machine.h"
#include "nft.h"
#include "policy.h"
#include "link.h"
#include "liveness.h"
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
	const char *exclusion_cgroup; /* fexynd's directory at the top of the cgroup2 hierarchy */
	enum fx_dns_backend { FX_DNS_AUTO, FX_DNS_FILE, FX_DNS_RESOLVED } dns_backend;
};

/* A tunnel fexyn connect brings up and watches (tunnel.c). */
struct fx_conn {
	bool active;
	struct fx_conn_saved saved;   /* persisted: configs, current, resolved endpoints, the
				       * link, routes and rules made for the current attempt */
	struct fx_wg_config *cfgs;    /* saved.n_configs parsed configs; wiped when done */
	bool tunnel_made;             /* the current attempt's link exists */
	bool have_probe;
	struct fx_addr probe;
	int probe_fd, timer_fd;
	long tick_ms;                 /* the timer's period now */
	uint16_t probe_seq;           /* before the handshake */
	uint64_t attempt_ms, last_rx_ms, last_probe_ms;
	uint64_t rx_bytes;
	struct fx_live live;          /* after it: is the server alive? */
	uint64_t dead_ms;             /* config dead_config's server was found dead (0: never) */
	size_t dead_config;
	/* The hot standby's life (standby.c); what was made is in saved.standby. */
	bool standby_ready;           /* handshaken, and its session fresh */
	uint64_t standby_made_ms, standby_check_ms, standby_retry_ms, standby_ready_ms;
	unsigned switches;            /* to a standby, since connect */
	time_t switched_at;
	char last_switch[2 * FX_CONF_PATH_MAX + 320]; /* why the last one happened */
	unsigned attempts;            /* attempts that failed, since connect */
	char last_error[640];
};

struct fx_daemon {
	struct fx_daemon_config cfg;
	int epfd, listen_fd, signal_fd, rtnl_fd, monitor_fd;
	struct fx_nft *nft;

	struct fx_machine m; /* what decides the state; changed only by its events */
	bool state_file_corrupt;

	struct fx_conn conn;
	struct fx_excl excl; /* split tunnelling */

	bool notify;   /* subscribers are owed an event: sent by the loop */
	bool stopping;
	struct fx_clients clients;
};
