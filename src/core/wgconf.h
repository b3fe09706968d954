/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * wg-quick configuration files, as VPN providers hand them out. The parser
 * is a row of small field parsers; every error names the file, the line and
 * the key ("wg0.conf:7: Endpoint: missing port"). Unknown sections and keys
 * are errors, and so are PreUp/PostUp/PreDown/PostDown and SaveConfig:
 * fexynd runs as root and will not run commands from a file.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "err.h"
#include "key.h"

#define FX_WG_MAX_ADDRS 8
#define FX_WG_MAX_DNS 8
#define FX_WG_MAX_SEARCH 6
#define FX_WG_MAX_PEERS 8
#define FX_WG_MAX_ALLOWED 64
#define FX_WG_HOST_MAX 254       /* a DNS name's longest text form, plus NUL */
#define FX_WG_CONF_MAX_SIZE (64 * 1024)

enum fx_wg_table { FX_WG_TABLE_AUTO, FX_WG_TABLE_OFF, FX_WG_TABLE_ID };

struct fx_wg_peer {
	uint8_t public_key[FX_KEY_LEN];
	bool has_preshared_key;
	uint8_t preshared_key[FX_KEY_LEN];
	struct fx_prefix allowed_ips[FX_WG_MAX_ALLOWED];
	size_t n_allowed_ips;
	bool has_endpoint;
	char endpoint_host[FX_WG_HOST_MAX]; /* address literal or host name, no brackets */
	uint16_t endpoint_port;
	/* Filled by the parser when endpoint_host is an address literal, else by
	 * the daemon's resolver before the first firewall transaction. */
	bool endpoint_resolved;
	struct fx_endpoint endpoint;        /* proto is always IPPROTO_UDP */
	uint16_t persistent_keepalive;      /* seconds; 0 = off */
	unsigned line;                      /* of its [Peer] header, for messages */
};

struct fx_wg_config {
	uint8_t private_key[FX_KEY_LEN];
	struct fx_prefix addresses[FX_WG_MAX_ADDRS]; /* host bits kept: 10.66.0.2/24 */
	size_t n_addresses;
	struct fx_addr dns[FX_WG_MAX_DNS];
	size_t n_dns;
	char search[FX_WG_MAX_SEARCH][FX_WG_HOST_MAX]; /* DNS= entries that are not addresses */
	size_t n_search;
	uint32_t mtu;                 /* 0: not given */
	bool has_listen_port;
	uint16_t listen_port;
	uint32_t fwmark;              /* 0: not given, or "off" */
	enum fx_wg_table table_mode;  /* Table = auto (default) | off | number | main */
	uint32_t table;               /* with FX_WG_TABLE_ID */
	struct fx_wg_peer peers[FX_WG_MAX_PEERS];
	size_t n_peers;
};

/*
 * Parses len bytes of text. name is how messages call the file (its path).
 * Fills out completely or returns a negative errno with err set; out is
 * wiped on failure so no key is left behind.
 */
int fx_wgconf_parse(const char *name, const char *text, size_t len, struct fx_wg_config *out,
		    struct fx_err *err);

/*
 * Reads a config from an open file (the one `fexyn connect` opened with its
 * caller's rights and passed to fexynd): a regular file of at most
 * FX_WG_CONF_MAX_SIZE bytes, from its start. name is what messages call it.
 * The text comes back malloc'd, FX_WG_CONF_MAX_SIZE + 1 bytes, in *text:
 * it holds a private key, so wipe that many bytes before freeing it.
 */
int fx_wgconf_read_fd(int fd, const char *name, char **text, size_t *len, struct fx_err *err);

/* Opens, reads and parses path (at most FX_WG_CONF_MAX_SIZE bytes, text only). */
int fx_wgconf_load(const char *path, struct fx_wg_config *out, struct fx_err *err);

/* Wipes the keys (and everything else) in cfg. */
void fx_wgconf_wipe(struct fx_wg_config *cfg);
