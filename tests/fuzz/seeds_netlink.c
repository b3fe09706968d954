/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes the netlink fuzzer's seed corpus: binary kernel messages are
 * easier to build with libmnl than to keep as hand-made bytes. scripts/
 * fuzz.sh builds this program so it keeps compiling; to regenerate:
 *
 *   build-fuzz/seeds_netlink tests/fuzz/corpus/netlink
 */
/* The C library's network headers before the kernel's, or both define in_addr. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/if.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>
#include <stdio.h>
#include <string.h>

static char buf[8192];
static size_t used; /* messages so far in buf, for multi-message seeds */

static struct nlmsghdr *next_msg(void)
{
	return mnl_nlmsg_put_header(buf + used);
}

static void done(struct nlmsghdr *nlh)
{
	used += MNL_ALIGN(nlh->nlmsg_len);
}

static int save(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f || fwrite(buf, 1, used, f) != used || fclose(f) != 0) {
		perror(path);
		return -EIO;
	}
	memset(buf, 0, sizeof(buf));
	used = 0;
	return 0;
}

static void link_msg(uint16_t type, unsigned flags, const char *name)
{
	struct nlmsghdr *nlh = next_msg();
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 7;
	ifi->ifi_flags = flags;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1420);
	done(nlh);
}

static void nft_msg(uint16_t type, uint32_t pid, const char *table)
{
	struct nlmsghdr *nlh = next_msg();
	struct nfgenmsg *g;

	nlh->nlmsg_type = (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | type);
	nlh->nlmsg_pid = pid;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = NFPROTO_INET;
	mnl_attr_put_strz(nlh, 1, table);
	done(nlh);
}

static void wg_peer(struct nlmsghdr *nlh, uint8_t fill, int64_t handshake)
{
	struct __kernel_timespec ts = { .tv_sec = handshake };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(51820) };
	uint8_t key[WG_KEY_LEN];
	struct nlattr *peer, *ips, *ip;

	memset(key, fill, sizeof(key));
	peer = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, sizeof(key), key);
	mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(sin), &sin);
	mnl_attr_put(nlh, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(ts), &ts);
	mnl_attr_put_u64(nlh, WGPEER_A_RX_BYTES, 5678);
	mnl_attr_put_u64(nlh, WGPEER_A_TX_BYTES, 1234);
	mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 25);
	ips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	ip = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, AF_INET);
	mnl_attr_put_u32(nlh, WGALLOWEDIP_A_IPADDR, 0);
	mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, 0);
	mnl_attr_nest_end(nlh, ip);
	mnl_attr_nest_end(nlh, ips);
	mnl_attr_nest_end(nlh, peer);
}

static void wg_device(int peers)
{
	struct nlmsghdr *nlh = next_msg();
	struct genlmsghdr *genl;
	struct nlattr *nest;
	uint8_t key[WG_KEY_LEN] = { 1 };

	nlh->nlmsg_type = GENL_MIN_ID;
	nlh->nlmsg_flags = NLM_F_MULTI;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = WG_CMD_GET_DEVICE;
	genl->version = WG_GENL_VERSION;
	mnl_attr_put_u32(nlh, WGDEVICE_A_IFINDEX, 7);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, "wg0");
	mnl_attr_put(nlh, WGDEVICE_A_PUBLIC_KEY, sizeof(key), key);
	mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, 51820);
	mnl_attr_put_u32(nlh, WGDEVICE_A_FWMARK, 51820);
	nest = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	for (int i = 0; i < peers; i++)
		wg_peer(nlh, (uint8_t)(i + 2), i ? 0 : 1700000000);
	mnl_attr_nest_end(nlh, nest);
	done(nlh);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	int r = 0;

	link_msg(RTM_NEWLINK, IFF_UP | IFF_RUNNING, "wg0");
	r |= save(dir, "link-up");
	link_msg(RTM_DELLINK, 0, "fexyn0");
	link_msg(RTM_NEWLINK, IFF_UP, NULL);
	r |= save(dir, "link-del-and-nameless");
	nft_msg(NFT_MSG_DELTABLE, 99, "fexyn");
	nft_msg(NFT_MSG_NEWRULE, 42, "fexyn");
	r |= save(dir, "nft-events");
	wg_device(2);
	r |= save(dir, "wg-device");
	wg_device(0);
	link_msg(RTM_NEWLINK, IFF_UP | IFF_RUNNING, "wg0");
	nft_msg(NFT_MSG_DELCHAIN, 7, "other");
	r |= save(dir, "mixed");
	return r ? 1 : 0;
}
