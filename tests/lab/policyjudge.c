/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policyjudge: the kernel judges every packet case of tests/unit/policy_cases.c.
 *
 * For each case it compiles the case's state with the real policy compiler,
 * loads it with fx_nft_apply (the daemon's own applier), makes the case's
 * packet for real and reads the verdict of table fexyn from nftables' own
 * trace events. Run by tests/lab/test-policy-kernel.sh, inside the scratch
 * network namespace that script builds (its header says how and why); in
 * any other namespace it would load fexyn's tables, flush conntrack and
 * change routes.
 *
 * Prints one line per case and a summary; exits 0 only when every case
 * that ran got its expected verdict from the kernel, 1 when one did not,
 * 2 when the lab could not be used at all.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/trace.h>
#include <linux/if_tun.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "judge_netlink.h"
#include "judge_packet.h"
#include "netlink.h"
#include "nft.h"
#include "nft_rule.h"
#include "nlbuf.h"
#include "policy_cases.h"
#include "policy_eval.h"

/* The lab's own table (test-policy-kernel.sh): trace on, and "done" chains
 * after fexyn's on each hook. */
#define LAB_TABLE "fxlab"
/*
 * A v4 postrouting case leaves by lo first, which fexyn's output chain
 * always accepts, marked LAB_REROUTE | its own mark; the lab's route chain
 * then restores its mark, and the kernel re-routes it out of its interface.
 */
#define LAB_REROUTE 0x7ab00000u
#define LAB_REROUTE_MASK 0xffff0000u
/* How long a packet may take to reach its chain: it is judged inside the
 * send or write that makes it, so this is only ever waited out on failure. */
#define VERDICT_TIMEOUT_MS 3000
#define MAX_KERNEL_RULES (2 * FX_MAX_RULES)
#define MAX_STATIC_ADDRS 16

struct link {
	const char *name;
	bool tap; /* Ethernet (eth0: ARP); the others are layer-3 tun devices */
	int fd;
	int ifindex;
};

/* A rule as the kernel holds it: where it is, and whether it rejects. */
struct kernel_rule {
	uint32_t family;
	char chain[32];
	uint64_t handle;
	int position; /* among the rules of its chain */
	bool reject;
};

struct judge {
	struct fx_nft *nft;
	struct mnl_socket *trace;
	int raw4, raw6;
	int mcast6; /* holds the IPv6 groups the input cases are sent to */
	struct link links[3];
	struct fx_ruleset applied;
	bool have_applied;
	struct kernel_rule rules[MAX_KERNEL_RULES];
	size_t n_rules;
	struct fx_addr static_addrs[MAX_STATIC_ADDRS]; /* IPv6, local for the whole run */
	size_t n_static_addrs;
	uint16_t tag;  /* marks the packets of one attempt: IPv4 id, IPv6 flow label, ARP sender */
	bool verbose;
};

/* What the kernel said about one packet. */
struct outcome {
	bool decided;   /* fexyn's chain gave a verdict */
	bool passed;    /* the packet reached the lab's chain after fexyn's */
	uint32_t type;  /* NFT_TRACETYPE_RULE or _POLICY */
	uint32_t verdict;
	uint64_t handle;
	bool lost;      /* trace events were dropped: try again */
};

/* ---------------------------------------------------------------- links */

/* Attaches to a link the lab made; never makes one (TUNSETIFF would). */
static int link_attach(struct link *l)
{
	struct ifreq ifr = { .ifr_flags = (short)((l->tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI) };

	if (if_nametoindex(l->name) == 0)
		return -ENODEV;
	l->fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (l->fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", l->name);
	if (ioctl(l->fd, TUNSETIFF, &ifr) < 0)
		return -errno;
	l->ifindex = (int)if_nametoindex(l->name);
	return l->ifindex > 0 ? 0 : -ENODEV;
}

static struct link *link_named(struct judge *j, const char *name)
{
	for (size_t i = 0; name && i < sizeof(j->links) / sizeof(j->links[0]); i++)
		if (strcmp(j->links[i].name, name) == 0)
			return &j->links[i];
	return NULL;
}

/* What the kernel sent out of the lab's links is of no interest; drop it
 * so the queues never fill. */
static void links_drain(struct judge *j)
{
	char buf[2048];

	for (size_t i = 0; i < sizeof(j->links) / sizeof(j->links[0]); i++)
		while (read(j->links[i].fd, buf, sizeof(buf)) > 0)
			;
}

static int link_mac(const struct link *l, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int r = 0;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", l->name);
	if (ioctl(l->fd, SIOCGIFHWADDR, &ifr) < 0)
		r = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return r;
}

/* ------------------------------------------------- the kernel's fexyn rules */

static bool rule_rejects(struct nftnl_rule *r)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	bool reject = false;

	if (!it)
		return false;
	for (struct nftnl_expr *e = nftnl_expr_iter_next(it); e; e = nftnl_expr_iter_next(it))
		reject |= strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "reject") == 0;
	nftnl_expr_iter_destroy(it);
	return reject;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct judge *j = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct kernel_rule *k;

	if (!r)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0 || j->n_rules == MAX_KERNEL_RULES) {
		nftnl_rule_free(r);
		return MNL_CB_ERROR;
	}
	k = &j->rules[j->n_rules++];
	k->family = nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY);
	snprintf(k->chain, sizeof(k->chain), "%s", nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
	k->handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
	k->reject = rule_rejects(r);
	k->position = 0;
	for (size_t i = 0; i + 1 < j->n_rules; i++)
		if (j->rules[i].family == k->family && strcmp(j->rules[i].chain, k->chain) == 0)
			k->position++;
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

/* Reads back the rules of table fexyn in one family, in chain order. */
static int rules_dump(struct judge *j, uint32_t family)
{
	char buf[FX_NL_BUF] = { 0 };
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct fx_nl_reply reply = { .cb = rule_cb, .data = j };
	struct nlmsghdr *nlh;

	if (!r)
		return -ENOMEM;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, FX_TABLE);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, (uint16_t)family, NLM_F_DUMP, 0);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	return fx_nl_request(NETLINK_NETFILTER, nlh, &reply);
}

