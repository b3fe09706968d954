/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * What `fexyn connect` set up, persisted beside the guard state so that a
 * restarted fexynd can resume the tunnel and a later disconnect (or reset)
 * can undo exactly what connect did. Endpoint host names are kept resolved
 * here: a restart never needs DNS, which the firewall blocks.
 */
#include <net/if.h>
#include <stdbool.h>
#include <sys/types.h>

#include "addr.h"
#include "err.h"
#include "route.h"
#include "rtnl.h"
#include "wgconf.h"

#define FX_CONN_FILE "connect"
#define FX_MAX_CONFIGS 8
#define FX_CONF_PATH_MAX 512

enum fx_backend { FX_BACKEND_AUTO, FX_BACKEND_KERNEL, FX_BACKEND_USERSPACE };

/* One WireGuard tunnel fexynd made: only a link with this index and kind
 * is ever configured or deleted, only this wireguard-go ended. */
struct fx_tunnel_made {
	char ifname[IFNAMSIZ];
	pid_t wg_pid;           /* wireguard-go, 0 if none */
	int link_index;         /* 0: none made */
	char link_kind[FX_LINK_KIND_MAX];
	/* Being made: the link or process may exist before its index or pid
	 * could be written down (fexynd killed in between); it is then found
	 * by its name, which was free when making began. */
	bool making;
};

struct fx_conn_saved {
	char ifname[IFNAMSIZ];  /* the name connect was given */
	enum fx_backend backend;
	size_t n_configs;
	/* What each config is called in messages and status: the path the
	 * client named. fexynd never opens it; it keeps copies of its own. */
	char paths[FX_MAX_CONFIGS][FX_CONF_PATH_MAX];
	/* resolved[c][p]: config c's peer p, when it has an endpoint */
	bool has_resolved[FX_MAX_CONFIGS][FX_WG_MAX_PEERS];
	struct fx_endpoint resolved[FX_MAX_CONFIGS][FX_WG_MAX_PEERS];
	size_t current;
	bool restore_src_valid_mark; /* connect turned it on: disconnect turns it off */
	bool no_standby;        /* fexyn connect --no-standby: cold switches only */
	bool switch_back;       /* --switch-back: back to the first config once it works */
	/* The current attempt's tunnel: ifname, or its twin after a switch to
	 * the standby (fx_conn_twin_name). */
	struct fx_tunnel_made tun;
	/* The hot standby: config standby_config's tunnel, made beside the
	 * current one with no route into it (tunnel.c). */
	bool has_standby;
	size_t standby_config;
	struct fx_tunnel_made standby;
	/* The routes and rules installed for it, written before they are:
	 * undone exactly, whatever the config file says by then. */
	struct fx_route_plan plan;
};

/* The configs of a connect: each one's text, read from the file the client
 * passed, or from fexynd's own copy after a restart. */
struct fx_conn_texts {
	char *text[FX_MAX_CONFIGS];
	size_t len[FX_MAX_CONFIGS];
};

const char *fx_backend_name(enum fx_backend b);
/* The other of the two names a connect's tunnels take turns with: name
 * with a 'b' after it (its last character replaced when there is no room). */
void fx_conn_twin_name(const char *name, char out[IFNAMSIZ]);
/* Ends the tunnel's wireguard-go and deletes its link, if still the one
 * made; -EPERM when the link is no longer that one (left alone).
 * (tunnel_made.c: apart, so that a program that only reads and writes the
 * state links no rtnetlink.) */
int fx_tunnel_made_remove(struct fx_tunnel_made *t);
int fx_backend_parse(const char *s, enum fx_backend *out);

int fx_conn_state_format(const struct fx_conn_saved *s, char *buf, size_t len);
int fx_conn_state_parse(const char *text, size_t len, struct fx_conn_saved *s, struct fx_err *err);

/*
 * fexynd's own copy of each config (config.N in the state directory, mode
 * 0600: each holds a private key), so that a restarted daemon resumes the
 * tunnel without ever opening a client's file again.
 */
int fx_conn_config_save(const char *dir, size_t i, const char *text, size_t len);
/* The text, malloc'd (FX_WG_CONF_MAX_SIZE + 1 bytes: wipe them, then free). */
int fx_conn_config_load(const char *dir, size_t i, char **text, size_t *len);
/* Removes config.first .. config.(FX_MAX_CONFIGS - 1). */
int fx_conn_configs_remove(const char *dir, size_t first);

/* 1 loaded, 0 no file, negative errno (err says which line) otherwise. */
int fx_conn_state_load(const char *dir, struct fx_conn_saved *s, struct fx_err *err);
int fx_conn_state_save(const char *dir, const struct fx_conn_saved *s);
int fx_conn_state_remove(const char *dir);
