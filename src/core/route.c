/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "route.h"
#include "netlink.h"
#include "nlbuf.h"
#include "rtnl.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SRC_VALID_MARK "/proc/sys/net/ipv4/conf/all/src_valid_mark"

uint32_t fx_route_fwmark(const struct fx_wg_config *cfg)
{
	return cfg->fwmark ? cfg->fwmark : FX_DEFAULT_FWMARK;
}

static bool is_default(const struct fx_prefix *p)
{
	return p->len == 0;
}

static bool has_family(const struct fx_prefix *v, size_t n, int family)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].addr.family == family)
			return true;
	return false;
}

static void plan_default(struct fx_route_plan *plan, int family, uint32_t fwmark, uint32_t table,
			 bool blackhole)
{
	struct fx_route_spec *rt = &plan->routes[plan->n_routes++];

	memset(rt, 0, sizeof(*rt));
	rt->dst.addr.family = family;
	rt->table = table;
	rt->blackhole = blackhole;
	plan->rules[plan->n_rules++] = (struct fx_rule_spec){
		.family = family, .priority = FX_RULE_PRIO_FWMARK, .table = table,
		.not_fwmark = true, .fwmark = fwmark,
	};
	plan->rules[plan->n_rules++] = (struct fx_rule_spec){
		.family = family, .priority = FX_RULE_PRIO_SUPPRESS, .table = RT_TABLE_MAIN,
		.suppress_prefixlen0 = true,
	};
	if (family == AF_INET)
		plan->src_valid_mark = true;
}

static bool wants_default(const struct fx_wg_config *cfg, int family)
{
	for (size_t p = 0; p < cfg->n_peers; p++)
		for (size_t i = 0; i < cfg->peers[p].n_allowed_ips; i++)
			if (cfg->peers[p].allowed_ips[i].addr.family == family &&
			    is_default(&cfg->peers[p].allowed_ips[i]))
				return true;
	return false;
}

static int plan_prefixes(const struct fx_wg_config *cfg, uint32_t table, struct fx_route_plan *plan)
{
	for (size_t p = 0; p < cfg->n_peers; p++) {
		for (size_t i = 0; i < cfg->peers[p].n_allowed_ips; i++) {
			const struct fx_prefix *a = &cfg->peers[p].allowed_ips[i];

			if (is_default(a))
				continue;
			if (plan->n_routes == FX_MAX_PLAN_ROUTES)
				return -E2BIG;
			plan->routes[plan->n_routes++] = (struct fx_route_spec){ .dst = *a, .table = table };
		}
	}
	return 0;
}

int fx_route_plan_build(const struct fx_wg_config *cfg, uint32_t fwmark, struct fx_route_plan *plan)
{
	uint32_t table = fwmark; /* wg-quick numbers the table as the mark */
	bool v6_addr = has_family(cfg->addresses, cfg->n_addresses, AF_INET6);
	uint32_t prefix_table = RT_TABLE_MAIN;

	memset(plan, 0, sizeof(*plan));
	if (cfg->table_mode == FX_WG_TABLE_OFF)
		return 0;
	if (cfg->table_mode == FX_WG_TABLE_ID)
		prefix_table = cfg->table;
	if (wants_default(cfg, AF_INET))
		plan_default(plan, AF_INET, fwmark, table, false);
	/* IPv6 the tunnel cannot carry goes nowhere, never around the tunnel. */
	if (!v6_addr || wants_default(cfg, AF_INET6))
		plan_default(plan, AF_INET6, fwmark, table, !v6_addr);
	return plan_prefixes(cfg, prefix_table, plan);
}

static int rule_change(bool add, const struct fx_rule_spec *s, char reason[FX_NL_REASON_MAX])
{
	char buf[FX_NL_BUF] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct fib_rule_hdr *frh;

	nlh->nlmsg_type = add ? RTM_NEWRULE : RTM_DELRULE;
	if (add)
		nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = (uint8_t)s->family;
	frh->action = FR_ACT_TO_TBL;
	frh->table = s->table < 256 ? (uint8_t)s->table : RT_TABLE_UNSPEC;
	if (s->not_fwmark) {
		frh->flags |= FIB_RULE_INVERT;
		mnl_attr_put_u32(nlh, FRA_FWMARK, s->fwmark);
		mnl_attr_put_u32(nlh, FRA_FWMASK, 0xffffffffu);
	}
	if (s->suppress_prefixlen0)
		mnl_attr_put_u32(nlh, FRA_SUPPRESS_PREFIXLEN, 0);
	mnl_attr_put_u32(nlh, FRA_TABLE, s->table);
	mnl_attr_put_u32(nlh, FRA_PRIORITY, s->priority);
	return fx_rtnl_change(nlh, reason);
}