static const struct kernel_rule *kernel_rule(const struct judge *j, uint32_t family, uint64_t handle)
{
	for (size_t i = 0; i < j->n_rules; i++)
		if (j->rules[i].family == family && j->rules[i].handle == handle)
			return &j->rules[i];
	return NULL;
}

/* The compiled rule a kernel rule was made from: the same place in the same chain. */
static int compiled_index(const struct fx_ruleset *rs, const struct kernel_rule *k)
{
	int seen = 0;

	for (size_t i = 0; k && i < rs->n_rules; i++) {
		const struct fx_rule *r = &rs->rules[i];

		if (fx_nft_chain_family(r->chain) != k->family || strcmp(fx_chain_name(r->chain), k->chain))
			continue;
		if (seen++ == k->position)
			return (int)i;
	}
	return -1;
}

/* Loads the case's policy unless it is the one loaded already. */
static int apply(struct judge *j, const struct fx_ruleset *rs)
{
	struct fx_err err = { .msg = "" };
	int r;

	if (j->have_applied && fx_ruleset_equal(&j->applied, rs))
		return 0;
	r = fx_nft_apply(j->nft, rs, &err);
	if (r < 0) {
		fprintf(stderr, "policyjudge: cannot load the policy: %s\n", err.msg);
		return r;
	}
	j->applied = *rs;
	j->have_applied = true;
	j->n_rules = 0;
	if (!rs->present)
		return 0;
	r = rules_dump(j, NFPROTO_INET);
	if (r == 0 && fx_nft_filters_arp(j->nft))
		r = rules_dump(j, NFPROTO_ARP);
	return r;
}

/* ------------------------------------------------------------ emitting */

static int sock_set(int fd, const char *ifname, uint32_t mark)
{
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0)
		return -errno;
	return 0;
}

/* IPv6 multicast and link-local addresses mean nothing without their link. */
static bool needs_scope(const struct fx_addr *a)
{
	bool multicast = a->bytes[0] == 0xff;
	bool link_local = a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80;

	return a->family == AF_INET6 && (multicast || link_local);
}

/*
 * A packet this host sends: from a raw socket with the header included,
 * so the source, hop limit and every field are the case's. ifname "" lets
 * routing choose. The output chain's drop or reject is the send's EPERM.
 */
