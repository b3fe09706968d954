/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * A case's packet, built byte by byte: every field the rules look at is the
 * case's, the checksums are right (conntrack ignores a damaged packet), and
 * a tag marks it so its trace events can be told from the kernel's own
 * traffic: the IPv4 id, the IPv6 flow label, or in ARP the sender's
 * hardware address.
 */
#include <stddef.h>
#include <stdint.h>

#include "policy_eval.h"

#define JUDGE_ARP_FRAME 42

struct judge_packet {
	uint8_t buf[128]; /* IPv4 or IPv6 header and the transport header */
	size_t len;
	struct fx_addr src, dst;
};

/* The Ethernet address the lab's injected frames come from: a LAN host. */
extern const uint8_t judge_lan_host_mac[6];

/* Returns 0, or -EINVAL if the case's addresses do not parse or mix families. */
int judge_packet_build(const struct test_pkt *p, uint16_t tag, struct judge_packet *pk);
/* The packet in an Ethernet frame from a LAN host to a link whose address is
 * own; frame has room for 14 + sizeof(pk->buf). Returns the frame's length. */
size_t judge_ether_frame(uint8_t *frame, const struct judge_packet *pk, const uint8_t own[6]);
/* An ARP request from a LAN host: who has pk->dst, tell pk->src. */
void judge_arp_request(uint8_t frame[JUDGE_ARP_FRAME], const struct judge_packet *pk, uint16_t tag);
/* 02:prefix:00:00:tag */
void judge_tagged_mac(uint8_t prefix, uint16_t tag, uint8_t mac[6]);
