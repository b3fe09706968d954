/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "policy_eval.h"

#include <linux/netfilter.h>
#include <string.h>

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
		} else if (fx_set_is_interval(id)) {
			if (fx_range_contains(&s->ranges[i], a))
				return true;
		} else if (fx_addr_equal(&s->addrs[i], a)) {
			return true;
		}
	}
	return false;
}

static bool id_match(const struct fx_ruleset *rs, uint64_t id)
{
	const struct fx_set *s = &rs->sets[FX_SET_EXCLUDED];

	for (size_t i = 0; id && i < s->n; i++)
		if (s->ids[i] == id)
			return true;
	return false;
}

static bool net_match(const char *net, const struct fx_addr *a)
{
	struct fx_prefix p;
	struct fx_range r;

	if (fx_prefix_parse(net, &p, NULL) < 0)
		return false;
	fx_range_of_prefix(&p, &r);
	return fx_range_contains(&r, a);
}

static bool name_match(const char *want, bool negate, const char *have)
{
	if (!want[0])
		return true;
	return negate != (have && strcmp(want, have) == 0);
}

static bool nd_target_match(const struct fx_ruleset *rs, const struct fx_rule *r,
			    const struct test_pkt *p)
{
	struct fx_addr target;

	if (r->nd_target_set == FX_SET_NONE)
		return true;
	if (!p->nd_target || fx_addr_parse(p->nd_target, &target, NULL) < 0)
		return false;
	return set_match(rs, r->nd_target_set, &target, 0, 0);
}

static bool rule_match(const struct fx_ruleset *rs, const struct fx_rule *r, const struct test_pkt *p,
		       const struct fx_addr *src, const struct fx_addr *dst)
{
	uint8_t nfproto = dst->family == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4;

	if (r->chain != p->chain || (r->nfproto && r->nfproto != nfproto))
		return false;
	if (!name_match(r->iif, r->iif_not, p->iif) || !name_match(r->oif, r->oif_not, p->oif))
		return false;
	if (!nd_target_match(rs, r, p))
		return false;
	if ((r->match_mark && r->mark != p->mark) || (r->ct_established && !p->established))
		return false;
	if ((r->ct_new && !p->new_conn) || (r->match_ct_mark && r->ct_mark != p->ct_mark))
		return false;
	if (r->socket_excluded && !id_match(rs, p->cgroup))
		return false;
	if ((r->l4proto && r->l4proto != p->l4proto) || (r->sport && r->sport != p->sport) ||
	    (r->dport && r->dport != p->dport))
		return false;
	if (r->match_icmp_type && (p->icmp_type < r->icmp_lo || p->icmp_type > r->icmp_hi))
		return false;
	if (r->hop_limit_255 && p->hop_limit != 255)
		return false;
	if ((r->saddr_net && !net_match(r->saddr_net, src)) || (r->daddr_net && !net_match(r->daddr_net, dst)))
		return false;
	if (r->saddr_set != FX_SET_NONE && !set_match(rs, r->saddr_set, src, p->l4proto, p->sport))
		return false;
	if (r->daddr_set != FX_SET_NONE && !set_match(rs, r->daddr_set, dst, p->l4proto, p->dport))
		return false;
	return true;
}

enum fx_verdict test_eval_rule(const struct fx_ruleset *rs, const struct test_pkt *p, int *rule)
{
	struct fx_addr src, dst;

	*rule = -1;
	if (fx_chain_in_split_table(p->chain) ? !rs->split : !rs->present)
		return FX_ACCEPT;
	if (fx_addr_parse(p->saddr, &src, NULL) < 0 || fx_addr_parse(p->daddr, &dst, NULL) < 0)
		return FX_DROP;
	for (size_t i = 0; i < rs->n_rules; i++) {
		if (rule_match(rs, &rs->rules[i], p, &src, &dst)) {
			*rule = (int)i;
			return rs->rules[i].verdict;
		}
	}
	/* the chain's policy */
	return fx_chain_in_arp_table(p->chain) || fx_chain_in_split_table(p->chain) ? FX_ACCEPT : FX_DROP;
}

/* The mark chain: FX_MARK rules mark and go on, the first other verdict ends it. */
static void eval_marks(const struct fx_ruleset *rs, struct test_pkt *q)
{
	struct fx_addr src, dst;

	if (!rs->split || fx_addr_parse(q->saddr, &src, NULL) < 0 || fx_addr_parse(q->daddr, &dst, NULL) < 0)
		return;
	q->chain = FX_CHAIN_SPLIT_MARK;
	for (size_t i = 0; i < rs->n_rules; i++) {
		const struct fx_rule *r = &rs->rules[i];

		if (!rule_match(rs, r, q, &src, &dst))
			continue;
		if (r->verdict != FX_MARK)
			return;
		q->mark = r->set_mark;
		if (r->set_ct_mark)
			q->ct_mark = r->set_ct_mark;
	}
}

enum fx_verdict test_eval_out(const struct fx_ruleset *rs, const struct test_pkt *p, uint32_t *mark,
			      uint32_t *ct_mark)
{
	struct test_pkt q = *p;
	enum fx_verdict v;

	eval_marks(rs, &q);
	*mark = q.mark;
	*ct_mark = q.ct_mark;
	q.chain = FX_CHAIN_OUTPUT;
	v = test_eval(rs, &q);
	if (v != FX_ACCEPT)
		return v;
	q.chain = FX_CHAIN_POSTROUTING;
	return test_eval(rs, &q);
}

enum fx_verdict test_eval(const struct fx_ruleset *rs, const struct test_pkt *p)
{
	int rule;

	return test_eval_rule(rs, p, &rule);
}
