/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Link-time stand-ins for what fexynd's request handling reaches outside
 * the process — the nftables socket, rtnetlink, nft(8), the tunnel (what
 * tunnel.c does for connect) and the log — so that a fuzzer can drive
 * daemon_cmd.c, daemon_apply.c, reply.c and clients.c for real. They do
 * nothing to the machine; they record what was asked, and the fuzzer
 * checks it. scripts/fuzz.sh links them instead of nft.c, nft_show.c,
 * rtnl.c and log.c (and without tunnel.c), so no symbol is defined twice.
 */
#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

struct fake_kernel {
	/* What the "kernel" does. */
	bool link_up;       /* the guarded tunnel exists and is up */
	bool connect_fails; /* fx_conn_start cannot read the configs */
	size_t show_size;   /* the length of `fexyn rules`'s text */
	/* What was done to it. */
	size_t applies;           /* fx_nft_apply calls */
	struct fx_ruleset applied; /* the ruleset in the "kernel" now */
};

extern struct fake_kernel fake;

void fake_kernel_reset(void);
