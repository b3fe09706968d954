/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "nft_rule.h"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/expr.h>
#include <libnftnl/udata.h>
#include <string.h>

/*
 * Each helper appends expressions; a failed allocation marks the builder
 * and the caller frees the half-built rule once, at the end.
 */
struct rule_builder {
	struct nftnl_rule *rule;
	bool failed;
};

static struct nftnl_expr *expr(struct rule_builder *b, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (!e) {
		b->failed = true;
		return NULL;
	}
	nftnl_rule_add_expr(b->rule, e);
	return e;
}

static void meta_load(struct rule_builder *b, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = expr(b, "meta");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
}

static void payload_load(struct rule_builder *b, uint32_t base, uint32_t off, uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = expr(b, "payload");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
}

static void cmp(struct rule_builder *b, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr(b, "cmp");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
}

static void match_meta_u8(struct rule_builder *b, uint32_t key, uint8_t value)
{
	meta_load(b, key, NFT_REG_1);
	cmp(b, NFT_CMP_EQ, &value, sizeof(value));
}

uint32_t fx_nft_chain_family(enum fx_chain c)
{
	return fx_chain_in_arp_table(c) ? NFPROTO_ARP : NFPROTO_INET;
}

uint32_t fx_nft_set_family(enum fx_set_id id)
{
	return fx_set_in_arp_table(id) ? NFPROTO_ARP : NFPROTO_INET;
}

/* Names, not indexes: the rule keeps matching when the tunnel is recreated.
 * The name is compared with its NUL, so "wg0" does not match "wg01". */
static void match_ifname(struct rule_builder *b, uint32_t key, const char *name, bool negate)
{
	meta_load(b, key, NFT_REG_1);
	cmp(b, negate ? NFT_CMP_NEQ : NFT_CMP_EQ, name, (uint32_t)strlen(name) + 1);
}

static void match_port(struct rule_builder *b, uint32_t offset, uint16_t port)
{
	uint16_t be = htons(port);

	payload_load(b, NFT_PAYLOAD_TRANSPORT_HEADER, offset, sizeof(be), NFT_REG_1);
	cmp(b, NFT_CMP_EQ, &be, sizeof(be));
}

static void match_icmp_range(struct rule_builder *b, uint8_t lo, uint8_t hi)
{
	struct nftnl_expr *e;

	payload_load(b, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
	e = expr(b, "range");
	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, NFT_RANGE_EQ);
	nftnl_expr_set(e, NFTNL_EXPR_RANGE_FROM_DATA, &lo, sizeof(lo));
	nftnl_expr_set(e, NFTNL_EXPR_RANGE_TO_DATA, &hi, sizeof(hi));
}

/* Offsets of the source and destination address in the IPv4 and IPv6 headers. */
static uint32_t addr_offset(int family, bool dst);

/* A constant prefix: the address loaded, masked to the prefix, compared. */
static void match_net(struct rule_builder *b, const char *net, bool dst)
{
	struct fx_prefix p;
	uint8_t mask[16] = { 0 }, want[16] = { 0 };
	uint32_t alen;
	struct nftnl_expr *e;

	if (fx_prefix_parse(net, &p, NULL) < 0) {
		b->failed = true;
		return;
	}
	alen = (uint32_t)fx_addr_len(&p.addr);
	for (unsigned bit = 0; bit < p.len; bit++)
		mask[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	for (uint32_t i = 0; i < alen; i++)
		want[i] = p.addr.bytes[i] & mask[i];
	payload_load(b, NFT_PAYLOAD_NETWORK_HEADER, addr_offset(p.addr.family, dst), alen, NFT_REG_1);
	if (p.len < alen * 8) {
		static const uint8_t zero[16];

		e = expr(b, "bitwise");
		if (!e)
			return;
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, alen);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, alen);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, alen);
	}
	cmp(b, NFT_CMP_EQ, want, alen);
}

/* The IPv6 hop limit, byte 7 of the header. */
static void match_hop_limit_255(struct rule_builder *b)
{
	static const uint8_t limit = 255;

	payload_load(b, NFT_PAYLOAD_NETWORK_HEADER, 7, 1, NFT_REG_1);
	cmp(b, NFT_CMP_EQ, &limit, 1);
}

static void ct_load(struct rule_builder *b, uint32_t key)
{
	struct nftnl_expr *e = expr(b, "ct");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
}

/* ct state is a bit mask: any of mask's bits set. */
static void match_ct_state(struct rule_builder *b, uint32_t mask)
{
	uint32_t zero = 0;
	struct nftnl_expr *e;

	ct_load(b, NFT_CT_STATE);
	e = expr(b, "bitwise");
	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, sizeof(mask));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof(mask));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, sizeof(zero));
	cmp(b, NFT_CMP_NEQ, &zero, sizeof(zero));
}

