/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy-doc: docs/security.md's per-state allow-list, written from the
 * policy compiler itself, so the document cannot drift from the code. It
 * compiles the policy of every state for one example tunnel and prints
 * each chain's rules in nft's words, with the reason each rule carries.
 *
 *   policy-doc            the generated section, on stdout
 *
 * scripts/gen-docs.sh puts it into docs/security.md; tests/doc/ checks
 * that the two agree.
 */
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

/* The example every section is compiled for. */
static const char *const example_guard[][2] = {
	{ "tunnel", "wg0" },		{ "endpoint", "198.51.100.10:51820" },
	{ "fwmark", "51820" },		{ "dns", "10.66.0.1" },
	{ "address", "10.66.0.2/32" },	{ "address", "fd66::2/128" },
	{ "route", "10.200.0.0/16" },
};

struct text {
	char buf[512];
	size_t len;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->len >= sizeof(t->buf))
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n;
}

static const char *family_word(enum fx_set_id set)
{
	return fx_set_family(set) == AF_INET6 ? "ip6" : "ip";
}

static void put_set_match(struct text *t, enum fx_set_id set, bool dst, bool arp)
{
	if (arp)
		put(t, "arp %s ip @%s ", dst ? "daddr" : "saddr", fx_set_name(set));
	else if (fx_set_is_endpoints(set))
		put(t, "%s %s . l4proto . %s @%s ", family_word(set), dst ? "daddr" : "saddr",
		    dst ? "dport" : "sport", fx_set_name(set));
	else
		put(t, "%s %s @%s ", family_word(set), dst ? "daddr" : "saddr", fx_set_name(set));
}

static const char *proto_word(uint8_t p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" : p == IPPROTO_ICMP ? "icmp" : "icmpv6";
}

static void put_verdict(struct text *t, const struct fx_rule *r)
{
	switch (r->verdict) {
	case FX_ACCEPT:
		put(t, "accept");
		break;
	case FX_DROP:
		put(t, "drop");
		break;
	case FX_REJECT:
		put(t, "%s", r->l4proto == IPPROTO_TCP ? "reject with tcp reset"
						       : "reject with icmpx admin-prohibited");
		break;
	case FX_MARK:
		put(t, "meta mark set %u", r->set_mark);
		if (r->set_ct_mark)
			put(t, " ct mark set 0x%x", r->set_ct_mark);
		break;
	case FX_MASQUERADE:
		put(t, "masquerade");
		break;
	}
}

/* One rule in nft's words (the same words `fexyn rules` shows). */
static void describe(const struct fx_rule *r, struct text *t)
{
	bool arp = fx_chain_in_arp_table(r->chain);

	t->len = 0;
	t->buf[0] = '\0';
	if (r->nfproto && r->saddr_set == FX_SET_NONE && r->daddr_set == FX_SET_NONE &&
	    !r->saddr_net && !r->daddr_net && r->nd_target_set == FX_SET_NONE &&
	    r->l4proto != IPPROTO_ICMPV6)
		put(t, "meta nfproto %s ", r->nfproto == NFPROTO_IPV6 ? "ipv6" : "ipv4");
	if (r->iif[0])
		put(t, "iifname %s\"%s\" ", r->iif_not ? "!= " : "", r->iif);
	if (r->oif[0])
		put(t, "oifname %s\"%s\" ", r->oif_not ? "!= " : "", r->oif);
	if (r->match_mark)
		put(t, "meta mark %u ", r->mark);
	if (r->ct_established)
		put(t, "ct state established,related ");
	if (r->ct_new)
		put(t, "ct state new ");
	if (r->match_ct_mark)
		put(t, "ct mark 0x%x ", r->ct_mark);
	if (r->socket_excluded)
		put(t, "socket cgroupv2 level 2 @%s ", fx_set_name(FX_SET_EXCLUDED));
	if (r->l4proto && !r->sport && !r->dport && !r->match_icmp_type)
		put(t, "meta l4proto %s ", proto_word(r->l4proto));
	if (r->sport)
		put(t, "%s sport %u ", proto_word(r->l4proto), r->sport);
	if (r->dport)
		put(t, "%s dport %u ", proto_word(r->l4proto), r->dport);
	if (r->match_icmp_type && r->icmp_lo == r->icmp_hi)
		put(t, "%s type %u ", proto_word(r->l4proto), r->icmp_lo);
	else if (r->match_icmp_type)
		put(t, "%s type %u-%u ", proto_word(r->l4proto), r->icmp_lo, r->icmp_hi);
	if (r->nd_target_set != FX_SET_NONE)
		put(t, "nd target @%s ", fx_set_name(r->nd_target_set));
	if (r->hop_limit_255)
		put(t, "ip6 hoplimit 255 ");
	if (r->saddr_net)
		put(t, "%s saddr %s ", strchr(r->saddr_net, ':') ? "ip6" : "ip", r->saddr_net);
	if (r->daddr_net)
		put(t, "%s daddr %s ", strchr(r->daddr_net, ':') ? "ip6" : "ip", r->daddr_net);
	if (r->saddr_set != FX_SET_NONE)
		put_set_match(t, r->saddr_set, false, arp);
	if (r->daddr_set != FX_SET_NONE)
		put_set_match(t, r->daddr_set, true, arp);
	put_verdict(t, r);
}

