/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * What fexynd reads back from a WireGuard device, whichever backend runs it
 * (kernel over generic netlink, wireguard-go over its UAPI socket).
 */
#include <stdbool.h>
#include <stdint.h>

struct fx_wg_status {
	bool handshake;           /* some peer has completed a handshake */
	int64_t last_handshake;   /* newest handshake, seconds since the epoch; 0 = never */
	uint64_t rx_bytes, tx_bytes; /* summed over the peers */
};
