/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * What policyjudge asks of the kernel besides nftables rules, each a
 * netlink request answered before it returns: the lab's state is in place
 * when the case's packet is made. Return 0 or a negative errno.
 */
#include <stdbool.h>
#include <stdint.h>

#include "policy_eval.h"

/* A host address on link ifindex, without duplicate detection or a prefix route. */
int judge_addr_add(int ifindex, const struct fx_addr *a);
int judge_addr_del(int ifindex, const struct fx_addr *a);
/* A host route for dst out of ifindex in the main table, replacing any. */
int judge_route_replace(const struct fx_addr *dst, int ifindex);
/* Whether the kernel would deliver a packet to a that arrives on ifindex. */
bool judge_route_is_local(const struct fx_addr *a, int ifindex);
int judge_link_set_mac(int ifindex, const uint8_t mac[6]);
/* Forgets every connection of one family. */
int judge_ct_flush(int family);
/* Makes the connection that p, from src to dst, is a reply to. */
int judge_ct_insert_reply_to(const struct test_pkt *p, const struct fx_addr *src, const struct fx_addr *dst);
bool judge_table_exists(uint32_t family, const char *name);
