/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Watches nftables events. On kernels without the owner and persist table
 * flags any root process can delete or flush our table; the daemon then
 * re-asserts it as soon as the event arrives.
 */
#include <stdbool.h>
#include <stdint.h>

struct nlmsghdr;

int fx_nft_monitor_open(void);

/* True when an nf_tables event from a process other than our_portid names
 * table inet fexyn. */
bool fx_nft_event_touches_table(const struct nlmsghdr *nlh, uint32_t our_portid);

/* Sets *touched when a process other than our_portid changed table inet fexyn.
 * Returns 0, or -ENOBUFS when events were lost (treat as touched). */
int fx_nft_monitor_read(int fd, uint32_t our_portid, bool *touched);
