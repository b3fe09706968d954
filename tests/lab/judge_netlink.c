/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The lab's netlink requests: addresses, routes, links, conntrack, tables. */
#include "judge_netlink.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/rtnetlink.h>

#include "netlink.h"
#include "nlbuf.h"

static int addr_change(uint16_t type, int ifindex, const struct fx_addr *a)
{
	char buf[FX_NL_BUF] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct fx_nl_reply reply = { 0 };
	uint32_t alen = (uint32_t)fx_addr_len(a);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = (uint8_t)(alen * 8);
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, alen, a->bytes);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, a->bytes);
	/* Usable at once, and no route beyond the address itself. */
	if (type == RTM_NEWADDR)
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD | IFA_F_NOPREFIXROUTE);
	return fx_nl_request(NETLINK_ROUTE, nlh, &reply);
}

/* A host route for dst out of ifindex in the main table, replacing any. */
int judge_route_replace(const struct fx_addr *dst, int ifindex)
{
	char buf[FX_NL_BUF] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct fx_nl_reply reply = { 0 };
	uint32_t alen = (uint32_t)fx_addr_len(dst);
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)dst->family;
	rtm->rtm_dst_len = (uint8_t)(alen * 8);
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_DST, alen, dst->bytes);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	return fx_nl_request(NETLINK_ROUTE, nlh, &reply);
}

static int route_type_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type == RTM_NEWROUTE && nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(*rtm)))
		*(int *)data = rtm->rtm_type;
	return MNL_CB_OK;
}

/* Whether the kernel would deliver a packet to a here, arriving on ifindex. */
bool judge_route_is_local(const struct fx_addr *a, int ifindex)
{
	char buf[FX_NL_BUF] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int type = RTN_UNSPEC;
	struct fx_nl_reply reply = { .cb = route_type_cb, .data = &type };
	uint32_t alen = (uint32_t)fx_addr_len(a);
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_GETROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)a->family;
	rtm->rtm_dst_len = (uint8_t)(alen * 8);
	mnl_attr_put(nlh, RTA_DST, alen, a->bytes);
	mnl_attr_put_u32(nlh, RTA_IIF, (uint32_t)ifindex);
	return fx_nl_request(NETLINK_ROUTE, nlh, &reply) == 0 && type == RTN_LOCAL;
}

int judge_link_set_mac(int ifindex, const uint8_t mac[6])
{
	char buf[FX_NL_BUF] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct fx_nl_reply reply = { 0 };
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = ifindex;
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	return fx_nl_request(NETLINK_ROUTE, nlh, &reply);
}

static struct nlmsghdr *ct_header(char *buf, uint16_t type, uint16_t flags, int family)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	nlh->nlmsg_flags = flags;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = (uint8_t)family;
	nfg->version = NFNETLINK_V0;
	return nlh;
}

/* Every connection of one family forgotten: no case inherits another's. */
int judge_ct_flush(int family)
{
	char buf[FX_NL_BUF] = { 0 };
	struct fx_nl_reply reply = { 0 };

	return fx_nl_request(NETLINK_NETFILTER, ct_header(buf, IPCTNL_MSG_CT_DELETE, 0, family), &reply);
}

static void put_tuple(struct nlmsghdr *nlh, uint16_t type, const struct fx_addr *src,
		      const struct fx_addr *dst, uint8_t proto, uint16_t sport, uint16_t dport)
{
	bool v6 = src->family == AF_INET6;
	uint32_t alen = (uint32_t)fx_addr_len(src);
	struct nlattr *tuple = mnl_attr_nest_start(nlh, type);
	struct nlattr *nest = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);

	mnl_attr_put(nlh, v6 ? CTA_IP_V6_SRC : CTA_IP_V4_SRC, alen, src->bytes);
	mnl_attr_put(nlh, v6 ? CTA_IP_V6_DST : CTA_IP_V4_DST, alen, dst->bytes);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, proto);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(sport));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(dport));
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_nest_end(nlh, tuple);
}

/*
 * The connection the case's packet is a reply to: this host sent the
 * original direction and has seen a reply, as conntrack records a
 * connection that was really made. ctnetlink marks a connection it makes
 * confirmed before it reads the status, so the status must say so too.
 */
int judge_ct_insert_reply_to(const struct test_pkt *p, const struct fx_addr *src, const struct fx_addr *dst)
{
	char buf[FX_NL_BUF] = { 0 };
	struct nlmsghdr *nlh = ct_header(buf, IPCTNL_MSG_CT_NEW, NLM_F_CREATE | NLM_F_EXCL, src->family);
	struct fx_nl_reply reply = { 0 };

	put_tuple(nlh, CTA_TUPLE_ORIG, dst, src, p->l4proto, p->dport, p->sport);
	put_tuple(nlh, CTA_TUPLE_REPLY, src, dst, p->l4proto, p->sport, p->dport);
	mnl_attr_put_u32(nlh, CTA_STATUS, htonl(IPS_CONFIRMED | IPS_SEEN_REPLY | IPS_ASSURED));
	mnl_attr_put_u32(nlh, CTA_TIMEOUT, htonl(60));
	return fx_nl_request(NETLINK_NETFILTER, nlh, &reply);
}

bool judge_table_exists(uint32_t family, const char *name)
{
	char buf[FX_NL_BUF] = { 0 };
	struct nftnl_table *t = nftnl_table_alloc();
	struct fx_nl_reply reply = { 0 };
	struct nlmsghdr *nlh;

	if (!t)
		return false;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, (uint16_t)family, 0, 0);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	return fx_nl_request(NETLINK_NETFILTER, nlh, &reply) == 0;
}

int judge_addr_add(int ifindex, const struct fx_addr *a)
{
	return addr_change(RTM_NEWADDR, ifindex, a);
}

int judge_addr_del(int ifindex, const struct fx_addr *a)
{
	return addr_change(RTM_DELADDR, ifindex, a);
}
