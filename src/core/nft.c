/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "nft.h"
#include "netlink.h"
#include "nlbuf.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nft_batch.h"
#include "nft_rule.h"

struct fx_nft {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	enum fx_protection protection;
	bool arp; /* the kernel has nftables' arp family */
	/* Table inet fexyn_split may be there: fexynd made it, or does not
	 * know (at start, after a failed batch), so a ruleset without it
	 * deletes it. Only then: deleting it is two messages per change. */
	bool split_maybe;
};

static const char *const protection_names[] = {
	[FX_PROTECTION_MONITOR] = "monitor",
	[FX_PROTECTION_OWNED_UNOWNED] = "owned+unowned",
	[FX_PROTECTION_OWNER_PERSIST] = "owner+persist",
};

const char *fx_protection_name(enum fx_protection p)
{
	return (size_t)p < sizeof(protection_names) / sizeof(protection_names[0]) ? protection_names[p]
										   : "?";
}

int fx_protection_parse(const char *s, enum fx_protection *out)
{
	for (size_t i = 0; i < sizeof(protection_names) / sizeof(protection_names[0]); i++) {
		if (strcmp(s, protection_names[i]) == 0) {
			*out = (enum fx_protection)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* The copies of the policy each mode keeps; returns how many. */
static size_t table_copies(const struct fx_nft *nft, struct fx_table_copy out[2])
{
	switch (nft->protection) {
	case FX_PROTECTION_OWNER_PERSIST:
		out[0] = (struct fx_table_copy){ FX_TABLE, FX_TABLE_F_OWNER | FX_TABLE_F_PERSIST };
		return 1;
	case FX_PROTECTION_OWNED_UNOWNED:
		/* The unowned copy outlives fexynd; the owned one outlives a flush
		 * by anyone else. Both fall only when both happen at once. */
		out[0] = (struct fx_table_copy){ FX_TABLE, 0 };
		out[1] = (struct fx_table_copy){ FX_TABLE_OWNED, FX_TABLE_F_OWNER };
		return 2;
	case FX_PROTECTION_MONITOR:
	default:
		out[0] = (struct fx_table_copy){ FX_TABLE, 0 };
		return 1;
	}
}

static int socket_open(struct mnl_socket **out, uint32_t *portid)
{
	struct mnl_socket *s = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	int one = 1;

	if (!s)
		return -errno;
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
		int r = -errno;

		mnl_socket_close(s);
		return r;
	}
	/* Extended acks name what the kernel rejected; optional, so unchecked. */
	mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &one, sizeof(one));
	*out = s;
	*portid = mnl_socket_get_portid(s);
	return 0;
}

/* The kernel's refusal, with its extended-ack text if any, into err. */
static void refusal(const struct nlmsghdr *nlh, struct fx_err *err, int code)
{
	char reason[FX_NL_REASON_MAX];

	fx_nl_ext_ack(nlh, reason, sizeof(reason));
	if (reason[0])
		fx_err_set(err, "%s (%s)", strerror(-code), reason);
	else
		fx_err_set(err, "%s", strerror(-code));
}

/*
 * Reads every acknowledgement of the batch. The kernel processes a batch
 * inside sendmsg, so all replies are already queued: read without waiting
 * until none are left, and keep the first error.
 */
static int read_acks(struct fx_nft *nft, const struct fx_batch *b, uint16_t *failed_type,
		     struct fx_err *err)
{
	char buf[FX_NL_BUF * 4];
	int first = 0;
	uint32_t seen = 0;

	while (seen < b->n_msgs) {
		ssize_t n = recv(mnl_socket_get_fd(nft->sock), buf, sizeof(buf), MSG_DONTWAIT);
		const struct nlmsghdr *nlh;
		int len = (int)n;

		if (n < 0)
			return errno == EAGAIN ? (first ? first : -EPROTO) : -errno;
		for (nlh = (const struct nlmsghdr *)buf; fx_nl_msg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e;

			if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_seq < b->first_seq)
				continue;
			if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				continue;
			seen++;
			e = mnl_nlmsg_get_payload(nlh);
			if (e->error && !first) {
				first = e->error;
				*failed_type = NFNL_MSG_TYPE(e->msg.nlmsg_type);
				refusal(nlh, err, e->error);
			}
		}
	}
	return first;
}

