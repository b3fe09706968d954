/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel messages fexynd reads: link events and nftables events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "netlink.h"
#include "nft_monitor.h"
#include "rtnl.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <string.h>

static char buf[8192];

static struct nlmsghdr *link_msg(uint16_t type, unsigned flags, const char *name)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 7;
	ifi->ifi_flags = flags;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1420);
	return nlh;
}

static void link_up_needs_up_and_running(void **state)
{
	struct fx_link l;

	(void)state;
	assert_int_equal(fx_rtnl_parse_link(link_msg(RTM_NEWLINK, IFF_UP | IFF_RUNNING, "wg0"), &l), 0);
	assert_true(l.present);
	assert_true(l.up);
	assert_int_equal(l.ifindex, 7);
	assert_string_equal(l.name, "wg0");
	assert_int_equal(fx_rtnl_parse_link(link_msg(RTM_NEWLINK, IFF_UP, "wg0"), &l), 0);
	assert_true(l.present);
	assert_false(l.up);
	assert_int_equal(fx_rtnl_parse_link(link_msg(RTM_DELLINK, IFF_UP | IFF_RUNNING, "wg0"), &l), 0);
	assert_false(l.present);
	assert_false(l.up);
}

static void link_messages_are_validated(void **state)
{
	struct fx_link l;
	struct nlmsghdr *nlh;

	(void)state;
	assert_int_equal(fx_rtnl_parse_link(link_msg(RTM_NEWLINK, IFF_UP, "a-name-of-twenty-chars"), &l),
			 -EBADMSG);
	nlh = link_msg(RTM_NEWLINK, IFF_UP, "wg0");
	nlh->nlmsg_len = NLMSG_LENGTH(2); /* shorter than the link header */
	assert_int_equal(fx_rtnl_parse_link(nlh, &l), -EBADMSG);
	/* A name attribute without its NUL is refused, not read past. */
	nlh = link_msg(RTM_NEWLINK, IFF_UP, NULL);
	mnl_attr_put(nlh, IFLA_IFNAME, 3, "wg0");
	assert_int_equal(fx_rtnl_parse_link(nlh, &l), -EBADMSG);
}

static struct nlmsghdr *nft_msg(uint16_t type, uint8_t family, uint32_t pid, const char *table)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g;

	nlh->nlmsg_type = (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | type);
	nlh->nlmsg_pid = pid;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = family;
	mnl_attr_put_strz(nlh, 1, table); /* NFTA_TABLE_NAME, NFTA_RULE_TABLE, ... */
	return nlh;
}

static void nft_events_on_our_table_from_others_count(void **state)
{
	(void)state;
	assert_true(fx_nft_event_touches_table(nft_msg(NFT_MSG_DELTABLE, NFPROTO_INET, 99, "fexyn"), 42));
	assert_true(fx_nft_event_touches_table(nft_msg(NFT_MSG_DELRULE, NFPROTO_INET, 99, "fexyn"), 42));
	/* Our own changes, other tables, other families: not tampering. */
	assert_false(fx_nft_event_touches_table(nft_msg(NFT_MSG_DELTABLE, NFPROTO_INET, 42, "fexyn"), 42));
	assert_false(fx_nft_event_touches_table(nft_msg(NFT_MSG_DELTABLE, NFPROTO_INET, 99, "fexyn_x"), 42));
	assert_false(fx_nft_event_touches_table(nft_msg(NFT_MSG_DELTABLE, NFPROTO_IPV4, 99, "fexyn"), 42));
	/* arp fexyn, which holds the rules for the tunnel's address, is ours too. */
	assert_true(fx_nft_event_touches_table(nft_msg(NFT_MSG_DELTABLE, NFPROTO_ARP, 99, "fexyn"), 42));
}

/* The kind tells fexynd's own WireGuard link from someone's veth of that name. */
static void link_kind_is_read(void **state)
{
	struct nlmsghdr *nlh = link_msg(RTM_NEWLINK, IFF_UP, "fexyn0");
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	struct fx_link l;

	(void)state;
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "wireguard");
	mnl_attr_nest_end(nlh, info);
	assert_int_equal(fx_rtnl_parse_link(nlh, &l), 0);
	assert_string_equal(l.kind, "wireguard");
	nlh = link_msg(RTM_NEWLINK, IFF_UP, "fexyn0");
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "a-kind-far-too-long-to-be-true");
	mnl_attr_nest_end(nlh, info);
	assert_int_equal(fx_rtnl_parse_link(nlh, &l), -EBADMSG);
	assert_int_equal(fx_rtnl_parse_link(link_msg(RTM_NEWLINK, IFF_UP, "eth0"), &l), 0);
	assert_string_equal(l.kind, "");
}

