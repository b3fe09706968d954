/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * A packet walked through a compiled ruleset the way nf_tables walks it:
 * rules in order, first verdict wins, else the chain policy (drop). Lets the
 * tests say "this packet is allowed in this state" without a kernel.
 */
#include "policy.h"

struct test_pkt {
	enum fx_chain chain;
	const char *iif, *oif;
	uint32_t mark;
	uint8_t l4proto;
	uint16_t sport, dport;
	uint8_t icmp_type;
	uint8_t hop_limit;         /* IPv6; 0 in tests that do not care */
	bool established;
	bool new_conn;             /* ct state new */
	uint32_t ct_mark;
	uint64_t cgroup;           /* the socket's cgroup two levels down; 0: no socket */
	const char *saddr, *daddr; /* family follows the address; in ARP: sender, target */
	const char *nd_target;     /* of a neighbour solicitation or advert */
};

/* FX_ACCEPT, FX_DROP or FX_REJECT; a missing table accepts everything. */
enum fx_verdict test_eval(const struct fx_ruleset *rs, const struct test_pkt *p);

/* The same, and the index in rs->rules of the rule that decided, or -1
 * when none did (the chain's policy, or no table). An FX_MARK rule
 * decides here like any other. */
enum fx_verdict test_eval_rule(const struct fx_ruleset *rs, const struct test_pkt *p, int *rule);

/*
 * A packet this host sends, through the hooks it meets in order: the
 * split table's mark chain (which may mark it and go on), then output and
 * postrouting with those marks. p->chain is not read; p->oif is where
 * routing sends the packet once marked (the caller says: routing is not
 * modelled). The first verdict that is not accept, else FX_ACCEPT; *mark
 * and *ct_mark get the marks it left with.
 */
enum fx_verdict test_eval_out(const struct fx_ruleset *rs, const struct test_pkt *p, uint32_t *mark,
			      uint32_t *ct_mark);
