/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The nftables applier. It owns one netfilter netlink socket for the life of
 * the daemon: with the kernel's owner flag, only this socket may change the
 * table, and closing it (the daemon dying) orphans the table instead of
 * deleting it, thanks to the persist flag.
 *
 * The persist flag came in Linux 6.9, the owner flag in 5.12. Between them
 * an owned table dies with its owner and an unowned one with any flush, so
 * fexynd keeps two copies of the policy, one of each, changed in the same
 * transaction: a packet meets every base chain on its hook, so either copy
 * alone blocks, and a leak needs both to fall together.
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
	bool owned_copy;   /* FX_TABLE_OWNED is there (owned+unowned only) */
};

/* How the policy outlives other processes and fexynd itself, weakest first. */
enum fx_protection {
	FX_PROTECTION_MONITOR,       /* one unowned table, restored when seen removed */
	FX_PROTECTION_OWNED_UNOWNED, /* two copies: owned, and unowned (and restored) */
	FX_PROTECTION_OWNER_PERSIST, /* one table, owned, orphaned when fexynd dies */
};

const char *fx_protection_name(enum fx_protection p);
int fx_protection_parse(const char *s, enum fx_protection *out);

/*
 * Opens the socket and probes which table flags the kernel knows: the mode
 * is the strongest it allows, up to strongest (tests ask for weaker ones).
 */
int fx_nft_open(struct fx_nft **out, enum fx_protection strongest);
void fx_nft_close(struct fx_nft *nft);

enum fx_protection fx_nft_protection(const struct fx_nft *nft);
/* Whether table arp fexyn is made (the kernel has nftables' arp family). */
bool fx_nft_filters_arp(const struct fx_nft *nft);
uint32_t fx_nft_portid(const struct fx_nft *nft);

/* Makes the kernel's table equal to rs in one transaction. */
int fx_nft_apply(struct fx_nft *nft, const struct fx_ruleset *rs, struct fx_err *err);

/* Reads table inet fexyn from the kernel. With two copies, the owner
 * fields are the owned copy's. */
int fx_nft_table_info(struct fx_nft *nft, struct fx_table_info *info);

/* Deletes table inet fexyn with a fresh socket; absent is success. For reset. */
int fx_nft_delete_table_once(struct fx_err *err);
