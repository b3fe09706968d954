/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The nftables applier. It owns one netfilter netlink socket for the life of
 * the daemon: with the kernel's owner flag, only this socket may change the
 * table, and closing it (the daemon dying) orphans the table instead of
 * deleting it, thanks to the persist flag.
 */
#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "policy.h"

struct fx_nft;

struct fx_table_info {
	bool present;
	uint32_t flags;
	bool has_owner;    /* NFTA_TABLE_OWNER was reported */
	uint32_t owner;    /* netlink port id of the owning socket */
	bool owned_by_us;
};

/*
 * Opens the socket. With want_flags, probes whether the kernel knows the
 * owner and persist table flags (Linux 6.9+) and uses them if so.
 */
int fx_nft_open(struct fx_nft **out, bool want_flags);
void fx_nft_close(struct fx_nft *nft);

bool fx_nft_uses_table_flags(const struct fx_nft *nft);
/* Whether table arp fexyn is made (the kernel has nftables' arp family). */
bool fx_nft_filters_arp(const struct fx_nft *nft);
uint32_t fx_nft_portid(const struct fx_nft *nft);

/* Makes the kernel's table equal to rs in one transaction. */
int fx_nft_apply(struct fx_nft *nft, const struct fx_ruleset *rs, struct fx_err *err);

/* Reads table inet fexyn from the kernel. */
int fx_nft_table_info(struct fx_nft *nft, struct fx_table_info *info);

/* Deletes table inet fexyn with a fresh socket; absent is success. For reset. */
int fx_nft_delete_table_once(struct fx_err *err);
