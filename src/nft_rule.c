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

/* Names, not indexes: the rule keeps matching when the tunnel is recreated. */
static void match_ifname(struct rule_builder *b, uint32_t key, const char *name)
{
	meta_load(b, key, NFT_REG_1);
	cmp(b, NFT_CMP_EQ, name, (uint32_t)strlen(name) + 1);
}

static void match_port(struct rule_builder *b, uint32_t offset, uint16_t port)
{
	uint16_t be = htons(port);

	payload_load(b, NFT_PAYLOAD_TRANSPORT_HEADER, offset, sizeof(be), NFT_REG_1);
	cmp(b, NFT_CMP_EQ, &be, sizeof(be));
}

static void match_icmp6_range(struct rule_builder *b, uint8_t lo, uint8_t hi)
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

static void match_ct_established(struct rule_builder *b)
{
	uint32_t mask = NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED);
	uint32_t zero = 0;
	struct nftnl_expr *e = expr(b, "ct");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
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

static void verdict(struct rule_builder *b, enum fx_verdict v, uint8_t l4proto)
{
	struct nftnl_expr *e;

	if (v == FX_REJECT) {
		expr(b, "counter");
		e = expr(b, "reject");
		if (!e)
			return;
		if (l4proto == IPPROTO_TCP) {
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

	if (r->nfproto || set == FX_SET_NONE)
		return r->nfproto;
	return fx_set_family(set) == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
}

static void add_matches(struct rule_builder *b, const struct fx_rule *r)
{
	uint8_t nfproto = rule_nfproto(r);

	if (nfproto)
		match_meta_u8(b, NFT_META_NFPROTO, nfproto);
	if (r->iif[0])
		match_ifname(b, NFT_META_IIFNAME, r->iif);
	if (r->oif[0])
		match_ifname(b, NFT_META_OIFNAME, r->oif);
	if (r->match_mark) {
		meta_load(b, NFT_META_MARK, NFT_REG_1);
		cmp(b, NFT_CMP_EQ, &r->mark, sizeof(r->mark));
	}
	if (r->ct_established)
		match_ct_established(b);
	if (r->l4proto)
		match_meta_u8(b, NFT_META_L4PROTO, r->l4proto);
	if (r->sport)
		match_port(b, 0, r->sport);
	if (r->dport)
		match_port(b, 2, r->dport);
	if (r->match_icmp6_type)
		match_icmp6_range(b, r->icmp6_lo, r->icmp6_hi);
	if (r->saddr_set != FX_SET_NONE)
		match_set(b, r->saddr_set, false);
	if (r->daddr_set != FX_SET_NONE)
		match_set(b, r->daddr_set, true);
}

struct nftnl_rule *fx_nft_rule_build(const struct fx_rule *r)
{
	struct rule_builder b = { .rule = nftnl_rule_alloc() };

	if (!b.rule)
		return NULL;
	nftnl_rule_set_u32(b.rule, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(b.rule, NFTNL_RULE_TABLE, FX_TABLE);
	nftnl_rule_set_str(b.rule, NFTNL_RULE_CHAIN, fx_chain_name(r->chain));
	add_matches(&b, r);
	verdict(&b, r->verdict, r->l4proto);
	set_comment(&b, r->why);
	if (b.failed) {
		nftnl_rule_free(b.rule);
		return NULL;
	}
	return b.rule;
}
