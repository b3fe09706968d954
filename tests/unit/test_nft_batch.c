/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The netlink batch, parsed back without a kernel: one transaction that
 * adopts the table and refills it, never deleting it; sets replaced, never
 * refilled in place; set elements laid out as nft lays out concatenations
 * and intervals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/expr.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <string.h>

#include "nft_batch.h"
#include "nft_rule.h"

static const struct fx_table_copy persistent[] = { { FX_TABLE, FX_TABLE_F_OWNER | FX_TABLE_F_PERSIST } };
static const struct fx_table_copy plain[] = { { FX_TABLE, 0 } };
/* Kernels with the owner flag but without persist. */
static const struct fx_table_copy owned_and_unowned[] = { { FX_TABLE, 0 },
							  { FX_TABLE_OWNED, FX_TABLE_F_OWNER } };

struct fixture {
	struct fx_guard guard;
	struct fx_ruleset rs;
	struct fx_batch batch;
};

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));
	struct fx_policy_input in = { .state = FX_STATE_CONNECTED, .guard = &f->guard };
	struct fx_err err;

	fx_settings_default(&in.settings);
	fx_guard_set(&f->guard, "tunnel", "wg0", &err);
	fx_guard_set(&f->guard, "endpoint", "198.51.100.10:51820", &err);
	fx_guard_set(&f->guard, "fwmark", "51820", &err);
	assert_int_equal(fx_policy_compile(&in, &f->rs), 0);
	assert_int_equal(fx_batch_build(&f->batch, &f->rs, persistent, 1, true, 100), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fx_batch_free(&f->batch);
	test_free(f);
	return 0;
}

/* Calls fn on every message between batch begin and end; returns their count. */
static size_t each_msg(const struct fx_batch *b, void (*fn)(const struct nlmsghdr *, void *), void *data)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)b->buf;
	int len = (int)b->len;
	size_t n = 0;

	assert_int_equal(nlh->nlmsg_type, NFNL_MSG_BATCH_BEGIN);
	for (nlh = mnl_nlmsg_next(nlh, &len); mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_type == NFNL_MSG_BATCH_END) {
			assert_int_equal(len, (int)NLMSG_ALIGN(nlh->nlmsg_len));
			return n;
		}
		assert_int_equal(NFNL_SUBSYS_ID(nlh->nlmsg_type), NFNL_SUBSYS_NFTABLES);
		assert_true(nlh->nlmsg_flags & NLM_F_ACK);
		n++;
		if (fn)
			fn(nlh, data);
	}
	fail_msg("batch has no end message");
	return n;
}

struct census {
	uint16_t types[256];
	size_t n;
	size_t rules;
	size_t first_newrule, flush_rules;
	uint32_t table_flags;
	bool flagless_create; /* a NEWTABLE without a flags attribute */
	uint16_t families[256];
	char tables[256][16]; /* the table each message names */
	char sets[256][32];   /* the set a set or element message names */
	uint32_t flags_of[2]; /* NEWTABLE flags of inet FX_TABLE, inet FX_TABLE_OWNED */
};

/* Every nf_tables message names its table in attribute 1; set and element
 * messages name their set in attribute 2 (NFTA_SET_NAME, NFTA_SET_ELEM_LIST_SET). */
static void attr_string(const struct nlmsghdr *nlh, uint16_t type, char *out, size_t size)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(attr) == type) {
			snprintf(out, size, "%s", mnl_attr_get_str(attr));
			return;
		}
	}
	out[0] = 0;
}

static bool is_set_msg(uint16_t type)
{
	return type == NFT_MSG_NEWSET || type == NFT_MSG_DELSET || type == NFT_MSG_NEWSETELEM ||
	       type == NFT_MSG_DELSETELEM;
}

static void count(const struct nlmsghdr *nlh, void *data)
{
	struct census *c = data;
	uint16_t type = NFNL_MSG_TYPE(nlh->nlmsg_type);

	if (c->n < 256) {
		c->types[c->n] = type;
		c->families[c->n] = ((const struct nfgenmsg *)mnl_nlmsg_get_payload(nlh))->nfgen_family;
		attr_string(nlh, 1, c->tables[c->n], sizeof(c->tables[c->n]));
		if (is_set_msg(type))
			attr_string(nlh, 2, c->sets[c->n], sizeof(c->sets[c->n]));
	}
	if (type == NFT_MSG_NEWTABLE) {
		struct nftnl_table *t = nftnl_table_alloc();

		assert_int_equal(nftnl_table_nlmsg_parse(nlh, t), 0);
		if (nftnl_table_is_set(t, NFTNL_TABLE_FLAGS)) {
			c->table_flags = nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS);
			c->flags_of[strcmp(nftnl_table_get_str(t, NFTNL_TABLE_NAME), FX_TABLE) != 0] =
				c->table_flags;
		} else
			c->flagless_create = true;
		nftnl_table_free(t);
	}
	if (type == NFT_MSG_NEWRULE && !c->rules++)
		c->first_newrule = c->n;
	if (type == NFT_MSG_DELRULE)
		c->flush_rules = c->n;
	c->n++;
}