static void match_ct_mark(struct rule_builder *b, uint32_t mark)
{
	ct_load(b, NFT_CT_MARK);
	cmp(b, NFT_CMP_EQ, &mark, sizeof(mark));
}

static void lookup(struct rule_builder *b, enum fx_set_id set, uint32_t sreg);

/* The id of the socket's cgroup two levels down (fexynd's directory, then
 * one exclusion's), 8 bytes; a packet without a full socket of this
 * network namespace does not match. */
static void match_socket_excluded(struct rule_builder *b)
{
	struct nftnl_expr *e = expr(b, "socket");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_KEY, NFT_SOCKET_CGROUPV2);
	nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_LEVEL, 2);
	nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_DREG, NFT_REG_1);
	lookup(b, FX_SET_EXCLUDED, NFT_REG_1);
}

/* The target address of a neighbour solicitation or advert: 16 bytes after
 * type, code, checksum and the reserved word. */
static void match_nd_target(struct rule_builder *b, enum fx_set_id set)
{
	payload_load(b, NFT_PAYLOAD_TRANSPORT_HEADER, 8, 16, NFT_REG_1);
	lookup(b, set, NFT_REG_1);
}

/*
 * ARP for IPv4 over a 6-byte hardware address (Ethernet): hardware type,
 * then protocol type 0x0800, lengths 6 and 4. The sender's IPv4 address
 * follows at 14, the target's at 24; other layouts never match.
 */
static void match_arp_set(struct rule_builder *b, enum fx_set_id set, bool target)
{
	static const uint8_t ipv4_over_6[4] = { 0x08, 0x00, 6, 4 };

	payload_load(b, NFT_PAYLOAD_NETWORK_HEADER, 2, sizeof(ipv4_over_6), NFT_REG_1);
	cmp(b, NFT_CMP_EQ, ipv4_over_6, sizeof(ipv4_over_6));
	payload_load(b, NFT_PAYLOAD_NETWORK_HEADER, target ? 24 : 14, 4, NFT_REG_1);
	lookup(b, set, NFT_REG_1);
}

static void lookup(struct rule_builder *b, enum fx_set_id set, uint32_t sreg)
{
	struct nftnl_expr *e = expr(b, "lookup");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, fx_set_name(set));
}

/* Offsets of the source and destination address in the IPv4 and IPv6 headers. */
static uint32_t addr_offset(int family, bool dst)
{
	if (family == AF_INET6)
		return dst ? 24 : 8;
	return dst ? 16 : 12;
}

/*
 * An endpoint set's key is address . protocol . port, laid out in 32-bit
 * registers the way nft concatenations are: each part padded to 4 bytes.
 */
static void match_set(struct rule_builder *b, enum fx_set_id set, bool dst)
{
	int family = fx_set_family(set);
	uint32_t alen = family == AF_INET6 ? 16 : 4;

	if (!fx_set_is_endpoints(set)) {
		payload_load(b, NFT_PAYLOAD_NETWORK_HEADER, addr_offset(family, dst), alen, NFT_REG_1);
		lookup(b, set, NFT_REG_1);
		return;
	}
	payload_load(b, NFT_PAYLOAD_NETWORK_HEADER, addr_offset(family, dst), alen, NFT_REG32_00);
	meta_load(b, NFT_META_L4PROTO, NFT_REG32_00 + alen / 4);
	payload_load(b, NFT_PAYLOAD_TRANSPORT_HEADER, dst ? 2 : 0, 2, NFT_REG32_00 + alen / 4 + 1);
	lookup(b, set, NFT_REG32_00);
}

/* Loads value into register 1, then stores it with a meta or ct set. */
static void set_mark(struct rule_builder *b, const char *kind, uint32_t key, uint32_t value)
{
	struct nftnl_expr *e = expr(b, "immediate");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &value, sizeof(value));
	e = expr(b, kind);
	if (!e)
		return;
	if (strcmp(kind, "meta") == 0) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, NFT_REG_1);
	} else {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_SREG, NFT_REG_1);
	}
}