static const char *msg_type_name(uint16_t type)
{
	switch (type) {
	case NFT_MSG_NEWTABLE:
		return "create table";
	case NFT_MSG_DELTABLE:
		return "delete table";
	case NFT_MSG_NEWCHAIN:
		return "create chain";
	case NFT_MSG_NEWSET:
		return "create set";
	case NFT_MSG_NEWSETELEM:
		return "add set elements";
	case NFT_MSG_DELSETELEM:
		return "flush set";
	case NFT_MSG_NEWRULE:
		return "add rule";
	case NFT_MSG_DELRULE:
		return "flush rules";
	default:
		return "batch";
	}
}

static int send_ruleset(struct fx_nft *nft, const struct fx_ruleset *rs, struct fx_err *err)
{
	struct fx_table_copy copies[2];
	size_t n_copies = table_copies(nft, copies);
	struct fx_batch b;
	uint16_t failed_type = 0;
	int r;

	r = fx_batch_build_split(&b, rs, copies, n_copies, nft->arp, nft->split_maybe, nft->seq);
	if (r < 0)
		return fx_err_set(err, "cannot build the nftables batch: %s", strerror(-r)), r;
	nft->seq += b.n_msgs + 2;
	if (mnl_socket_sendto(nft->sock, b.buf, b.len) < 0) {
		r = -errno;
		fx_err_set(err, "cannot send the nftables batch: %s", strerror(-r));
	} else {
		r = read_acks(nft, &b, &failed_type, err);
		if (r < 0)
			fx_err_prefix(err, r, "nftables refused to %s: ", msg_type_name(failed_type));
	}
	nft->split_maybe = r < 0 || rs->split;
	fx_batch_free(&b);
	return r;
}

int fx_nft_apply(struct fx_nft *nft, const struct fx_ruleset *rs, struct fx_err *err)
{
	int r = send_ruleset(nft, rs, err);

	/* Deleting a table that is not there is the state we wanted. */
	if (r == -ENOENT && !rs->present)
		return 0;
	return r;
}

/*
 * Creates and deletes a throwaway table of family with flags in one batch:
 * a kernel that lacks the family or a flag refuses the whole batch, and
 * nothing stays.
 */
static bool probe_table(struct fx_nft *nft, uint32_t family, uint32_t flags)
{
	char buf[FX_NL_BUF] = { 0 }; /* no stack bytes in attribute padding */
	struct mnl_nlmsg_batch *batch = mnl_nlmsg_batch_start(buf, sizeof(buf));
	struct nftnl_table *t = nftnl_table_alloc();
	char name[32];
	int ok = 0;

	if (!t)
		return false;
	snprintf(name, sizeof(name), "fexyn_probe_%u", nft->portid);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, family);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, flags);
	nftnl_batch_begin(mnl_nlmsg_batch_current(batch), nft->seq++);
	mnl_nlmsg_batch_next(batch);
	nftnl_table_nlmsg_build_payload(
		nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(batch), NFT_MSG_NEWTABLE, (uint16_t)family,
				      NLM_F_CREATE | NLM_F_ACK, nft->seq++), t);
	mnl_nlmsg_batch_next(batch);
	nftnl_table_nlmsg_build_payload(
		nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(batch), NFT_MSG_DELTABLE, (uint16_t)family,
				      NLM_F_ACK, nft->seq++), t);
	mnl_nlmsg_batch_next(batch);
	nftnl_batch_end(mnl_nlmsg_batch_current(batch), nft->seq++);
	mnl_nlmsg_batch_next(batch);
	if (mnl_socket_sendto(nft->sock, mnl_nlmsg_batch_head(batch), mnl_nlmsg_batch_size(batch)) >= 0) {
		struct fx_batch acks = { .first_seq = nft->seq - 3, .n_msgs = 2 };
		uint16_t type;

		ok = read_acks(nft, &acks, &type, NULL) == 0;
	}
	mnl_nlmsg_batch_stop(batch);
	nftnl_table_free(t);
	return ok;
}