static void one_transaction_adopts_and_refills(void **state)
{
	struct fixture *f = *state;
	struct census c = { 0 };

	assert_int_equal(each_msg(&f->batch, count, &c), f->batch.n_msgs);
	assert_int_equal(c.types[0], NFT_MSG_NEWTABLE);
	assert_int_equal(c.table_flags, FX_TABLE_F_OWNER | FX_TABLE_F_PERSIST);
	assert_int_equal(c.rules, f->rs.n_rules);
	assert_true(c.flush_rules < c.first_newrule);
	/* No table or chain is deleted: no gap, nothing for a monitor to see go. */
	for (size_t i = 0; i < c.n; i++) {
		assert_int_not_equal(c.types[i], NFT_MSG_DELTABLE);
		assert_int_not_equal(c.types[i], NFT_MSG_DELCHAIN);
	}
}

/* Where the set's own messages are, in a census of the batch. */
struct set_story {
	size_t n_del, last_del, last_new, first_elems, n_elems, n_flush;
};

static struct set_story set_story(const struct census *c, uint32_t family, const char *set)
{
	struct set_story st = { .first_elems = SIZE_MAX };

	for (size_t i = 0; i < c->n && i < 256; i++) {
		if (c->families[i] != family || strcmp(c->sets[i], set) != 0)
			continue;
		switch (c->types[i]) {
		case NFT_MSG_DELSET:
			st.n_del++;
			st.last_del = i;
			break;
		case NFT_MSG_NEWSET:
			st.last_new = i;
			break;
		case NFT_MSG_NEWSETELEM:
			st.n_elems++;
			if (st.first_elems == SIZE_MAX)
				st.first_elems = i;
			break;
		case NFT_MSG_DELSETELEM:
			st.n_flush++;
			break;
		}
	}
	return st;
}

/*
 * A set is never flushed and refilled while rules look it up (a lookup in
 * an interval set being refilled matched an address in neither contents on
 * Debian's 6.12): each is deleted once the rules that use it are, created
 * anew, and filled before the new rules refer to it.
 */
static void sets_are_replaced_not_refilled(void **state)
{
	struct fixture *f = *state;
	struct fx_policy_input in = { .state = FX_STATE_BLOCKED, .guard = &f->guard };
	struct fx_batch b;
	struct census c = { 0 };

	fx_settings_default(&in.settings);
	assert_int_equal(fx_guard_set(&f->guard, "address", "10.66.0.2/32", NULL), 0);
	assert_int_equal(fx_policy_compile(&in, &f->rs), 0);
	assert_int_equal(fx_batch_build(&b, &f->rs, plain, 1, true, 1), 0);
	assert_int_equal(each_msg(&b, count, &c), b.n_msgs);
	assert_true(c.n < 256);
	for (size_t i = 0; i < c.n; i++)
		assert_int_not_equal(c.types[i], NFT_MSG_DELSETELEM);
	for (enum fx_set_id id = 0; id < FX_SET_COUNT; id++) {
		struct set_story st;

		if (fx_set_in_split_table(id))
			continue; /* its own table, only with exclusions: below */
		st = set_story(&c, fx_nft_set_family(id), fx_set_name(id));
		assert_int_equal(st.n_flush, 0);
		assert_int_equal(st.n_del, 1);
		assert_true(c.flush_rules < st.last_del);
		assert_true(st.last_del < st.last_new);
		assert_int_equal(st.n_elems > 0, f->rs.sets[id].n > 0);
		if (st.n_elems)
			assert_true(st.last_new < st.first_elems && st.first_elems < c.first_newrule);
	}
	fx_batch_free(&b);
}

/* Both tables go in one transaction, each created first without flags (a
 * no-op where it exists), so a missing one cannot fail the delete. */