static void put_addr(const struct fx_addr *a)
{
	char text[INET6_ADDRSTRLEN];

	fx_addr_format(a, text, sizeof(text));
	fputs(text, stdout);
}

/* A range as the prefix it is, where it is one; else as lo-hi. */
static void put_range(const struct fx_range *r)
{
	struct fx_prefix p = { .addr = r->lo };
	struct fx_range back;

	for (p.len = 0; p.len <= fx_addr_len(&r->lo) * 8; p.len++) {
		fx_range_of_prefix(&p, &back);
		if (fx_addr_equal(&back.lo, &r->lo) && fx_addr_equal(&back.hi, &r->hi)) {
			put_addr(&r->lo);
			if (p.len < fx_addr_len(&r->lo) * 8)
				printf("/%u", p.len);
			return;
		}
	}
	put_addr(&r->lo);
	fputs("-", stdout);
	put_addr(&r->hi);
}

static void print_set_elems(enum fx_set_id id, const struct fx_set *s)
{
	char text[FX_ENDPOINT_STRLEN];

	for (size_t i = 0; i < s->n; i++) {
		fputs(i ? ", " : "", stdout);
		if (id == FX_SET_EXCLUDED) {
			printf("%llu", (unsigned long long)s->ids[i]);
		} else if (fx_set_is_endpoints(id)) {
			fx_endpoint_format(&s->endpoints[i], text, sizeof(text));
			fputs(text, stdout);
		} else if (fx_set_is_interval(id)) {
			put_range(&s->ranges[i]);
		} else {
			put_addr(&s->addrs[i]);
		}
	}
}

/* The table a set or chain is in, as a prefix of its name; inet fexyn's
 * sets go without one. */
static const char *set_table(enum fx_set_id id)
{
	return fx_set_in_arp_table(id) ? "arp " : fx_set_in_split_table(id) ? "inet fexyn_split " : "";
}

static const char *chain_table(enum fx_chain c)
{
	return fx_chain_in_arp_table(c) ? "arp " : fx_chain_in_split_table(c) ? "inet fexyn_split " : "inet ";
}

static void print_sets(const struct fx_ruleset *rs)
{
	printf("Sets:\n\n");
	for (enum fx_set_id id = 0; id < FX_SET_COUNT; id++) {
		if (rs->sets[id].n == 0)
			continue;
		printf("- `%s%s`: ", set_table(id), fx_set_name(id));
		print_set_elems(id, &rs->sets[id]);
		printf("\n");
	}
	printf("\n");
}

static const char *const chain_policy[FX_CHAIN_COUNT] = {
	"drop", "drop", "drop", "drop", "accept", "accept", "accept", "accept", "accept",
};

static void print_chain(const struct fx_ruleset *rs, enum fx_chain c)
{
	size_t count = 0;
	struct text t;

	if (fx_chain_in_split_table(c) && !rs->split)
		return;
	for (size_t i = 0; i < rs->n_rules; i++)
		count += rs->rules[i].chain == c;
	printf("`%s%s` (policy %s)%s\n\n", chain_table(c), fx_chain_name(c), chain_policy[c],
	       count ? ":" : ": no rules.");
	if (!count)
		return;
	printf("| # | rule | why |\n| --- | --- | --- |\n");
	for (size_t i = 0, n = 0; i < rs->n_rules; i++) {
		if (rs->rules[i].chain != c)
			continue;
		describe(&rs->rules[i], &t);
		printf("| %zu | `%s` | %s |\n", ++n, t.buf, rs->rules[i].why);
	}
	printf("\n");
}

static bool rules_equal(const struct fx_ruleset *a, const struct fx_ruleset *b)
{
	struct text ta, tb;

	if (a->present != b->present || a->n_rules != b->n_rules)
		return false;
	for (size_t i = 0; i < a->n_rules; i++) {
		describe(&a->rules[i], &ta);
		describe(&b->rules[i], &tb);
		if (a->rules[i].chain != b->rules[i].chain || strcmp(ta.buf, tb.buf) != 0)
			return false;
	}
	return true;
}

/* The rules a ruleset has that another lacks (what "lan block" takes away). */
static void print_missing(const struct fx_ruleset *from, const struct fx_ruleset *in)
{
	struct text t, u;

	for (size_t i = 0; i < from->n_rules; i++) {
		bool found = false;

		describe(&from->rules[i], &t);
		for (size_t k = 0; k < in->n_rules && !found; k++) {
			describe(&in->rules[k], &u);
			found = in->rules[k].chain == from->rules[i].chain && strcmp(t.buf, u.buf) == 0;
		}
		if (!found)
			printf("- `%s%s`: `%s` (%s)\n", chain_table(from->rules[i].chain),
			       fx_chain_name(from->rules[i].chain), t.buf, from->rules[i].why);
	}
}