static int send_local(struct judge *j, const struct judge_packet *pk, const char *ifname, uint32_t mark)
{
	bool v6 = pk->dst.family == AF_INET6;
	int fd = v6 ? j->raw6 : j->raw4;
	struct sockaddr_in6 to6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in to4 = { .sin_family = AF_INET };
	int r = sock_set(fd, ifname, mark);
	ssize_t n;

	if (r < 0)
		return r;
	memcpy(&to4.sin_addr, pk->dst.bytes, 4);
	memcpy(&to6.sin6_addr, pk->dst.bytes, 16);
	if (ifname[0] && needs_scope(&pk->dst))
		to6.sin6_scope_id = if_nametoindex(ifname);
	n = v6 ? sendto(fd, pk->buf, pk->len, 0, (struct sockaddr *)&to6, sizeof(to6))
	       : sendto(fd, pk->buf, pk->len, 0, (struct sockaddr *)&to4, sizeof(to4));
	return n < 0 && errno != EPERM ? -errno : 0;
}

static int link_write(struct link *l, const uint8_t *frame, size_t len)
{
	ssize_t n = write(l->fd, frame, len);

	return n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
}

/* A packet that arrives on a link of this host, as if a neighbour sent it. */
static int inject(struct link *l, const struct judge_packet *pk)
{
	uint8_t frame[14 + sizeof(pk->buf)], own[6];
	int r;

	if (!l->tap)
		return link_write(l, pk->buf, pk->len);
	r = link_mac(l, own);
	if (r < 0)
		return r;
	return link_write(l, frame, judge_ether_frame(frame, pk, own));
}

/* An ARP request from a neighbour, for the case's target. */
static int inject_arp(struct link *l, const struct judge_packet *pk, uint16_t tag)
{
	uint8_t frame[JUDGE_ARP_FRAME];

	judge_arp_request(frame, pk, tag);
	return link_write(l, frame, sizeof(frame));
}

/*
 * The kernel announces every address of a link when the link's hardware
 * address changes and arp_notify is set: a gratuitous ARP, sent through
 * the ARP output hook like any ARP the kernel makes. The new address
 * carries the tag.
 */
static int announce_arp(struct link *l, uint16_t tag)
{
	uint8_t mac[6];

	judge_tagged_mac(0xfa, tag, mac);
	return judge_link_set_mac(l->ifindex, mac);
}

/* ------------------------------------------------------------- tracing */

static int trace_open(struct mnl_socket **out)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);
	int group = NFNLGRP_NFTRACE, size = 8 << 20;

	if (!nl)
		return -errno;
	/* The lab makes little traffic, but a reject makes more: room to spare. */
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
		int r = -errno;

		mnl_socket_close(nl);
		return r;
	}
	*out = nl;
	return 0;
}

/* The case's packet, and which of its trace events decide it. */
struct watch {
	const struct test_pkt *p;
	const struct judge_packet *pk;
	uint16_t tag;
	uint32_t family;     /* of the chain: NFPROTO_INET or NFPROTO_ARP */
	const char *chain;   /* fexyn's chain that judges the case */
	const char *done;    /* the lab's chain after it on the same hook */
	uint32_t ids[16];    /* the trace ids the kernel gave our packet */
	size_t n_ids;
	struct outcome *out;
};

static bool ip_header_is_ours(const struct watch *w, const uint8_t *h, uint32_t len)
{
	if (w->pk->src.family == AF_INET6) {
		uint32_t label = (uint32_t)((h[1] & 0x0f) << 16 | h[2] << 8 | h[3]);

		return len >= 40 && h[0] >> 4 == 6 && label == w->tag &&
		       memcmp(h + 8, w->pk->src.bytes, 16) == 0 && memcmp(h + 24, w->pk->dst.bytes, 16) == 0;
	}
	return len >= 20 && h[0] >> 4 == 4 && (h[4] << 8 | h[5]) == w->tag &&
	       memcmp(h + 12, w->pk->src.bytes, 4) == 0 && memcmp(h + 16, w->pk->dst.bytes, 4) == 0;
}

