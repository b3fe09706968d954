/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The tunnel's link, over rtnetlink: brought up with its MTU, given its
 * addresses, and deleted only when it is the one fexynd made.
 */
#include <stdint.h>

#include "addr.h"
#include "err.h"

/* Sets the MTU (0: leave it) and brings the link up. */
int fx_link_setup(const char *ifname, uint32_t mtu, struct fx_err *err);
/* 0 when the link named ifname is the one fexynd made (same index and
 * kind), -ENODEV when there is none, -EPERM when it is another. */
int fx_link_check_owned(const char *ifname, int ifindex, const char *kind);
/* Deletes that link, by index, if it is fexynd's; an absent one is
 * success, another one of that name is left alone (-EPERM). */
int fx_link_delete_owned(const char *ifname, int ifindex, const char *kind);
/* Deletes the link named ifname if it is of this kind (one fexynd was
 * making when it could not record its index); 0 when there is none. */
int fx_link_delete_kind(const char *ifname, const char *kind);
/* Adds p to the link, replacing it if it is there. */
int fx_link_add_address(const char *ifname, const struct fx_prefix *p, struct fx_err *err);
