/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Builds the one netlink batch that makes table inet fexyn equal to a
 * ruleset. No I/O: the caller sends the buffer, and the unit tests parse it
 * back. The kernel applies a batch all or nothing, so the firewall never
 * holds half a policy.
 */
#include <stdint.h>

#include "policy.h"

/* The kernel's table flags; Debian 12's headers predate PERSIST (Linux 6.9). */
#define FX_TABLE_F_OWNER 0x2u
#define FX_TABLE_F_PERSIST 0x4u

struct fx_batch {
	char *buf;
	size_t len;      /* bytes used */
	size_t cap;
	uint32_t first_seq;
	uint32_t n_msgs; /* messages between begin and end, each acknowledged */
};

/*
 * A copy of the policy: tables inet NAME and arp NAME, created with flags.
 * Kernels without the persist flag get two copies (see nft.h).
 */
struct fx_table_copy {
	const char *name;
	uint32_t flags;
};

/*
 * Fills batch for ruleset, for each copy: with rs->present, create-or-update
 * its tables with the copy's flags, their chains and sets, then flush and
 * refill their rules and set elements — never deleting a table, so there is
 * no gap. Without it, delete the tables. arp false leaves out the arp tables
 * and everything in them (a kernel without nftables' arp family). Returns 0,
 * -ENOMEM or -E2BIG.
 */
int fx_batch_build(struct fx_batch *batch, const struct fx_ruleset *rs,
		   const struct fx_table_copy *copies, size_t n_copies, bool arp, uint32_t seq);
/*
 * The same, and table inet fexyn_split (split tunnelling) after the
 * copies: with rs->split, made like a copy, with the first copy's flags;
 * without it, deleted when drop_split says it may be there (the applier
 * knows when it cannot: it made none since it last removed it).
 */
int fx_batch_build_split(struct fx_batch *batch, const struct fx_ruleset *rs,
			 const struct fx_table_copy *copies, size_t n_copies, bool arp,
			 bool drop_split, uint32_t seq);
void fx_batch_free(struct fx_batch *batch);