static void disconnected_deletes_both_tables(void **state)
{
	struct fx_ruleset none = { .present = false };
	struct fx_batch b;
	struct census c = { 0 };

	(void)state;
	assert_int_equal(fx_batch_build(&b, &none, plain, 1, true, 1), 0);
	assert_int_equal(each_msg(&b, count, &c), 4);
	assert_int_equal(c.types[0], NFT_MSG_NEWTABLE);
	assert_int_equal(c.types[1], NFT_MSG_DELTABLE);
	assert_int_equal(c.families[0], NFPROTO_INET);
	assert_int_equal(c.families[1], NFPROTO_INET);
	assert_int_equal(c.types[2], NFT_MSG_NEWTABLE);
	assert_int_equal(c.types[3], NFT_MSG_DELTABLE);
	assert_int_equal(c.families[2], NFPROTO_ARP);
	assert_int_equal(c.families[3], NFPROTO_ARP);
	assert_true(c.flagless_create);
	assert_int_equal(c.table_flags, 0);
	fx_batch_free(&b);
}

/*
 * Where the kernel has no persist flag: two copies of the policy in one
 * transaction, message for message the same but for the table they name;
 * the owned copy carries the owner flag, the other none, so that whichever
 * survives (a flush by another process, fexynd's death) blocks alone.
 */
static void two_copies_carry_the_same_policy(void **state)
{
	struct fixture *f = *state;
	struct fx_ruleset none = { .present = false };
	struct fx_batch b;
	struct census c = { 0 };
	size_t n, half;

	assert_int_equal(fx_batch_build(&b, &f->rs, owned_and_unowned, 2, true, 1), 0);
	n = each_msg(&b, count, &c);
	assert_int_equal(n % 2, 0);
	half = n / 2;
	for (size_t i = 0; i < half; i++) {
		assert_string_equal(c.tables[i], FX_TABLE);
		assert_string_equal(c.tables[half + i], FX_TABLE_OWNED);
		assert_int_equal(c.types[i], c.types[half + i]);
		assert_int_equal(c.families[i], c.families[half + i]);
	}
	assert_int_equal(c.rules, 2 * f->rs.n_rules);
	assert_int_equal(c.flags_of[0], 0);
	assert_int_equal(c.flags_of[1], FX_TABLE_F_OWNER);
	fx_batch_free(&b);

	/* Disconnected: both copies go in the same transaction. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(fx_batch_build(&b, &none, owned_and_unowned, 2, true, 1), 0);
	assert_int_equal(each_msg(&b, count, &c), 8);
	assert_string_equal(c.tables[1], FX_TABLE);
	assert_int_equal(c.types[1], NFT_MSG_DELTABLE);
	assert_string_equal(c.tables[5], FX_TABLE_OWNED);
	assert_int_equal(c.types[5], NFT_MSG_DELTABLE);
	fx_batch_free(&b);
}

/* A kernel without nftables' arp family gets the rest of the policy: a
 * batch it refused whole would leave no table at all. */
static void without_the_arp_family_the_rest_is_there(void **state)
{
	struct fixture *f = *state;
	struct fx_policy_input in = { .state = FX_STATE_CONNECTED, .guard = &f->guard };
	struct fx_batch b;
	struct census c = { 0 };
	size_t arp_msgs = 0;

	fx_settings_default(&in.settings);
	assert_int_equal(fx_guard_set(&f->guard, "address", "10.66.0.2/32", NULL), 0);
	assert_int_equal(fx_policy_compile(&in, &f->rs), 0);
	assert_int_equal(fx_batch_build(&b, &f->rs, plain, 1, false, 1), 0);
	each_msg(&b, count, &c);
	for (size_t i = 0; i < c.n; i++)
		arp_msgs += c.families[i] == NFPROTO_ARP;
	assert_int_equal(arp_msgs, 0);
	assert_int_equal(c.types[0], NFT_MSG_NEWTABLE);
	assert_true(c.rules > 0);
	fx_batch_free(&b);
	assert_int_equal(fx_batch_build(&b, &f->rs, plain, 1, true, 1), 0);
	memset(&c, 0, sizeof(c));
	each_msg(&b, count, &c);
	for (size_t i = 0; i < c.n; i++)
		arp_msgs += c.families[i] == NFPROTO_ARP;
	assert_true(arp_msgs > 0);
	fx_batch_free(&b);
}

/*
 * Set elements, read with libmnl: libnftnl 1.2.4 numbers the elements it
 * builds 1, 2, 3... but its own parser accepts only type 1, so it cannot
 * read back a message with several. The kernel takes any number.
 */
struct elem {
	uint8_t key[24];
	uint16_t key_len;
	uint32_t flags;
};

struct elems {
	const char *set;
	struct elem list[64];
	size_t n;
	bool found;
};

static void parse_elem(const struct nlattr *nest, struct elem *e)
{
	const struct nlattr *attr, *inner;

	memset(e, 0, sizeof(*e));
	mnl_attr_for_each_nested(attr, nest) {
		if (mnl_attr_get_type(attr) == NFTA_SET_ELEM_FLAGS)
			e->flags = ntohl(mnl_attr_get_u32(attr));
		if (mnl_attr_get_type(attr) != NFTA_SET_ELEM_KEY)
			continue;
		mnl_attr_for_each_nested(inner, attr) {
			if (mnl_attr_get_type(inner) != NFTA_DATA_VALUE)
				continue;
			e->key_len = mnl_attr_get_payload_len(inner);
			assert_true(e->key_len <= sizeof(e->key));
			memcpy(e->key, mnl_attr_get_payload(inner), e->key_len);
		}
	}
}

static void grab_elems(const struct nlmsghdr *nlh, void *data)
{
	struct elems *e = data;
	const struct nlattr *attr, *elem;
	bool ours = false;

	if (NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_NEWSETELEM)
		return;
	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(attr) == NFTA_SET_ELEM_LIST_SET)
			ours = strcmp(mnl_attr_get_str(attr), e->set) == 0;
		if (mnl_attr_get_type(attr) != NFTA_SET_ELEM_LIST_ELEMENTS || !ours)
			continue;
		e->found = true;
		mnl_attr_for_each_nested(elem, attr) {
			assert_true(e->n < 64);
			parse_elem(elem, &e->list[e->n++]);
		}
	}
}