static struct nlmsghdr *addr_msg(uint16_t type, uint8_t family, uint8_t len, const char *local,
				 const char *peer)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	struct fx_addr a;

	nlh->nlmsg_type = type;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = family;
	ifa->ifa_prefixlen = len;
	ifa->ifa_index = 7;
	if (peer && fx_addr_parse(peer, &a, NULL) == 0)
		mnl_attr_put(nlh, IFA_ADDRESS, fx_addr_len(&a), a.bytes);
	if (local && fx_addr_parse(local, &a, NULL) == 0)
		mnl_attr_put(nlh, IFA_LOCAL, fx_addr_len(&a), a.bytes);
	return nlh;
}

/* The link's own address, not a point-to-point peer's (OpenVPN's tun). */
static void addresses_are_the_local_ones(void **state)
{
	struct fx_prefix p;
	char text[INET6_ADDRSTRLEN];
	int index = 0;

	(void)state;
	assert_int_equal(fx_rtnl_parse_addr(addr_msg(RTM_NEWADDR, AF_INET, 32, "10.8.0.6", "10.8.0.5"),
					    &index, &p), 0);
	fx_addr_format(&p.addr, text, sizeof(text));
	assert_string_equal(text, "10.8.0.6");
	assert_int_equal(p.len, 32);
	assert_int_equal(index, 7);
	assert_int_equal(fx_rtnl_parse_addr(addr_msg(RTM_NEWADDR, AF_INET6, 64, NULL, "fd66::2"),
					    &index, &p), 0);
	fx_addr_format(&p.addr, text, sizeof(text));
	assert_string_equal(text, "fd66::2");
	/* Wrong lengths, families and prefix lengths are refused. */
	assert_int_equal(fx_rtnl_parse_addr(addr_msg(RTM_NEWADDR, AF_INET6, 64, "10.8.0.6", NULL),
					    &index, &p), -EBADMSG);
	assert_int_equal(fx_rtnl_parse_addr(addr_msg(RTM_NEWADDR, AF_INET, 33, "10.8.0.6", NULL),
					    &index, &p), -EBADMSG);
	assert_int_equal(fx_rtnl_parse_addr(addr_msg(RTM_NEWADDR, AF_PACKET, 0, NULL, NULL), &index, &p),
			 -EBADMSG);
}

/*
 * The kernel's reason for a refusal: after our request echoed whole, or
 * after its header alone when capped; nothing when it gave none.
 */
static struct nlmsghdr *refusal_msg(bool capped, const char *reason)
{
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;
	char *echo;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -EEXIST;
	e->msg.nlmsg_len = capped ? sizeof(e->msg) : sizeof(e->msg) + 24;
	e->msg.nlmsg_type = RTM_NEWROUTE;
	if (!capped) {
		echo = mnl_nlmsg_put_extra_header(nlh, 24);
		memset(echo, 0xaa, 24);
		nlh->nlmsg_flags = 0;
	} else {
		nlh->nlmsg_flags = NLM_F_CAPPED;
	}
	if (reason) {
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, reason);
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	}
	return nlh;
}

static void the_kernels_reason_is_read(void **state)
{
	char reason[FX_NL_REASON_MAX];
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;

	(void)state;
	fx_nl_ext_ack(refusal_msg(true, "Nexthop device is not up"), reason, sizeof(reason));
	assert_string_equal(reason, "Nexthop device is not up");
	fx_nl_ext_ack(refusal_msg(false, "File exists here"), reason, sizeof(reason));
	assert_string_equal(reason, "File exists here");
	fx_nl_ext_ack(refusal_msg(true, NULL), reason, sizeof(reason));
	assert_string_equal(reason, "");
	/* An echoed request that claims more than the message holds. */
	nlh = refusal_msg(false, "x");
	e = mnl_nlmsg_get_payload(nlh);
	e->msg.nlmsg_len = 60000;
	fx_nl_ext_ack(nlh, reason, sizeof(reason));
	assert_string_equal(reason, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(link_up_needs_up_and_running),
		cmocka_unit_test(link_messages_are_validated),
		cmocka_unit_test(nft_events_on_our_table_from_others_count),
		cmocka_unit_test(link_kind_is_read),
		cmocka_unit_test(addresses_are_the_local_ones),
		cmocka_unit_test(the_kernels_reason_is_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
