/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Turns one policy rule into libnftnl expressions; no I/O. */
#include <libnftnl/rule.h>

#include "policy.h"

/*
 * The tables' name. Where the kernel has no persist flag, a second copy of
 * the policy, owned by fexynd, guards it while the first can be flushed.
 */
#define FX_TABLE "fexyn"
#define FX_TABLE_OWNED "fexyn_owned"
/* Split tunnelling's chains and set (policy.h): one copy, only while some
 * program is excluded. Lost, it takes no protection with it: what it
 * marks is let out by table inet fexyn, and unmarked goes into the tunnel. */
#define FX_TABLE_SPLIT "fexyn_split"

/* The family of the table a chain or set lives in: inet fexyn or arp fexyn. */
uint32_t fx_nft_chain_family(enum fx_chain c);
uint32_t fx_nft_set_family(enum fx_set_id id);

/* Returns a new nftnl_rule for table (FX_TABLE or FX_TABLE_OWNED), or NULL
 * on allocation failure. */
struct nftnl_rule *fx_nft_rule_build(const struct fx_rule *rule, const char *table);