static void endpoint_key_is_addr_proto_port(void **state)
{
	struct fixture *f = *state;
	struct elems e = { .set = "endpoints4" };
	uint16_t port;

	each_msg(&f->batch, grab_elems, &e);
	assert_true(e.found);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.list[0].key_len, 12);
	assert_memory_equal(e.list[0].key, "\xc6\x33\x64\x0a", 4); /* 198.51.100.10 */
	assert_int_equal(e.list[0].key[4], IPPROTO_UDP);
	memcpy(&port, e.list[0].key + 8, 2);
	assert_int_equal(ntohs(port), 51820);
}

static void lan_intervals_end_after_the_prefix(void **state)
{
	struct fixture *f = *state;
	struct elems e = { .set = "lan4" };
	bool saw_10_end = false;

	each_msg(&f->batch, grab_elems, &e);
	assert_true(e.found);
	for (size_t i = 0; i < e.n; i++) {
		assert_int_equal(e.list[i].key_len, 4);
		if ((e.list[i].flags & NFT_SET_ELEM_INTERVAL_END) &&
		    memcmp(e.list[i].key, "\x0b\x00\x00\x00", 4) == 0)
			saw_10_end = true; /* 10.0.0.0/8 ends before 11.0.0.0 */
	}
	/* Every prefix has a start and an end, but 255.255.255.255/32 ends at the top. */
	assert_int_equal(e.n, f->rs.sets[FX_SET_LAN4].n * 2 - 1);
	assert_true(saw_10_end);
}

struct mark_search {
	int rules_with_mark;
};

static int find_mark_cmp(struct nftnl_expr *e, void *data)
{
	struct mark_search *m = data;
	uint32_t len;
	const void *cmp;

	if (strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "cmp") != 0)
		return 0;
	cmp = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);
	if (len == 4 && *(const uint32_t *)cmp == 51820)
		m->rules_with_mark++;
	return 0;
}

static void scan_rule(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_rule *r;

	if (NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_NEWRULE)
		return;
	r = nftnl_rule_alloc();
	assert_int_equal(nftnl_rule_nlmsg_parse(nlh, r), 0);
	assert_string_equal(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), "fexyn");
	nftnl_expr_foreach(r, find_mark_cmp, data);
	nftnl_rule_free(r);
}

static void carve_out_checks_the_mark(void **state)
{
	struct fixture *f = *state;
	struct mark_search m = { 0 };

	each_msg(&f->batch, scan_rule, &m);
	/* Once where the packet is sent (output), once where it leaves (postrouting). */
	assert_int_equal(m.rules_with_mark, 2);
}