/* Ours: the sender's hardware address carries the tag, the addresses are the case's. */
static bool arp_header_is_ours(const struct watch *w, const uint8_t *h, uint32_t len)
{
	uint8_t mac[6];

	judge_tagged_mac(w->p->chain == FX_CHAIN_ARP_INPUT ? 0xfe : 0xfa, w->tag, mac);
	return len >= 28 && memcmp(h + 8, mac, 6) == 0 && memcmp(h + 14, w->pk->src.bytes, 4) == 0 &&
	       memcmp(h + 24, w->pk->dst.bytes, 4) == 0;
}

static bool event_is_ours(struct watch *w, const struct nftnl_trace *t)
{
	uint32_t id = nftnl_trace_get_u32(t, NFTNL_TRACE_ID), len = 0;
	const uint8_t *h;
	bool ours;

	for (size_t i = 0; i < w->n_ids; i++)
		if (w->ids[i] == id)
			return true;
	/* A chain's first event about a packet carries its headers. */
	if (!nftnl_trace_is_set(t, NFTNL_TRACE_NETWORK_HEADER))
		return false;
	h = nftnl_trace_get_data(t, NFTNL_TRACE_NETWORK_HEADER, &len);
	ours = nftnl_trace_get_u32(t, NFTNL_TRACE_FAMILY) == NFPROTO_ARP ? arp_header_is_ours(w, h, len)
									  : ip_header_is_ours(w, h, len);
	if (ours && w->n_ids < sizeof(w->ids) / sizeof(w->ids[0]))
		w->ids[w->n_ids++] = id;
	return ours;
}

static void on_event(struct watch *w, const struct nftnl_trace *t)
{
	const char *table = nftnl_trace_get_str(t, NFTNL_TRACE_TABLE);
	const char *chain = nftnl_trace_get_str(t, NFTNL_TRACE_CHAIN);
	uint32_t type = nftnl_trace_get_u32(t, NFTNL_TRACE_TYPE);
	/* A rule's event says its verdict; the policy's says the policy. */
	uint32_t verdict = nftnl_trace_get_u32(t, type == NFT_TRACETYPE_POLICY ? NFTNL_TRACE_POLICY
										: NFTNL_TRACE_VERDICT);
	struct outcome *o = w->out;

	if (!table || !chain || nftnl_trace_get_u32(t, NFTNL_TRACE_FAMILY) != w->family ||
	    !event_is_ours(w, t))
		return;
	if (strcmp(table, LAB_TABLE) == 0 && strcmp(chain, w->done) == 0)
		o->passed = true;
	if (o->decided || strcmp(table, FX_TABLE) || strcmp(chain, w->chain))
		return;
	if (type == NFT_TRACETYPE_POLICY || (type == NFT_TRACETYPE_RULE &&
					     (verdict == NF_ACCEPT || verdict == NF_DROP))) {
		o->decided = true;
		o->type = type;
		o->verdict = verdict;
		o->handle = nftnl_trace_is_set(t, NFTNL_TRACE_RULE_HANDLE)
				    ? nftnl_trace_get_u64(t, NFTNL_TRACE_RULE_HANDLE) : 0;
	}
}

static void trace_msg(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_trace *t;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
	    NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_TRACE)
		return;
	t = nftnl_trace_alloc();
	if (t && nftnl_trace_nlmsg_parse(nlh, t) == 0)
		on_event(data, t);
	nftnl_trace_free(t);
}

static void trace_discard(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
}

/* Forgets what earlier packets left on the trace socket. */
static void trace_drain(struct judge *j)
{
	while (fx_nl_read_each(mnl_socket_get_fd(j->trace), trace_discard, NULL) == -ENOBUFS)
		;
}

/* Reads trace events until fexyn's chain has decided, or the packet got past it. */
static int trace_wait(struct judge *j, struct watch *w)
{
	int fd = mnl_socket_get_fd(j->trace);
	uint64_t until = fx_now_ms() + VERDICT_TIMEOUT_MS;

	for (;;) {
		int r = fx_nl_read_each(fd, trace_msg, w);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = fx_now_ms();

		if (r == -ENOBUFS) {
			w->out->lost = true;
			return 0;
		}
		if (r < 0)
			return r;
		if (w->out->decided || w->out->passed || now >= until)
			return 0;
		if (poll(&pfd, 1, (int)(until - now)) < 0 && errno != EINTR)
			return -errno;
	}
}