static int route_change(bool add, const struct fx_route_spec *s, int ifindex,
			char reason[FX_NL_REASON_MAX])
{
	char buf[FX_NL_BUF] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	if (add)
		nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)s->dst.addr.family;
	rtm->rtm_dst_len = s->dst.len;
	rtm->rtm_table = s->table < 256 ? (uint8_t)s->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = s->blackhole ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = s->blackhole ? RTN_BLACKHOLE : RTN_UNICAST;
	if (s->dst.len)
		mnl_attr_put(nlh, RTA_DST, fx_addr_len(&s->dst.addr), s->dst.addr.bytes);
	mnl_attr_put_u32(nlh, RTA_TABLE, s->table);
	if (!s->blackhole && ifindex > 0)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	return fx_rtnl_change(nlh, reason);
}

static void describe_route(const struct fx_route_spec *s, const char *ifname, char *buf, size_t len)
{
	char text[INET6_ADDRSTRLEN];

	fx_addr_format(&s->dst.addr, text, sizeof(text));
	snprintf(buf, len, "%s%s/%u %s%s table %u", s->blackhole ? "blackhole " : "", text, s->dst.len,
		 s->blackhole ? "" : "dev ", s->blackhole ? "" : ifname, s->table);
}

int fx_route_plan_apply(const struct fx_route_plan *plan, const char *ifname, struct fx_err *err)
{
	char what[128], reason[FX_NL_REASON_MAX];
	int index = fx_rtnl_ifindex(ifname), r = 0;

	if (index < 0)
		return fx_err_set(err, "cannot route into %s: %s", ifname, strerror(-index)), index;
	for (size_t i = 0; r == 0 && i < plan->n_routes; i++) {
		r = route_change(true, &plan->routes[i], index, reason);
		if (r < 0) {
			describe_route(&plan->routes[i], ifname, what, sizeof(what));
			fx_nl_err(err, r, reason, "cannot add route %s", what);
		}
	}
	for (size_t i = 0; r == 0 && i < plan->n_rules; i++) {
		r = rule_change(true, &plan->rules[i], reason);
		if (r < 0)
			fx_nl_err(err, r, reason, "cannot add a routing rule (table %u)",
				  plan->rules[i].table);
	}
	if (r == 0 && plan->src_valid_mark) {
		r = fx_src_valid_mark_set(true);
		if (r < 0)
			fx_err_set(err, "cannot set " SRC_VALID_MARK ": %s", strerror(-r));
	}
	return r;
}

static bool already_gone(int r)
{
	return r == -ENOENT || r == -ESRCH || r == -ENODEV;
}

int fx_route_plan_undo(const struct fx_route_plan *plan)
{
	int first = 0;

	/* Rules first: without them nothing is sent to the tunnel's table. */
	for (size_t i = 0; i < plan->n_rules; i++) {
		int r = rule_change(false, &plan->rules[i], NULL);

		if (r < 0 && !already_gone(r) && first == 0)
			first = r;
	}
	for (size_t i = 0; i < plan->n_routes; i++) {
		int r = route_change(false, &plan->routes[i], 0, NULL);

		if (r < 0 && !already_gone(r) && first == 0)
			first = r;
	}
	return first;
}

int fx_src_valid_mark_get(bool *on)
{
	char c = '0';
	int fd = open(SRC_VALID_MARK, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, &c, 1);
	close(fd);
	if (n != 1)
		return n < 0 ? -errno : -EIO;
	*on = c != '0';
	return 0;
}

int fx_src_valid_mark_set(bool on)
{
	int fd = open(SRC_VALID_MARK, O_WRONLY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, on ? "1\n" : "0\n", 2) != 2)
		r = -errno;
	close(fd);
	return r;
}
