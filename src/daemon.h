/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * fexynd's one context: the event loop and everything it owns. Events
 * (client requests, link changes, table tampering, signals) move the state;
 * fx_daemon_enforce() compiles the policy for the new state and applies it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "guard.h"
#include "ipc.h"
#include "nft.h"
#include "policy.h"
#include "rtnl.h"

#define FX_MAX_CLIENTS 32
#define FX_CLIENT_IDLE_MS 5000

struct fx_client {
	int fd; /* -1: free slot */
	size_t len;
	uint64_t accepted_ms;
	char buf[FX_IPC_MAX_LINE];
};

struct fx_daemon_config {
	const char *socket_path;
	const char *state_dir;
	bool table_flags; /* false: behave as on a kernel without owner/persist */
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

	bool stopping;
	struct fx_client clients[FX_MAX_CLIENTS];
};

int fx_daemon_init(struct fx_daemon *d, const struct fx_daemon_config *cfg);
int fx_daemon_run(struct fx_daemon *d);
void fx_daemon_done(struct fx_daemon *d);

/* Moves to the state the inputs call for and makes the firewall match. With
 * force, re-applies even when the state is unchanged (tampering, new guard). */
int fx_daemon_enforce(struct fx_daemon *d, bool force);
int fx_daemon_refresh_link(struct fx_daemon *d);

/* Answers one request line on fd (daemon_cmd.c). */
void fx_daemon_handle_request(struct fx_daemon *d, int fd, const char *line, size_t len);