/* ------------------------------------------------------------ the cases */

static int static_index(const struct judge *j, const struct fx_addr *a)
{
	for (size_t i = 0; i < j->n_static_addrs; i++)
		if (fx_addr_equal(&j->static_addrs[i], a))
			return (int)i;
	return -1;
}

static const char *done_chain(enum fx_chain c)
{
	switch (c) {
	case FX_CHAIN_INPUT:
	case FX_CHAIN_ARP_INPUT:
		return "done_in";
	case FX_CHAIN_FORWARD:
		return "done_fwd";
	case FX_CHAIN_POSTROUTING:
		return "done_post";
	default:
		return "done_out";
	}
}

/* What a case needs from the host besides its packet, undone by case_undo. */
struct setup {
	struct link *addr_link; /* an IPv4 address made local for the case */
	struct fx_addr addr;
};

static int case_setup(struct judge *j, const struct test_pkt *p, const struct judge_packet *pk, struct setup *s)
{
	struct link *iif = link_named(j, p->iif), *oif = link_named(j, p->oif);
	bool v4 = pk->dst.family == AF_INET;
	int r = judge_ct_flush(AF_INET);

	if (r == 0)
		r = judge_ct_flush(AF_INET6);
	if (r == 0 && p->established)
		r = judge_ct_insert_reply_to(p, &pk->src, &pk->dst);
	/* Addressed to this host (IPv6 ones are local for the whole run). */
	if (r == 0 && p->chain == FX_CHAIN_INPUT && v4) {
		s->addr_link = iif;
		s->addr = pk->dst;
	}
	/* The announced address is the link's own. */
	if (r == 0 && p->chain == FX_CHAIN_ARP_OUTPUT) {
		s->addr_link = oif;
		s->addr = pk->src;
	}
	if (r == 0 && s->addr_link) {
		r = judge_addr_add(s->addr_link->ifindex, &s->addr);
		if (r < 0)
			s->addr_link = NULL;
	}
	/* Routed: forwarded, or re-routed after the output chain. */
	if (r == 0 && (p->chain == FX_CHAIN_FORWARD || (p->chain == FX_CHAIN_POSTROUTING && (p->iif || v4))))
		r = judge_route_replace(&pk->dst, oif->ifindex);
	return r;
}

static void case_undo(const struct setup *s)
{
	if (s->addr_link)
		judge_addr_del(s->addr_link->ifindex, &s->addr);
}

static int emit(struct judge *j, const struct test_pkt *p, const struct judge_packet *pk)
{
	struct link *iif = link_named(j, p->iif), *oif = link_named(j, p->oif);

	switch (p->chain) {
	case FX_CHAIN_OUTPUT:
		return send_local(j, pk, p->oif, p->mark);
	case FX_CHAIN_POSTROUTING:
		if (p->iif)
			return inject(iif, pk);
		if (pk->dst.family == AF_INET6)
			return send_local(j, pk, p->oif, p->mark); /* see the check in case_check */
		return send_local(j, pk, "", LAB_REROUTE | p->mark);
	case FX_CHAIN_ARP_INPUT:
		return inject_arp(iif, pk, j->tag);
	case FX_CHAIN_ARP_OUTPUT:
		return announce_arp(oif, j->tag);
	default: /* input, forward */
		return inject(iif, pk);
	}
}

