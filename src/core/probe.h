/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Echo probes through the tunnel. WireGuard itself notices a dead server
 * only after 15 s or more; echo requests and their answers tell the
 * liveness detector (liveness.h) within a second. The first probe also
 * starts the handshake when the config has no keepalive.
 */
#include "addr.h"

/* A raw ICMP/ICMPv6 socket bound to ifname, receiving echo replies only. */
int fx_probe_open(int family, const char *ifname);
int fx_probe_send(int fd, const struct fx_addr *to, uint16_t seq);
/* One packet from the socket: 1 and its sequence number when it answers
 * one of fexynd's probes to `from`, 0 when it is something else, -EAGAIN
 * when nothing is queued. */
int fx_probe_recv(int fd, const struct fx_addr *from, uint16_t *seq);

/* The address to probe for a config: its first DNS server, else the first
 * other host of its first IPv4 subnet (10.66.0.2/24 → 10.66.0.1); -ENOENT
 * when there is none. */
struct fx_wg_config;
int fx_probe_target(const struct fx_wg_config *cfg, struct fx_addr *out);
