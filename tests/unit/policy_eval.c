/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "policy_eval.h"

#include <linux/netfilter.h>
#include <string.h>

static bool prefix_match(const struct fx_prefix *pf, const struct fx_addr *a)
{
	if (pf->addr.family != a->family)
		return false;
	for (unsigned bit = 0; bit < pf->len; bit++) {
		uint8_t m = (uint8_t)(0x80 >> (bit % 8));

		if ((pf->addr.bytes[bit / 8] & m) != (a->bytes[bit / 8] & m))
			return false;
	}
	return true;
}

static bool set_match(const struct fx_ruleset *rs, enum fx_set_id id, const struct fx_addr *a,
		      uint8_t proto, uint16_t port)
{
	const struct fx_set *s = &rs->sets[id];

	if (fx_set_family(id) != a->family)
		return false;
	for (size_t i = 0; i < s->n; i++) {
		if (fx_set_is_endpoints(id)) {
			const struct fx_endpoint *e = &s->endpoints[i];

			if (fx_addr_equal(&e->addr, a) && e->proto == proto && e->port == port)
				return true;
		} else if (prefix_match(&s->prefixes[i], a)) {
			return true;
		}
	}
	return false;
}

static bool name_match(const char *want, const char *have)
{
	return !want[0] || (have && strcmp(want, have) == 0);
}

static bool rule_match(const struct fx_ruleset *rs, const struct fx_rule *r, const struct test_pkt *p,
		       const struct fx_addr *src, const struct fx_addr *dst)
{
	uint8_t nfproto = dst->family == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4;

	if (r->chain != p->chain || (r->nfproto && r->nfproto != nfproto))
		return false;
	if (!name_match(r->iif, p->iif) || !name_match(r->oif, p->oif))
		return false;
	if ((r->match_mark && r->mark != p->mark) || (r->ct_established && !p->established))
		return false;
	if ((r->l4proto && r->l4proto != p->l4proto) || (r->sport && r->sport != p->sport) ||
	    (r->dport && r->dport != p->dport))
		return false;
	if (r->match_icmp6_type && (p->l4proto != IPPROTO_ICMPV6 || p->icmp6_type < r->icmp6_lo ||
				    p->icmp6_type > r->icmp6_hi))
		return false;
	if (r->saddr_set != FX_SET_NONE && !set_match(rs, r->saddr_set, src, p->l4proto, p->sport))
		return false;
	if (r->daddr_set != FX_SET_NONE && !set_match(rs, r->daddr_set, dst, p->l4proto, p->dport))
		return false;
	return true;
}

enum fx_verdict test_eval(const struct fx_ruleset *rs, const struct test_pkt *p)
{
	struct fx_addr src, dst;

	if (!rs->present)
		return FX_ACCEPT;
	if (fx_addr_parse(p->saddr, &src, NULL) < 0 || fx_addr_parse(p->daddr, &dst, NULL) < 0)
		return FX_DROP;
	for (size_t i = 0; i < rs->n_rules; i++)
		if (rule_match(rs, &rs->rules[i], p, &src, &dst))
			return rs->rules[i].verdict;
	return FX_DROP;
}