/* Whether the lab can make this packet; NULL if so, else why not. */
static const char *case_check(struct judge *j, const struct test_pkt *p, const struct judge_packet *pk)
{
	struct link *iif = link_named(j, p->iif), *oif = link_named(j, p->oif);
	bool inbound = p->chain == FX_CHAIN_INPUT || p->chain == FX_CHAIN_FORWARD ||
		       p->chain == FX_CHAIN_ARP_INPUT || (p->chain == FX_CHAIN_POSTROUTING && p->iif);

	if (inbound && !iif)
		return "its input interface is none of the lab's links";
	if (p->chain != FX_CHAIN_INPUT && p->chain != FX_CHAIN_ARP_INPUT && !oif &&
	    !(p->chain == FX_CHAIN_OUTPUT && p->oif && strcmp(p->oif, "lo") == 0))
		return "its output interface is none of the lab's links";
	if (p->chain != FX_CHAIN_INPUT && static_index(j, &pk->dst) >= 0)
		return "its destination is one of the lab's local IPv6 addresses";
	if (p->established && p->l4proto != IPPROTO_UDP && p->l4proto != IPPROTO_TCP)
		return "an established packet must be UDP or TCP";
	if (p->chain == FX_CHAIN_ARP_OUTPUT && !fx_addr_equal(&pk->src, &pk->dst))
		return "the kernel's own ARP output the lab can cause is an announcement (sender = target)";
	if (p->chain == FX_CHAIN_POSTROUTING && !p->iif && pk->dst.family == AF_INET && p->mark > 0xffff)
		return "its mark does not fit beside the lab's re-route mark";
	return NULL;
}

/* The kernel's verdict, from what the trace said. */
static int kernel_verdict(const struct judge *j, const struct watch *w, enum fx_verdict *v,
			  const struct kernel_rule **rule)
{
	const struct outcome *o = w->out;

	*rule = NULL;
	if (!o->decided) {
		/* Past the hook with no table of ours on it: nothing stopped it. */
		if (!o->passed || j->applied.present)
			return -ENOENT;
		*v = FX_ACCEPT;
		return 0;
	}
	if (o->type == NFT_TRACETYPE_RULE)
		*rule = kernel_rule(j, w->family, o->handle);
	if (o->verdict == NF_ACCEPT)
		*v = FX_ACCEPT;
	else
		*v = *rule && (*rule)->reject ? FX_REJECT : FX_DROP;
	return 0;
}

/* One attempt: the packet made, its trace read. */
static int judge_once(struct judge *j, const struct test_pkt *p, struct watch *w)
{
	struct setup s = { 0 };
	struct judge_packet pk;
	int r;

	j->tag = (uint16_t)(j->tag % 0xfffe + 1);
	w->tag = j->tag;
	r = judge_packet_build(p, j->tag, &pk);
	w->pk = &pk;
	if (r == 0)
		r = case_setup(j, p, &pk, &s);
	links_drain(j);
	trace_drain(j);
	if (r == 0)
		r = emit(j, p, &pk);
	if (r == 0)
		r = trace_wait(j, w);
	case_undo(&s);
	w->pk = NULL;
	return r;
}

static void describe_rule(const struct fx_ruleset *rs, int i, char *buf, size_t len)
{
	if (i < 0)
		snprintf(buf, len, "the chain's policy");
	else
		snprintf(buf, len, "rule %d: %s", i, rs->rules[i].why);
}

enum result { RESULT_OK, RESULT_FAIL, RESULT_SKIP };

static enum result report(const struct judge *j, size_t i, const struct policy_case *c, enum fx_verdict got,
			  const struct kernel_rule *krule, const char *error)
{
	char pkt[256], kwhy[128], mwhy[128];
	int mrule;
	enum fx_verdict model = test_eval_rule(&j->applied, c->pkt, &mrule);
	bool ok = !error && got == c->expect;

	policy_pkt_format(c->pkt, pkt, sizeof(pkt));
	if (ok && !j->verbose) {
		printf("ok   %3zu %s, %s: %s\n", i, fx_state_name(c->state), c->what, policy_verdict_name(got));
		return RESULT_OK;
	}
	describe_rule(&j->applied, krule ? compiled_index(&j->applied, krule) : -1, kwhy, sizeof(kwhy));
	describe_rule(&j->applied, mrule, mwhy, sizeof(mwhy));
	printf("%s %3zu %s, %s\n", ok ? "ok  " : "FAIL", i, fx_state_name(c->state), c->what);
	printf("         packet: %s\n", pkt);
	if (error)
		printf("         kernel: %s\n", error);
	else
		printf("         kernel: %s (%s)\n", policy_verdict_name(got), j->applied.present ? kwhy : "no table");
	printf("         model:  %s (%s); expected: %s\n", policy_verdict_name(model), mwhy,
	       policy_verdict_name(c->expect));
	return ok ? RESULT_OK : RESULT_FAIL;
}