/* The policy with one program excluded (cgroup id 4242), built for kernels with persist. */
static void build_excluding(struct fixture *f, struct fx_batch *b, bool drop_split, bool excluding)
{
	static const uint64_t id = 4242;
	struct fx_policy_input in = { .state = FX_STATE_CONNECTED, .guard = &f->guard, .excluded = &id,
				      .n_excluded = excluding };

	fx_settings_default(&in.settings);
	assert_int_equal(fx_policy_compile(&in, &f->rs), 0);
	assert_int_equal(f->rs.split, excluding);
	assert_int_equal(fx_batch_build_split(b, &f->rs, persistent, 1, true, drop_split, 1), 0);
}

struct split_census {
	size_t msgs, chains, rules, after_copy; /* messages naming fexyn_split; of them, not last */
	bool seen_other_after;
	char types[3][16];
	uint32_t hooks[3];
	int32_t prios[3];
	uint32_t key_type, key_len, flags;
	uint64_t elem;
};

static void split_set(const struct nlmsghdr *nlh, uint16_t type, struct split_census *c)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (type == NFT_MSG_NEWSETELEM) {
		struct nftnl_set_elems_iter *it;
		struct nftnl_set_elem *e;
		uint32_t len;

		assert_int_equal(nftnl_set_elems_nlmsg_parse(nlh, s), 0);
		it = nftnl_set_elems_iter_create(s);
		e = nftnl_set_elems_iter_next(it);
		memcpy(&c->elem, nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len), sizeof(c->elem));
		assert_int_equal(len, 8);
		nftnl_set_elems_iter_destroy(it);
	} else if (type == NFT_MSG_NEWSET) {
		assert_int_equal(nftnl_set_nlmsg_parse(nlh, s), 0);
		c->key_type = nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE);
		c->key_len = nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN);
	}
	nftnl_set_free(s);
}

static void split_msg(const struct nlmsghdr *nlh, void *data)
{
	struct split_census *c = data;
	uint16_t type = NFNL_MSG_TYPE(nlh->nlmsg_type);
	char table[32];

	attr_string(nlh, 1, table, sizeof(table));
	if (strcmp(table, FX_TABLE_SPLIT) != 0) {
		c->seen_other_after |= c->msgs > 0;
		return;
	}
	c->msgs++;
	if (type == NFT_MSG_NEWTABLE) {
		struct nftnl_table *t = nftnl_table_alloc();

		assert_int_equal(nftnl_table_nlmsg_parse(nlh, t), 0);
		c->flags = nftnl_table_is_set(t, NFTNL_TABLE_FLAGS) ? nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS)
								     : 0xffffffffu;
		nftnl_table_free(t);
	} else if (type == NFT_MSG_NEWCHAIN && c->chains < 3) {
		struct nftnl_chain *ch = nftnl_chain_alloc();

		assert_int_equal(nftnl_chain_nlmsg_parse(nlh, ch), 0);
		snprintf(c->types[c->chains], sizeof(c->types[0]), "%s", nftnl_chain_get_str(ch, NFTNL_CHAIN_TYPE));
		c->hooks[c->chains] = nftnl_chain_get_u32(ch, NFTNL_CHAIN_HOOKNUM);
		c->prios[c->chains] = nftnl_chain_get_s32(ch, NFTNL_CHAIN_PRIO);
		assert_int_equal(nftnl_chain_get_u32(ch, NFTNL_CHAIN_POLICY), NF_ACCEPT);
		c->chains++;
		nftnl_chain_free(ch);
	} else if (type == NFT_MSG_NEWRULE) {
		c->rules++;
	} else {
		split_set(nlh, type, c);
	}
}

static size_t split_rules(const struct fx_ruleset *rs)
{
	size_t n = 0;

	for (size_t i = 0; i < rs->n_rules; i++)
		n += fx_chain_in_split_table(rs->rules[i].chain);
	return n;
}

/*
 * With a program excluded, table inet fexyn_split comes after the copies,
 * with the copy's flags: a route chain on output before the filter, a
 * filter on prerouting, nat on postrouting, all policy accept; its set
 * holds the cgroup ids as nft's cgroupsv2 type, 8 bytes in host order.
 */
