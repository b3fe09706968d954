/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Kernel WireGuard over generic netlink (linux/wireguard.h), spoken directly
 * rather than through wg(8). The message builders and parsers are pure, so
 * the unit tests check them without a kernel; the I/O functions each open
 * one socket, send, and read every acknowledgement.
 */
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "wg.h"
#include "wgconf.h"

struct nlmsghdr;

/*
 * Builds WG_CMD_SET_DEVICE for ifname into buf: private key, listen port
 * (if given), fwmark, WGDEVICE_F_REPLACE_PEERS, and every peer with its
 * public and preshared keys, resolved endpoint, keepalive and allowed IPs
 * (WGPEER_F_REPLACE_ALLOWEDIPS). Returns the message length, or -ENOSPC.
 */
int fx_wg_kernel_build_set(void *buf, size_t len, uint16_t family_id, uint32_t seq,
			   const char *ifname, const struct fx_wg_config *cfg, uint32_t fwmark);

/* Reads one WG_CMD_GET_DEVICE reply message into st (adding to it, as a
 * device's peers may span several messages); -EBADMSG if malformed. */
int fx_wg_kernel_parse_device(const struct nlmsghdr *nlh, struct fx_wg_status *st);

/* Whether the kernel can make WireGuard devices (the genetlink family is
 * registered, or the module loads on demand). */
bool fx_wg_kernel_available(void);

/* RTM_NEWLINK of kind "wireguard"; -EEXIST if the name is taken. */
int fx_wg_kernel_create(const char *ifname, struct fx_err *err);

int fx_wg_kernel_configure(const char *ifname, const struct fx_wg_config *cfg, uint32_t fwmark,
			   struct fx_err *err);
int fx_wg_kernel_status(const char *ifname, struct fx_wg_status *st);
