/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "probe.h"
#include "wgconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Every ICMP type but echo replies filtered out: a raw socket would
 * otherwise queue a copy of all ICMP the host receives. */
static int receive_only_replies(int fd, int family)
{
	if (family == AF_INET) {
		struct icmp_filter f = { .data = ~(1u << ICMP_ECHOREPLY) };

		return setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f));
	}
	struct icmp6_filter f6;

	ICMP6_FILTER_SETBLOCKALL(&f6);
	ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f6);
	return setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f6, sizeof(f6));
}

int fx_probe_open(int family, const char *ifname)
{
	int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	int fd = socket(family, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, proto);

	if (fd < 0)
		return -errno;
	if (receive_only_replies(fd, family) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

#define PROBE_ID "fx"
#define PROBE_PAYLOAD "fexyn!!!"

static uint16_t checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

int fx_probe_send(int fd, const struct fx_addr *to, uint16_t seq)
{
	struct sockaddr_storage ss = { 0 };
	uint8_t pkt[16] = { 0 };
	socklen_t sl;

	/* Echo request: type, code 0, checksum, identifier, sequence, payload. */
	pkt[0] = to->family == AF_INET ? 8 : 128;
	memcpy(pkt + 4, PROBE_ID, 2);
	pkt[6] = (uint8_t)(seq >> 8);
	pkt[7] = (uint8_t)seq;
	memcpy(pkt + 8, PROBE_PAYLOAD, 8);
	if (to->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		uint16_t sum = checksum(pkt, sizeof(pkt));

		memcpy(pkt + 2, &sum, 2);
		sin->sin_family = AF_INET;
		sin->sin_addr = to->v4;
		sl = sizeof(*sin);
	} else {
		/* The kernel fills in the ICMPv6 checksum on raw ICMPv6 sockets. */
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = to->v6;
		sl = sizeof(*sin6);
	}
	if (sendto(fd, pkt, sizeof(pkt), MSG_DONTWAIT, (struct sockaddr *)&ss, sl) < 0)
		return -errno;
	return 0;
}

static bool same_addr(const struct fx_addr *a, const struct sockaddr_storage *ss)
{
	if (a->family == AF_INET && ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == a->v4.s_addr;
	if (a->family == AF_INET6 && ss->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr, &a->v6, 16) == 0;
	return false;
}

int fx_probe_recv(int fd, const struct fx_addr *from, uint16_t *seq)
{
	uint8_t buf[256];
	struct sockaddr_storage ss = { 0 };
	socklen_t sl = sizeof(ss);
	ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);
	const uint8_t *icmp = buf;
	size_t len;

	if (n < 0)
		return -errno;
	len = (size_t)n;
	/* IPv4 raw sockets hand over the IP header too; IPv6 ones do not. */
	if (from->family == AF_INET) {
		size_t ihl = len ? (size_t)(buf[0] & 0x0f) * 4 : 0;

		if (ihl < 20 || ihl > len)
			return 0;
		icmp += ihl;
		len -= ihl;
	}
	if (len < 16 || !same_addr(from, &ss) || icmp[0] != (from->family == AF_INET ? 0 : 129) ||
	    memcmp(icmp + 4, PROBE_ID, 2) != 0 || memcmp(icmp + 8, PROBE_PAYLOAD, 8) != 0)
		return 0; /* another program's echo, or not from the target */
	*seq = (uint16_t)(icmp[6] << 8 | icmp[7]);
	return 1;
}

int fx_probe_target(const struct fx_wg_config *cfg, struct fx_addr *out)
{
	if (cfg->n_dns) {
		*out = cfg->dns[0];
		return 0;
	}
	for (size_t i = 0; i < cfg->n_addresses; i++) {
		const struct fx_prefix *p = &cfg->addresses[i];
		uint32_t own, mask, first;

		if (p->addr.family != AF_INET || p->len > 30)
			continue;
		own = ntohl(p->addr.v4.s_addr);
		mask = p->len ? ~0u << (32 - p->len) : 0;
		first = (own & mask) + 1;
		if (first == own)
			first++;
		out->family = AF_INET;
		memset(out->bytes, 0, sizeof(out->bytes));
		out->v4.s_addr = htonl(first);
		return 0;
	}
	return -ENOENT;
}