/* The strongest mode the kernel allows, up to strongest. */
static enum fx_protection probe_protection(struct fx_nft *nft, enum fx_protection strongest)
{
	if (strongest >= FX_PROTECTION_OWNER_PERSIST &&
	    probe_table(nft, NFPROTO_INET, FX_TABLE_F_OWNER | FX_TABLE_F_PERSIST))
		return FX_PROTECTION_OWNER_PERSIST;
	if (strongest >= FX_PROTECTION_OWNED_UNOWNED && probe_table(nft, NFPROTO_INET, FX_TABLE_F_OWNER))
		return FX_PROTECTION_OWNED_UNOWNED;
	return FX_PROTECTION_MONITOR;
}

int fx_nft_open(struct fx_nft **out, enum fx_protection strongest)
{
	struct fx_nft *nft = calloc(1, sizeof(*nft));
	int r;

	if (!nft)
		return -ENOMEM;
	r = socket_open(&nft->sock, &nft->portid);
	if (r < 0) {
		free(nft);
		return r;
	}
	nft->seq = (uint32_t)time(NULL);
	nft->protection = probe_protection(nft, strongest);
	/* Without the arp family the ARP rules are left out, not the whole
	 * policy: a batch the kernel refuses would leave no table at all. */
	nft->arp = probe_table(nft, NFPROTO_ARP, 0);
	nft->split_maybe = true;
	*out = nft;
	return 0;
}

void fx_nft_close(struct fx_nft *nft)
{
	if (!nft)
		return;
	mnl_socket_close(nft->sock);
	free(nft);
}

enum fx_protection fx_nft_protection(const struct fx_nft *nft)
{
	return nft->protection;
}

bool fx_nft_filters_arp(const struct fx_nft *nft)
{
	return nft->arp;
}

uint32_t fx_nft_portid(const struct fx_nft *nft)
{
	return nft->portid;
}

static int table_info_cb(const struct nlmsghdr *nlh, void *data)
{
	struct fx_table_info *info = data;
	struct nftnl_table *t = nftnl_table_alloc();

	if (!t)
		return MNL_CB_ERROR;
	if (nftnl_table_nlmsg_parse(nlh, t) == 0) {
		info->present = true;
		info->flags = nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS);
		info->has_owner = nftnl_table_is_set(t, NFTNL_TABLE_OWNER);
		if (info->has_owner)
			info->owner = nftnl_table_get_u32(t, NFTNL_TABLE_OWNER);
	}
	nftnl_table_free(t);
	return MNL_CB_OK;
}

static int query_table(struct fx_nft *nft, const char *name, struct fx_table_info *info)
{
	char buf[FX_NL_BUF] = { 0 };
	struct nftnl_table *t = nftnl_table_alloc();
	struct fx_nl_reply reply = { .cb = table_info_cb, .data = info };
	struct nlmsghdr *nlh;
	int r;

	memset(info, 0, sizeof(*info));
	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET, 0, 0);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	r = fx_nl_request(NETLINK_NETFILTER, nlh, &reply);
	if (r < 0 && r != -ENOENT)
		return r;
	info->owned_by_us = info->has_owner && info->owner == nft->portid &&
			    (info->flags & FX_TABLE_F_OWNER);
	return 0;
}

int fx_nft_table_info(struct fx_nft *nft, struct fx_table_info *info)
{
	struct fx_table_info owned;
	int r = query_table(nft, FX_TABLE, info);

	if (r < 0 || nft->protection != FX_PROTECTION_OWNED_UNOWNED)
		return r;
	r = query_table(nft, FX_TABLE_OWNED, &owned);
	if (r < 0)
		return r;
	info->owned_copy = owned.present;
	info->flags = owned.flags;
	info->has_owner = owned.has_owner;
	info->owner = owned.owner;
	info->owned_by_us = owned.owned_by_us;
	return 0;
}

int fx_nft_delete_table_once(struct fx_err *err)
{
	struct fx_ruleset none = { .present = false };
	struct fx_nft *nft;
	int r = fx_nft_open(&nft, FX_PROTECTION_MONITOR);

	if (r < 0)
		return fx_err_set(err, "cannot open a netfilter socket: %s", strerror(-r)), r;
	r = fx_nft_apply(nft, &none, err);
	fx_nft_close(nft);
	return r;
}