static void verdict(struct rule_builder *b, const struct fx_rule *r)
{
	enum fx_verdict v = r->verdict;
	struct nftnl_expr *e;

	if (v == FX_MARK) { /* no verdict: the next rule follows */
		set_mark(b, "meta", NFT_META_MARK, r->set_mark);
		if (r->set_ct_mark)
			set_mark(b, "ct", NFT_CT_MARK, r->set_ct_mark);
		return;
	}
	if (v == FX_MASQUERADE) {
		expr(b, "masq");
		return;
	}
	if (v == FX_REJECT) {
		expr(b, "counter");
		e = expr(b, "reject");
		if (!e)
			return;
		if (r->l4proto == IPPROTO_TCP) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_TCP_RST);
			nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, 0);
		} else {
			nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_ICMPX_UNREACH);
			nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, NFT_REJECT_ICMPX_ADMIN_PROHIBITED);
		}
		return;
	}
	e = expr(b, "immediate");
	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, v == FX_ACCEPT ? NF_ACCEPT : NF_DROP);
}

static void set_comment(struct rule_builder *b, const char *why)
{
	struct nftnl_udata_buf *ud;

	if (!why)
		return;
	ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
	if (!ud || !nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, why)) {
		b->failed = true;
	} else {
		nftnl_rule_set_data(b->rule, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud),
				    nftnl_udata_buf_len(ud));
	}
	nftnl_udata_buf_free(ud);
}

/* An address is read at a family's offsets: never without checking the family. */
static uint8_t rule_nfproto(const struct fx_rule *r)
{
	enum fx_set_id set = r->daddr_set != FX_SET_NONE ? r->daddr_set : r->saddr_set;

	if (fx_chain_in_arp_table(r->chain))
		return 0; /* one family per table: nothing to tell apart */
	if (r->nfproto || set == FX_SET_NONE)
		return r->nfproto;
	return fx_set_family(set) == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
}

static void add_arp_matches(struct rule_builder *b, const struct fx_rule *r)
{
	if (r->saddr_set != FX_SET_NONE)
		match_arp_set(b, r->saddr_set, false);
	if (r->daddr_set != FX_SET_NONE)
		match_arp_set(b, r->daddr_set, true);
}

static void add_matches(struct rule_builder *b, const struct fx_rule *r)
{
	uint8_t nfproto = rule_nfproto(r);

	if (nfproto)
		match_meta_u8(b, NFT_META_NFPROTO, nfproto);
	if (r->iif[0])
		match_ifname(b, NFT_META_IIFNAME, r->iif, r->iif_not);
	if (r->oif[0])
		match_ifname(b, NFT_META_OIFNAME, r->oif, r->oif_not);
	if (fx_chain_in_arp_table(r->chain)) {
		add_arp_matches(b, r);
		return;
	}
	if (r->match_mark) {
		meta_load(b, NFT_META_MARK, NFT_REG_1);
		cmp(b, NFT_CMP_EQ, &r->mark, sizeof(r->mark));
	}
	if (r->ct_established)
		match_ct_state(b, NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED));
	if (r->ct_new)
		match_ct_state(b, NF_CT_STATE_BIT(IP_CT_NEW));
	if (r->match_ct_mark)
		match_ct_mark(b, r->ct_mark);
	if (r->socket_excluded)
		match_socket_excluded(b);
	if (r->l4proto)
		match_meta_u8(b, NFT_META_L4PROTO, r->l4proto);
	if (r->sport)
		match_port(b, 0, r->sport);
	if (r->dport)
		match_port(b, 2, r->dport);
	if (r->match_icmp_type)
		match_icmp_range(b, r->icmp_lo, r->icmp_hi);
	if ((r->saddr_net || r->daddr_net || r->hop_limit_255) && !nfproto)
		b->failed = true; /* an address read without knowing the family */
	if (r->hop_limit_255)
		match_hop_limit_255(b);
	if (r->saddr_net)
		match_net(b, r->saddr_net, false);
	if (r->daddr_net)
		match_net(b, r->daddr_net, true);
	if (r->nd_target_set != FX_SET_NONE)
		match_nd_target(b, r->nd_target_set);
	if (r->saddr_set != FX_SET_NONE)
		match_set(b, r->saddr_set, false);
	if (r->daddr_set != FX_SET_NONE)
		match_set(b, r->daddr_set, true);
}

struct nftnl_rule *fx_nft_rule_build(const struct fx_rule *r, const char *table)
{
	struct rule_builder b = { .rule = nftnl_rule_alloc() };

	if (!b.rule)
		return NULL;
	nftnl_rule_set_u32(b.rule, NFTNL_RULE_FAMILY, fx_nft_chain_family(r->chain));
	nftnl_rule_set_str(b.rule, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(b.rule, NFTNL_RULE_CHAIN, fx_chain_name(r->chain));
	add_matches(&b, r);
	verdict(&b, r);
	set_comment(&b, r->why);
	if (b.failed) {
		nftnl_rule_free(b.rule);
		return NULL;
	}
	return b.rule;
}
