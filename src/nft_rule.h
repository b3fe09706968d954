/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Turns one policy rule into libnftnl expressions; no I/O. */
#include <libnftnl/rule.h>

#include "policy.h"

#define FX_TABLE "fexyn"

/* Returns a new nftnl_rule for table inet fexyn, or NULL on allocation failure. */
struct nftnl_rule *fx_nft_rule_build(const struct fx_rule *rule);