static void the_split_table_comes_with_an_exclusion(void **state)
{
	struct fixture *f = *state;
	struct split_census c = { 0 };
	struct fx_batch b;

	build_excluding(f, &b, false, true);
	each_msg(&b, split_msg, &c);
	assert_true(c.msgs > 0);
	assert_false(c.seen_other_after);
	assert_int_equal(c.flags, FX_TABLE_F_OWNER | FX_TABLE_F_PERSIST);
	assert_int_equal(c.chains, 3);
	assert_string_equal(c.types[0], "route");
	assert_int_equal(c.hooks[0], NF_INET_LOCAL_OUT);
	assert_int_equal(c.prios[0], -150);
	assert_string_equal(c.types[1], "filter");
	assert_int_equal(c.hooks[1], NF_INET_PRE_ROUTING);
	assert_string_equal(c.types[2], "nat");
	assert_int_equal(c.hooks[2], NF_INET_POST_ROUTING);
	assert_int_equal(c.prios[2], 100);
	assert_int_equal(c.key_type, 46);
	assert_int_equal(c.key_len, 8);
	assert_int_equal(c.elem, 4242);
	assert_int_equal(c.rules, split_rules(&f->rs));
	assert_true(c.rules > 0);
	fx_batch_free(&b);
}

/* Without exclusions the table is deleted (created first, so that a missing
 * one cannot fail the batch) only when it may be there; else not named. */
static void without_exclusions_the_split_table_goes(void **state)
{
	struct fixture *f = *state;
	struct census c = { 0 };
	struct split_census sc = { 0 };
	struct fx_batch b;

	build_excluding(f, &b, true, false);
	each_msg(&b, count, &c);
	assert_string_equal(c.tables[c.n - 2], FX_TABLE_SPLIT);
	assert_int_equal(c.types[c.n - 2], NFT_MSG_NEWTABLE);
	assert_string_equal(c.tables[c.n - 1], FX_TABLE_SPLIT);
	assert_int_equal(c.types[c.n - 1], NFT_MSG_DELTABLE);
	fx_batch_free(&b);
	build_excluding(f, &b, false, false);
	each_msg(&b, split_msg, &sc);
	assert_int_equal(sc.msgs, 0);
	fx_batch_free(&b);
}

/* What the split rules are made of: the socket's cgroup two levels down
 * looked up in the set, the marks set, masquerade. */
struct split_exprs {
	size_t socket_cgroup2, lookups, meta_set, ct_set, masq;
};

static int split_expr(struct nftnl_expr *e, void *data)
{
	struct split_exprs *x = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (strcmp(name, "socket") == 0 && nftnl_expr_get_u32(e, NFTNL_EXPR_SOCKET_KEY) == NFT_SOCKET_CGROUPV2 &&
	    nftnl_expr_get_u32(e, NFTNL_EXPR_SOCKET_LEVEL) == 2)
		x->socket_cgroup2++;
	if (strcmp(name, "lookup") == 0 && strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET), "excluded") == 0)
		x->lookups++;
	if (strcmp(name, "meta") == 0 && nftnl_expr_is_set(e, NFTNL_EXPR_META_SREG))
		x->meta_set++;
	if (strcmp(name, "ct") == 0 && nftnl_expr_is_set(e, NFTNL_EXPR_CT_SREG))
		x->ct_set++;
	x->masq += strcmp(name, "masq") == 0;
	return 0;
}

static void split_rules_are_built_as_meant(void **state)
{
	struct fixture *f = *state;
	struct split_exprs x = { 0 };
	struct fx_batch b;

	build_excluding(f, &b, false, true);
	for (size_t i = 0; i < f->rs.n_rules; i++) {
		struct nftnl_rule *r;

		if (!fx_chain_in_split_table(f->rs.rules[i].chain))
			continue;
		r = fx_nft_rule_build(&f->rs.rules[i], FX_TABLE_SPLIT);
		assert_non_null(r);
		nftnl_expr_foreach(r, split_expr, &x);
		nftnl_rule_free(r);
	}
	/* New connections and marked ones: two rules mark by socket; the
	 * replies get the packet mark alone. */
	assert_int_equal(x.socket_cgroup2, 2);
	assert_int_equal(x.lookups, 2);
	assert_int_equal(x.meta_set, 3);
	assert_int_equal(x.ct_set, 2);
	assert_int_equal(x.masq, 1);
	fx_batch_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(one_transaction_adopts_and_refills),
		T(sets_are_replaced_not_refilled),
		T(disconnected_deletes_both_tables),
		T(without_the_arp_family_the_rest_is_there),
		T(two_copies_carry_the_same_policy),
		T(endpoint_key_is_addr_proto_port),
		T(lan_intervals_end_after_the_prefix),
		T(carve_out_checks_the_mark),
		T(the_split_table_comes_with_an_exclusion),
		T(without_exclusions_the_split_table_goes),
		T(split_rules_are_built_as_meant),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