struct section {
	const char *title;
	enum fx_state state;
	bool lockdown, killswitch, guard;
	const char *same_as; /* printed instead of the rules when they are identical */
	const char *intro;
	bool exclude; /* one program excluded (split tunnelling) */
};

/* The example exclusion's cgroup id (an inode number of the cgroup2 file system). */
static const uint64_t example_excluded = 4242;

static const struct section sections[] = {
	{ "Disconnected", FX_STATE_DISCONNECTED, false, true, false, NULL,
	  "No tunnel, lockdown off (the default): fexyn has no table; nothing is filtered.", false },
	{ "Disconnected, lockdown on", FX_STATE_DISCONNECTED, true, true, false, NULL,
	  "No tunnel: everything is blocked but loopback, the LAN (if allowed), DHCP and neighbour "
	  "discovery. The same policy `fexynd --boot` installs at boot.", false },
	{ "Connecting", FX_STATE_CONNECTING, false, true, true, NULL,
	  "The firewall is up before the tunnel: only the tunnel's own packets to its endpoint "
	  "(address, protocol, port and fwmark) leave, and only fexynd's echo probes enter the "
	  "tunnel, to start the handshake.", false },
	{ "Reconnecting", FX_STATE_RECONNECTING, false, true, true, "Connecting",
	  "The tunnel was up and is not now (dead server, link gone): as closed as connecting.", false },
	{ "Connected", FX_STATE_CONNECTED, false, true, true, NULL,
	  "Everything through the tunnel; DNS only to the tunnel's resolvers, through it.", false },
	{ "Blocked", FX_STATE_BLOCKED, false, true, true, NULL,
	  "An error (the firewall could not be applied, a damaged state or settings file, a "
	  "tunnel that cannot resume): fail closed, no carve-out for the tunnel at all.", false },
	{ "Kill switch off", FX_STATE_CONNECTED, false, false, true, NULL,
	  "`fexyn killswitch off`: tunnels run without fexyn's table (no protection), in every "
	  "state but blocked. Lockdown cannot be on at the same time.", false },
	{ "Connected, a program excluded", FX_STATE_CONNECTED, false, true, true, NULL,
	  "`fexyn exclude` (split tunnelling): the program runs in a cgroup of its own under "
	  "fexynd's (id 4242 here). Table inet fexyn_split marks what its sockets send, DNS "
	  "aside, with the tunnel's fwmark, so that routing takes it around the tunnel, and nat "
	  "gives it the physical interface's address; table inet fexyn lets out only what carries "
	  "both marks, and lets in the replies by the connection mark. The table is there only "
	  "while some program is excluded, in every state.", true },
};

static int compile(const struct section *s, const struct fx_guard *g, bool allow_lan,
		   struct fx_ruleset *rs)
{
	struct fx_policy_input in = { .state = s->state, .guard = s->guard ? g : NULL,
				      .excluded = &example_excluded, .n_excluded = s->exclude };

	fx_settings_default(&in.settings);
	in.settings.lockdown = s->lockdown;
	in.settings.killswitch = s->killswitch;
	in.settings.allow_lan = allow_lan;
	return fx_policy_compile(&in, rs);
}

static int print_section(const struct section *s, const struct fx_guard *g, struct fx_ruleset *rs,
			 struct fx_ruleset *blocked, struct fx_ruleset *prev)
{
	if (compile(s, g, true, rs) < 0 || compile(s, g, false, blocked) < 0)
		return -1;
	printf("### %s\n\n%s\n\n", s->title, s->intro);
	if (s->same_as && rules_equal(rs, prev)) {
		printf("The rules are exactly those of %s.\n\n", s->same_as);
		return 0;
	}
	if (!rs->present)
		return 0;
	print_sets(rs);
	for (enum fx_chain c = 0; c < FX_CHAIN_COUNT; c++)
		print_chain(rs, c);
	printf("With `fexyn lan block`, these rules are not there:\n\n");
	print_missing(rs, blocked);
	printf("\n");
	return 0;
}

int main(void)
{
	static struct fx_ruleset rs, blocked, prev;
	struct fx_guard g = { 0 };

	for (size_t i = 0; i < sizeof(example_guard) / sizeof(example_guard[0]); i++) {
		if (fx_guard_set(&g, example_guard[i][0], example_guard[i][1], NULL) < 0) {
			fprintf(stderr, "policy-doc: the example guard is wrong: %s\n", example_guard[i][0]);
			return 1;
		}
	}
	printf("Generated by `tools/policy-doc` from the policy compiler (`src/core/policy.c`); "
	       "`scripts/gen-docs.sh` rewrites it, the tests check it. The example tunnel: ");
	for (size_t i = 0; i < sizeof(example_guard) / sizeof(example_guard[0]); i++)
		printf("%s`%s=%s`", i ? ", " : "", example_guard[i][0], example_guard[i][1]);
	printf(". `fexyn rules` shows the live table in the same words.\n\n");
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if (print_section(&sections[i], &g, &rs, &blocked, &prev) < 0) {
			fprintf(stderr, "policy-doc: the policy for %s does not compile\n", sections[i].title);
			return 1;
		}
		prev = rs;
	}
	return 0;
}