static int compile(const struct policy_case *c, struct fx_ruleset *rs)
{
	struct fx_err err = { .msg = "" };
	int r = policy_case_compile(c, rs, &err);

	if (r < 0)
		fprintf(stderr, "policyjudge: '%s' does not compile: %s %s\n", c->what, strerror(-r), err.msg);
	return r;
}

static enum result run_case(struct judge *j, size_t i, const struct policy_case *c)
{
	static struct fx_ruleset rs;
	struct outcome out;
	struct watch w = { .p = c->pkt, .family = fx_nft_chain_family(c->pkt->chain),
			   .chain = fx_chain_name(c->pkt->chain), .done = done_chain(c->pkt->chain),
			   .out = &out };
	const struct kernel_rule *krule = NULL;
	enum fx_verdict got = FX_DROP;
	const char *skip = c->kernel_skip;
	struct judge_packet pk;
	int r;

	if (!skip && judge_packet_build(c->pkt, 1, &pk) < 0)
		skip = "its packet does not parse";
	if (!skip)
		skip = case_check(j, c->pkt, &pk);
	if (!skip && fx_chain_in_arp_table(c->pkt->chain) && !fx_nft_filters_arp(j->nft))
		skip = "this kernel has no nftables arp family";
	if (skip) {
		printf("SKIP %3zu %s, %s: %s\n", i, fx_state_name(c->state), c->what, skip);
		return RESULT_SKIP;
	}
	r = compile(c, &rs);
	if (r == 0)
		r = apply(j, &rs);
	for (int attempt = 0; r == 0 && attempt < 3; attempt++) {
		out = (struct outcome){ 0 };
		w.n_ids = 0;
		r = judge_once(j, c->pkt, &w);
		if (!out.lost)
			break;
	}
	if (r < 0) {
		char error[128];

		snprintf(error, sizeof(error), "the lab failed: %s", strerror(-r));
		return report(j, i, c, got, NULL, error);
	}
	if (kernel_verdict(j, &w, &got, &krule) < 0)
		return report(j, i, c, got, NULL, out.lost ? "trace events were lost"
							   : "the packet never reached fexyn's chain");
	return report(j, i, c, got, krule, NULL);
}

/* ------------------------------------------------------------- the lab */

/* Polls (<= 5 s) until the kernel delivers packets to each static address. */
static int static_addrs_wait(struct judge *j, const int *ifindex)
{
	for (size_t i = 0; i < j->n_static_addrs; i++) {
		uint64_t until = fx_now_ms() + 5000;

		while (!judge_route_is_local(&j->static_addrs[i], ifindex[i])) {
			if (fx_now_ms() > until)
				return -ETIMEDOUT;
			nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
		}
	}
	return 0;
}

/*
 * IPv6 addresses that input cases are sent to, local on their link for the
 * whole run: the kernel installs an IPv6 address's local route from a work
 * queue, after the address is added, so they are made once and waited for
 * rather than per case as the IPv4 ones are. Multicast groups are joined on
 * the link.
 */
static int ipv6_destinations_up(struct judge *j)
{
	int ifindex[MAX_STATIC_ADDRS];

	for (size_t i = 0; i < n_policy_cases; i++) {
		const struct test_pkt *p = policy_cases[i].pkt;
		struct link *l = link_named(j, p->iif);
		struct fx_addr a;
		int r;

		if (p->chain != FX_CHAIN_INPUT || !l || fx_addr_parse(p->daddr, &a, NULL) < 0 ||
		    a.family != AF_INET6 || static_index(j, &a) >= 0)
			continue;
		if (a.bytes[0] == 0xff) {
			struct ipv6_mreq m = { .ipv6mr_interface = (unsigned)l->ifindex };

			memcpy(&m.ipv6mr_multiaddr, a.bytes, 16);
			r = setsockopt(j->mcast6, IPPROTO_IPV6, IPV6_JOIN_GROUP, &m, sizeof(m)) < 0 ? -errno : 0;
			if (r == -EADDRINUSE)
				r = 0;
		} else {
			if (j->n_static_addrs == MAX_STATIC_ADDRS)
				return -E2BIG;
			r = judge_addr_add(l->ifindex, &a);
			if (r == -EEXIST)
				r = 0;
			ifindex[j->n_static_addrs] = l->ifindex;
			j->static_addrs[j->n_static_addrs++] = a;
		}
		if (r < 0) {
			fprintf(stderr, "policyjudge: cannot make %s local on %s: %s\n", p->daddr, l->name,
				strerror(-r));
			return r;
		}
	}
	if (static_addrs_wait(j, ifindex) < 0) {
		fprintf(stderr, "policyjudge: the lab's IPv6 addresses never became local\n");
		return -ETIMEDOUT;
	}
	return 0;
}

