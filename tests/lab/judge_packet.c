/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cases' packets as they are on the wire. */
#include "judge_packet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

const uint8_t judge_lan_host_mac[6] = { 0x02, 0xfe, 0, 0, 0, 1 };

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len % 2)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The transport checksum, pseudo-header included (ICMPv4 has none): a
 * packet conntrack finds damaged would never count as a reply. */
static void l4_checksum(struct judge_packet *pk, uint8_t proto, uint8_t *l4, size_t len)
{
	size_t off = proto == IPPROTO_UDP ? 6 : proto == IPPROTO_TCP ? 16 : 2;
	uint32_t sum = 0;
	uint8_t pseudo[8] = { 0 };
	uint16_t c;

	if (proto != IPPROTO_ICMP) {
		size_t alen = fx_addr_len(&pk->src);

		sum = sum16(sum16(0, pk->src.bytes, alen), pk->dst.bytes, alen);
		pseudo[2] = (uint8_t)(len >> 8);
		pseudo[3] = (uint8_t)len;
		pseudo[7] = proto;
		sum = sum16(sum, pseudo, sizeof(pseudo));
	}
	c = fold(sum16(sum, l4, len));
	put16(l4 + off, proto == IPPROTO_UDP && c == 0 ? 0xffff : c);
}

/* The transport header; returns its length. */
static size_t build_l4(const struct test_pkt *p, const struct fx_addr *target, uint8_t *l4)
{
	switch (p->l4proto) {
	case IPPROTO_UDP:
		put16(l4, p->sport);
		put16(l4 + 2, p->dport);
		put16(l4 + 4, 12);
		return 12; /* 4 bytes of payload */
	case IPPROTO_TCP:
		put16(l4, p->sport);
		put16(l4 + 2, p->dport);
		l4[7] = 1;       /* sequence number */
		l4[12] = 5 << 4; /* header length */
		l4[13] = 0x02;   /* SYN */
		put16(l4 + 14, 64240);
		return 20;
	case IPPROTO_ICMPV6:
		l4[0] = p->icmp_type;
		if (p->icmp_type == 135 || p->icmp_type == 136) {
			memcpy(l4 + 8, target->bytes, 16); /* after type, code, checksum, reserved */
			return 24;
		}
		return p->icmp_type == 134 ? 16 : 8;
	default: /* ICMP */
		l4[0] = p->icmp_type;
		return 12;
	}
}

/* The case's packet as it is on the wire, tagged so its trace events can be told apart. */
int judge_packet_build(const struct test_pkt *p, uint16_t tag, struct judge_packet *pk)
{
	struct fx_addr target = { .family = AF_INET6 };
	bool v6;
	size_t hlen, l4len;
	uint8_t *h = pk->buf;

	memset(pk, 0, sizeof(*pk));
	if (fx_addr_parse(p->saddr, &pk->src, NULL) < 0 || fx_addr_parse(p->daddr, &pk->dst, NULL) < 0 ||
	    pk->src.family != pk->dst.family)
		return -EINVAL;
	if (p->nd_target && fx_addr_parse(p->nd_target, &target, NULL) < 0)
		return -EINVAL;
	v6 = pk->src.family == AF_INET6;
	hlen = v6 ? 40 : 20;
	l4len = build_l4(p, &target, h + hlen);
	l4_checksum(pk, p->l4proto, h + hlen, l4len);
	pk->len = hlen + l4len;
	if (v6) {
		uint32_t first = htonl(6u << 28 | tag);

		memcpy(h, &first, 4);
		put16(h + 4, (uint16_t)l4len);
		h[6] = p->l4proto;
		h[7] = p->hop_limit ? p->hop_limit : 64;
		memcpy(h + 8, pk->src.bytes, 16);
		memcpy(h + 24, pk->dst.bytes, 16);
		return 0;
	}
	h[0] = 0x45;
	put16(h + 2, (uint16_t)pk->len);
	put16(h + 4, tag);
	h[8] = p->hop_limit ? p->hop_limit : 64;
	h[9] = p->l4proto;
	memcpy(h + 12, pk->src.bytes, 4);
	memcpy(h + 16, pk->dst.bytes, 4);
	put16(h + 10, fold(sum16(0, h, 20)));
	return 0;
}

/* The Ethernet address an IP packet to dst is sent to on a LAN. */
static void dst_mac(const struct fx_addr *dst, const uint8_t own[6], uint8_t mac[6])
{
	const uint8_t *b = dst->bytes;

	if (dst->family == AF_INET6 && b[0] == 0xff)
		memcpy(mac, (const uint8_t[]){ 0x33, 0x33, b[12], b[13], b[14], b[15] }, 6);
	else if (dst->family == AF_INET && b[0] >= 224 && b[0] < 240)
		memcpy(mac, (const uint8_t[]){ 0x01, 0x00, 0x5e, b[1] & 0x7f, b[2], b[3] }, 6);
	else if (dst->family == AF_INET && b[0] == 255)
		memset(mac, 0xff, 6);
	else
		memcpy(mac, own, 6);
}

/* The sender's hardware address in an ARP packet of the lab carries the tag. */
void judge_tagged_mac(uint8_t prefix, uint16_t tag, uint8_t mac[6])
{
	memcpy(mac, (const uint8_t[]){ 0x02, prefix, 0, 0, (uint8_t)(tag >> 8), (uint8_t)tag }, 6);
}


size_t judge_ether_frame(uint8_t *frame, const struct judge_packet *pk, const uint8_t own[6])
{
	dst_mac(&pk->dst, own, frame);
	memcpy(frame + 6, judge_lan_host_mac, 6);
	put16(frame + 12, pk->dst.family == AF_INET6 ? 0x86dd : 0x0800);
	memcpy(frame + 14, pk->buf, pk->len);
	return 14 + pk->len;
}

void judge_arp_request(uint8_t f[JUDGE_ARP_FRAME], const struct judge_packet *pk, uint16_t tag)
{
	memset(f, 0, JUDGE_ARP_FRAME);
	memset(f, 0xff, 6);
	judge_tagged_mac(0xfe, tag, f + 6);
	put16(f + 12, 0x0806);
	put16(f + 14, 1);      /* Ethernet */
	put16(f + 16, 0x0800); /* IPv4 */
	f[18] = 6;
	f[19] = 4;
	put16(f + 20, 1); /* request */
	memcpy(f + 22, f + 6, 6);
	memcpy(f + 28, pk->src.bytes, 4);
	memcpy(f + 38, pk->dst.bytes, 4);
}
