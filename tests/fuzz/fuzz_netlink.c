/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel messages: rtnetlink link events, nftables events and WireGuard's
 * generic-netlink device replies. The kernel is trusted more than a config
 * file, but any root process can send to fexynd's netlink sockets, and a
 * walk that reads past a short message turns that (or a kernel bug) into a
 * daemon crash with the firewall half-managed.
 *
 * The input is one datagram as recv() returns it. It goes through fexynd's
 * own event readers over a socket pair, so their walks over the buffer are
 * what is tested, and then, message by message, to every parser.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "nft_monitor.h"
#include "rtnl.h"
#include "wg_kernel.h"

static int pair[2] = { -1, -1 };

/* A non-blocking datagram socket stands in for the netlink socket: the
 * readers recv until EAGAIN, as they do on the real one. */
static void feed(const uint8_t *data, size_t size)
{
	if (pair[0] < 0)
		FUZZ_CHECK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) == 0);
	FUZZ_CHECK(send(pair[1], data, size, 0) == (ssize_t)size);
}

static void check_readers(const uint8_t *data, size_t size)
{
	bool changed = true, touched = true;

	feed(data, size);
	FUZZ_CHECK(fx_rtnl_read_events(pair[0], "wg0", 7, &changed) == 0);
	feed(data, size);
	FUZZ_CHECK(fx_nft_monitor_read(pair[0], 42, &touched) == 0);
}

static void check_link(const struct nlmsghdr *nlh)
{
	struct fx_link l;

	if (fx_rtnl_parse_link(nlh, &l) < 0)
		return;
	FUZZ_CHECK(memchr(l.name, '\0', sizeof(l.name)) != NULL);
	FUZZ_CHECK(memchr(l.kind, '\0', sizeof(l.kind)) != NULL);
	FUZZ_CHECK(!l.up || l.present);
}

/* An address message: a local address of the family it claims, a prefix
 * length that fits it. */
static void check_addr(const struct nlmsghdr *nlh)
{
	struct fx_prefix p;
	int index;

	if (fx_rtnl_parse_addr(nlh, &index, &p) < 0)
		return;
	FUZZ_CHECK(p.addr.family == AF_INET || p.addr.family == AF_INET6);
	FUZZ_CHECK(p.len <= fx_addr_len(&p.addr) * 8);
}

static void check_device(const struct nlmsghdr *nlh)
{
	struct fx_wg_status st = { .rx_bytes = 1 }, before = st;

	if (fx_wg_kernel_parse_device(nlh, &st) < 0) {
		/* All or nothing: a refused message adds no half of its peers. */
		FUZZ_CHECK(st.handshake == before.handshake &&
			   st.last_handshake == before.last_handshake &&
			   st.rx_bytes == before.rx_bytes && st.tx_bytes == before.tx_bytes);
		return;
	}
	FUZZ_CHECK(st.handshake || st.last_handshake == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* libFuzzer's buffer is a heap copy of exactly size bytes: aligned,
	 * and AddressSanitizer sees a read past its end. */
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)data;
	int len = (int)size;

	if (size > 8192)
		return 0;
	check_readers(data, size);
	for (; mnl_nlmsg_ok(nlh, len) && nlh->nlmsg_len <= (unsigned)len;
	     nlh = mnl_nlmsg_next(nlh, &len)) {
		check_link(nlh);
		check_addr(nlh);
		check_device(nlh);
	}
	return 0;
}