static int open_lab(struct judge *j)
{
	int one = 1, r;

	if (!judge_table_exists(NFPROTO_INET, LAB_TABLE)) {
		fprintf(stderr, "policyjudge: no table inet %s here: this is not the lab's namespace\n",
			LAB_TABLE);
		return -ENOENT;
	}

	for (size_t i = 0; i < sizeof(j->links) / sizeof(j->links[0]); i++) {
		r = link_attach(&j->links[i]);
		if (r < 0) {
			fprintf(stderr, "policyjudge: cannot attach to link %s: %s\n", j->links[i].name,
				strerror(-r));
			return r;
		}
	}
	j->raw4 = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	j->raw6 = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	j->mcast6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (j->raw4 < 0 || j->raw6 < 0 || j->mcast6 < 0 ||
	    setsockopt(j->raw4, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0) {
		perror("policyjudge: sockets");
		return -errno;
	}
	r = trace_open(&j->trace);
	if (r == 0)
		r = fx_nft_open(&j->nft, FX_PROTECTION_MONITOR);
	if (r < 0) {
		fprintf(stderr, "policyjudge: netfilter: %s\n", strerror(-r));
		return r;
	}
	return ipv6_destinations_up(j);
}

static void close_lab(struct judge *j)
{
	struct fx_ruleset none = { .present = false };
	struct fx_err err;

	if (j->nft)
		fx_nft_apply(j->nft, &none, &err);
	fx_nft_close(j->nft);
	if (j->trace)
		mnl_socket_close(j->trace);
	for (size_t i = 0; i < sizeof(j->links) / sizeof(j->links[0]); i++)
		if (j->links[i].fd >= 0)
			close(j->links[i].fd);
	close(j->raw4);
	close(j->raw6);
	close(j->mcast6);
}

static void usage(void)
{
	fprintf(stderr, "usage: policyjudge [--verbose] [--case N]...\n"
			"  Run only inside tests/lab/test-policy-kernel.sh's namespace.\n");
}

int main(int argc, char **argv)
{
	static struct judge j = {
		.links = { { "eth0", true, -1, 0 }, { "wg0", false, -1, 0 }, { "docker0", false, -1, 0 } },
		.raw4 = -1, .raw6 = -1, .mcast6 = -1,
	};
	bool only[1024] = { false }, some = false;
	size_t counts[3] = { 0 };
	uint64_t start = fx_now_ms();

	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--verbose") == 0) {
			j.verbose = true;
		} else if (strcmp(argv[a], "--case") == 0 && a + 1 < argc) {
			char *end;
			unsigned long n = strtoul(argv[++a], &end, 10);

			if (*end || n >= n_policy_cases) {
				usage();
				return 2;
			}
			only[n] = some = true;
		} else {
			usage();
			return 2;
		}
	}
	if (n_policy_cases > sizeof(only) || open_lab(&j) < 0) {
		close_lab(&j);
		return 2;
	}
	for (size_t i = 0; i < n_policy_cases; i++)
		if (!some || only[i])
			counts[run_case(&j, i, &policy_cases[i])]++;
	close_lab(&j);
	printf("policyjudge: %zu cases judged by the kernel: %zu as expected, %zu not; %zu skipped; %llu ms\n",
	       counts[RESULT_OK] + counts[RESULT_FAIL], counts[RESULT_OK], counts[RESULT_FAIL],
	       counts[RESULT_SKIP], (unsigned long long)(fx_now_ms() - start));
	return counts[RESULT_FAIL] || counts[RESULT_OK] == 0 ? 1 : 0;
}
