/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What each state lets out and what it stops, packet by packet. */
#include "policy_cases.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The lab's addresses (tests/lab/netlab.sh). */
#define CLIENT "192.168.77.2"
#define CLIENT6 "2001:db8:77::2"
#define ROUTER "192.168.77.1"
#define LAN_HOST "192.168.77.3"
#define WEB "198.51.100.20"
#define SERVER "198.51.100.10"
#define TUN_ADDR "10.66.0.2"
#define RESOLVER "10.66.0.1"
#define MARK 51820

/* Guards, as the words `fexyn guard` takes. */
#define G_BASE "tunnel=wg0 endpoint=" SERVER ":51820 dns=" RESOLVER " fwmark=51820"
/* No resolvers and no fwmark: DNS to any resolver in the tunnel, a carve-out without mark. */
#define G_BARE "tunnel=wg0 endpoint=" SERVER ":51820"
/* A provider that runs WireGuard on udp/53 to get through strict networks. */
#define G_EP53 "tunnel=wg0 endpoint=" SERVER ":53 fwmark=51820"
#define G_TUNADDR G_BASE " address=" TUN_ADDR "/32"
#define G_TUNADDR6 G_TUNADDR " address=fd66::2/64"
#define G_PREFIXES G_BASE " address=" TUN_ADDR "/24 route=10.200.0.0/16 route=fd77::/48 dns=fd66::1"
#define G_DEFAULT_LIKE G_BASE " route=0.0.0.0/1 route=128.0.0.0/1 route=10.0.0.0/8 address=fe80::66/64"
#define G_FULL G_BASE " fill"

/* One case; the packet is a pointer to a named packet or a compound literal. */
#define CASE(st, set, g, v, what_, pkt_)                                                            \
	{ .what = (what_), .state = FX_STATE_##st, .settings = (set), .guard = (g), .expect = FX_##v, \
	  .pkt = (pkt_) }
#define CASE_LINK(st, set, g, link, v, what_, pkt_)                                                 \
	{ .what = (what_), .state = FX_STATE_##st, .settings = (set), .guard = (g), .link_addr = (link), \
	  .expect = FX_##v, .pkt = (pkt_) }
#define CASE_SKIP(st, set, g, v, what_, why, pkt_)                                                  \
	{ .what = (what_), .state = FX_STATE_##st, .settings = (set), .guard = (g), .expect = FX_##v, \
	  .pkt = (pkt_), .kernel_skip = (why) }
/* The same case in every state that guards a tunnel (M is CASE). */
#define EACH_GUARDED(M, ...)                                                                        \
	M(CONNECTING, __VA_ARGS__), M(CONNECTED, __VA_ARGS__), M(RECONNECTING, __VA_ARGS__),        \
		M(BLOCKED, __VA_ARGS__)
/* Loopback, DHCP and neighbour discovery are asked of these three states. */
#define EACH_LINK_STATE(M, ...)                                                                     \
	M(CONNECTING, __VA_ARGS__), M(CONNECTED, __VA_ARGS__), M(BLOCKED, __VA_ARGS__)

#define PKT(...) (&(const struct test_pkt){ __VA_ARGS__ })
#define OUT_UDP(oif_, dst, port, mark_)                                                             \
	PKT(.chain = FX_CHAIN_OUTPUT, .oif = (oif_), .mark = (mark_), .l4proto = IPPROTO_UDP,       \
	    .sport = 40000, .dport = (port), .saddr = CLIENT, .daddr = (dst))
#define OUT_UDP6(oif_, dst, port)                                                                   \
	PKT(.chain = FX_CHAIN_OUTPUT, .oif = (oif_), .l4proto = IPPROTO_UDP, .sport = 40000,        \
	    .dport = (port), .saddr = CLIENT6, .daddr = (dst))
#define OUT_TCP(oif_, dst, port)                                                                    \
	PKT(.chain = FX_CHAIN_OUTPUT, .oif = (oif_), .l4proto = IPPROTO_TCP, .sport = 40000,        \
	    .dport = (port), .saddr = CLIENT, .daddr = (dst))
#define FORWARD(iif_, oif_, src, dst)                                                               \
	PKT(.chain = FX_CHAIN_FORWARD, .iif = (iif_), .oif = (oif_), .l4proto = IPPROTO_UDP,        \
	    .sport = 1, .dport = 9, .saddr = (src), .daddr = (dst))

/* Named packets, for cases repeated in several states. */
static const struct test_pkt loopback = { .chain = FX_CHAIN_OUTPUT, .oif = "lo", .l4proto = IPPROTO_TCP,
					  .sport = 40000, .dport = 80, .saddr = "127.0.0.1",
					  .daddr = "127.0.0.1" };
#define DHCP_FIELDS .oif = "eth0", .l4proto = IPPROTO_UDP, .sport = 68, .dport = 67, .saddr = "0.0.0.0"
static const struct test_pkt dhcp = { .chain = FX_CHAIN_OUTPUT, DHCP_FIELDS, .daddr = "255.255.255.255" };
static const struct test_pkt dhcp_post = { .chain = FX_CHAIN_POSTROUTING, DHCP_FIELDS,
					   .daddr = "255.255.255.255" };
static const struct test_pkt dhcp_to_web = { .chain = FX_CHAIN_OUTPUT, DHCP_FIELDS, .daddr = WEB };
static const struct test_pkt dhcp_to_web_post = { .chain = FX_CHAIN_POSTROUTING, DHCP_FIELDS, .daddr = WEB };
#define NS_FIELDS .oif = "eth0", .l4proto = IPPROTO_ICMPV6, .saddr = "fe80::2"
static const struct test_pkt ns_out = { .chain = FX_CHAIN_OUTPUT, NS_FIELDS, .icmp_type = 135,
					.hop_limit = 255, .daddr = "ff02::1:ff00:1" };
static const struct test_pkt ns_post = { .chain = FX_CHAIN_POSTROUTING, NS_FIELDS, .icmp_type = 135,
					 .hop_limit = 255, .daddr = "ff02::1:ff00:1" };
static const struct test_pkt echo6_to_ns_group = { .chain = FX_CHAIN_OUTPUT, NS_FIELDS, .icmp_type = 128,
						   .hop_limit = 255, .daddr = "ff02::1:ff00:1" };
/* An advert answers a router that solicited from its global address. */
static const struct test_pkt na_to_router = { .chain = FX_CHAIN_OUTPUT, NS_FIELDS, .icmp_type = 136,
					      .hop_limit = 255, .daddr = "2001:db8:77::1" };
static const struct test_pkt ns_routable = { .chain = FX_CHAIN_OUTPUT, NS_FIELDS, .icmp_type = 135,
					     .hop_limit = 64, .daddr = "2001:db8::1" };
/* CVE-2019-14899: a forged reply and probes sent to the tunnel's address over eth0. */
static const struct test_pkt forged_reply = { .chain = FX_CHAIN_INPUT, .iif = "eth0",
					      .l4proto = IPPROTO_UDP, .sport = 9999, .dport = 40000,
					      .established = true, .saddr = WEB, .daddr = TUN_ADDR };
static const struct test_pkt probe_tun = { .chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_TCP,
					   .sport = 40000, .dport = 22, .saddr = LAN_HOST,
					   .daddr = TUN_ADDR };
static const struct test_pkt probe_tun6 = { .chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_TCP,
					    .sport = 40000, .dport = 22, .saddr = "fd00::3",
					    .daddr = "fd66::2" };
#define FROM_TUN_FIELDS .oif = "eth0", .l4proto = IPPROTO_UDP, .sport = 40000, .dport = 9999, \
	.saddr = TUN_ADDR, .daddr = LAN_HOST
static const struct test_pkt from_tun_out = { .chain = FX_CHAIN_OUTPUT, FROM_TUN_FIELDS };
static const struct test_pkt from_tun_post = { .chain = FX_CHAIN_POSTROUTING, FROM_TUN_FIELDS };
/* Neighbour discovery and ARP for the tunnel's address, and for the client's own. */
static const struct test_pkt ns_for_tun = { .chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_ICMPV6,
					    .icmp_type = 135, .saddr = "fe80::3", .daddr = "ff02::1:ff00:2",
					    .nd_target = "fd66::2" };
static const struct test_pkt ns_for_client = { .chain = FX_CHAIN_INPUT, .iif = "eth0",
					       .l4proto = IPPROTO_ICMPV6, .icmp_type = 135,
					       .saddr = "fe80::3", .daddr = "ff02::1:ff00:2",
					       .nd_target = "fe80::2" };
static const struct test_pkt na_for_tun = { .chain = FX_CHAIN_OUTPUT, .oif = "eth0", .l4proto = IPPROTO_ICMPV6,
					    .icmp_type = 136, .saddr = "fe80::2", .daddr = "fe80::3",
					    .nd_target = "fd66::2" };
static const struct test_pkt arp_for_tun = { .chain = FX_CHAIN_ARP_INPUT, .iif = "eth0", .saddr = LAN_HOST,
					     .daddr = TUN_ADDR };
static const struct test_pkt arp_for_client = { .chain = FX_CHAIN_ARP_INPUT, .iif = "eth0",
						.saddr = LAN_HOST, .daddr = CLIENT };
/* Announcements (gratuitous ARP: sender and target the same address). */
static const struct test_pkt arp_from_tun = { .chain = FX_CHAIN_ARP_OUTPUT, .oif = "eth0", .saddr = TUN_ADDR,
					      .daddr = TUN_ADDR };
static const struct test_pkt arp_from_client = { .chain = FX_CHAIN_ARP_OUTPUT, .oif = "eth0",
						 .saddr = CLIENT, .daddr = CLIENT };
/* Postrouting: a packet the output chain let into the tunnel, re-routed out of eth0. */
#define POST_FIELDS .chain = FX_CHAIN_POSTROUTING, .l4proto = IPPROTO_UDP
static const struct test_pkt tunnel_reply_to_container = { POST_FIELDS, .iif = "wg0", .oif = "docker0",
							   .dport = 40000, .established = true,
							   .saddr = WEB, .daddr = "172.17.0.2" };
#define TO_ETH0(dst, port) OUT_UDP("eth0", dst, port, 0)

const struct policy_case policy_cases[] = {
	CASE(DISCONNECTED, 0, G_BASE, ACCEPT, "disconnected: no table, nothing is stopped",
	     TO_ETH0(WEB, 9999)),
	CASE(DISCONNECTED, CASE_LOCKDOWN, NULL, REJECT, "lockdown blocks the internet while disconnected",
	     TO_ETH0(WEB, 9999)),
	CASE(DISCONNECTED, CASE_LOCKDOWN, NULL, ACCEPT, "lockdown leaves the LAN open", TO_ETH0(LAN_HOST, 9999)),

	CASE(CONNECTING, 0, G_BASE, ACCEPT, "connecting: the tunnel's marked packets reach the endpoint",
	     OUT_UDP("eth0", SERVER, 51820, MARK)),
	CASE(CONNECTING, 0, G_BASE, REJECT, "connecting: a program's unmarked packets to the endpoint do not",
	     OUT_UDP("eth0", SERVER, 51820, 0)),
	CASE(CONNECTING, 0, G_BASE, REJECT, "connecting: marked, but to another port",
	     OUT_UDP("eth0", SERVER, 51821, MARK)),
	CASE(CONNECTING, 0, G_BASE, REJECT, "connecting: TCP to the endpoint's UDP port",
	     OUT_TCP("eth0", SERVER, 51820)),
	CASE(CONNECTING, 0, G_BASE, REJECT, "connecting: the internet outside the tunnel", TO_ETH0(WEB, 9999)),
	CASE(CONNECTING, 0, G_BASE, REJECT, "connecting: the tunnel does not count until it is up",
	     OUT_UDP("wg0", WEB, 9999, 0)),

	/* The probes that start the handshake may enter the tunnel; nothing else may. */
	CASE(CONNECTING, 0, G_BASE, ACCEPT, "connecting: echo probes enter the tunnel",
	     PKT(.chain = FX_CHAIN_OUTPUT, .oif = "wg0", .l4proto = IPPROTO_ICMP, .icmp_type = 8,
		 .saddr = TUN_ADDR, .daddr = RESOLVER)),
	CASE(CONNECTING, 0, G_BASE, REJECT, "connecting: a timestamp request is no probe",
	     PKT(.chain = FX_CHAIN_OUTPUT, .oif = "wg0", .l4proto = IPPROTO_ICMP, .icmp_type = 13,
		 .saddr = TUN_ADDR, .daddr = RESOLVER)),
	CASE(CONNECTING, 0, G_BASE, REJECT, "connecting: an echo around the tunnel, to the internet",
	     PKT(.chain = FX_CHAIN_OUTPUT, .oif = "eth0", .l4proto = IPPROTO_ICMP, .icmp_type = 8,
		 .saddr = TUN_ADDR, .daddr = WEB)),
	CASE(CONNECTING, 0, G_BASE, ACCEPT, "connecting: IPv6 echo probes enter the tunnel",
	     PKT(.chain = FX_CHAIN_OUTPUT, .oif = "wg0", .l4proto = IPPROTO_ICMPV6, .icmp_type = 128,
		 .saddr = "2001:db8:66::2", .daddr = "2001:db8:66::1")),
	CASE(CONNECTING, 0, G_BASE, REJECT, "connecting: other ICMPv6 into the tunnel is no probe",
	     PKT(.chain = FX_CHAIN_OUTPUT, .oif = "wg0", .l4proto = IPPROTO_ICMPV6, .icmp_type = 1,
		 .saddr = "2001:db8:66::2", .daddr = "2001:db8:66::1")),
	CASE(BLOCKED, 0, G_BASE, REJECT, "blocked: not even probes enter the tunnel",
	     PKT(.chain = FX_CHAIN_OUTPUT, .oif = "wg0", .l4proto = IPPROTO_ICMPV6, .icmp_type = 128,
		 .saddr = "2001:db8:66::2", .daddr = "2001:db8:66::1")),

	CASE(RECONNECTING, 0, G_BASE, ACCEPT, "reconnecting: the marked endpoint packets leave",
	     OUT_UDP("eth0", SERVER, 51820, MARK)),
	CASE(RECONNECTING, 0, G_BASE, REJECT, "reconnecting: the internet outside the tunnel does not",
	     TO_ETH0(WEB, 9999)),
	CASE(RECONNECTING, 0, G_BASE, REJECT, "reconnecting: nor through the tunnel",
	     OUT_UDP("wg0", WEB, 9999, 0)),

	CASE(CONNECTED, 0, G_BASE, ACCEPT, "connected: UDP through the tunnel", OUT_UDP("wg0", WEB, 9999, 0)),
	CASE(CONNECTED, 0, G_BASE, ACCEPT, "connected: TCP through the tunnel", OUT_TCP("wg0", WEB, 443)),
	CASE(CONNECTED, 0, G_BASE, REJECT, "connected: UDP around the tunnel", TO_ETH0(WEB, 9999)),
	CASE(CONNECTED, 0, G_BASE, REJECT, "connected: TCP around the tunnel", OUT_TCP("eth0", WEB, 443)),
	CASE(CONNECTED, 0, G_BASE, ACCEPT, "connected: the tunnel's own packets to the endpoint",
	     OUT_UDP("eth0", SERVER, 51820, MARK)),

	CASE(BLOCKED, 0, G_BASE, REJECT, "blocked: no endpoint carve-out", OUT_UDP("eth0", SERVER, 51820, MARK)),
	CASE(BLOCKED, 0, G_BASE, REJECT, "blocked: nothing through the tunnel", OUT_UDP("wg0", WEB, 9999, 0)),
	CASE(BLOCKED, 0, G_BASE, ACCEPT, "blocked: the LAN stays open", TO_ETH0(LAN_HOST, 9999)),

	CASE(CONNECTED, 0, G_BASE, ACCEPT, "DNS to the tunnel's resolver, through the tunnel",
	     OUT_UDP("wg0", RESOLVER, 53, 0)),
	CASE(CONNECTED, 0, G_BASE, ACCEPT, "DNS over TLS to the tunnel's resolver", OUT_TCP("wg0", RESOLVER, 853)),
	CASE(CONNECTED, 0, G_BASE, REJECT, "DNS to another resolver, even through the tunnel",
	     OUT_UDP("wg0", WEB, 53, 0)),
	CASE(CONNECTED, 0, G_BASE, REJECT, "DNS to the home router: LAN, and still refused",
	     TO_ETH0(ROUTER, 53)),
	CASE(CONNECTED, 0, G_BASE, REJECT, "DNS over TCP to the home router", OUT_TCP("eth0", ROUTER, 53)),
	CASE(CONNECTED, 0, G_BASE, ACCEPT, "mDNS-like traffic to the home router is LAN",
	     TO_ETH0(ROUTER, 5353)),
	CASE(CONNECTED, 0, G_BARE, ACCEPT, "without resolvers: DNS to any resolver in the tunnel",
	     OUT_UDP("wg0", "9.9.9.9", 53, 0)),
	CASE(CONNECTED, 0, G_BARE, REJECT, "without resolvers: never outside it", TO_ETH0("9.9.9.9", 53)),
	CASE(CONNECTED, 0, G_BARE, ACCEPT, "without a fwmark the carve-out checks address, protocol and port",
	     OUT_UDP("eth0", SERVER, 51820, 0)),
	CASE(CONNECTING, 0, G_BASE, REJECT, "connecting: no DNS into the tunnel yet",
	     OUT_UDP("wg0", RESOLVER, 53, 0)),
	CASE(CONNECTING, 0, G_BASE, REJECT, "connecting: no DNS to the home router", TO_ETH0(ROUTER, 53)),

	/* LAN means the private ranges, not the subnet we are on (TunnelCrack LocalNet). */
	CASE(CONNECTING, 0, G_BASE, ACCEPT, "LAN: the home subnet", TO_ETH0(LAN_HOST, 9999)),
	CASE(CONNECTING, 0, G_BASE, ACCEPT, "LAN: 10/8", TO_ETH0("10.1.2.3", 9999)),
	CASE(CONNECTING, 0, G_BASE, ACCEPT, "LAN: the top of 172.16/12", TO_ETH0("172.31.255.255", 9999)),
	CASE(CONNECTING, 0, G_BASE, REJECT, "LAN: just past 172.16/12", TO_ETH0("172.32.0.1", 9999)),
	CASE(CONNECTING, 0, G_BASE, ACCEPT, "LAN: mDNS", TO_ETH0("224.0.0.251", 5353)),
	CASE(CONNECTING, 0, G_BASE, ACCEPT, "LAN: SSDP", TO_ETH0("239.255.255.250", 1900)),
	CASE(CONNECTING, 0, G_BASE, ACCEPT, "LAN: IPv6 link-local", OUT_UDP6("eth0", "fe80::1", 9999)),
	CASE(CONNECTING, 0, G_BASE, ACCEPT, "LAN: IPv6 unique local", OUT_UDP6("eth0", "fd00::1", 9999)),
	CASE(CONNECTING, 0, G_BASE, REJECT, "a hostile LAN's public prefix is no LAN",
	     TO_ETH0("198.51.100.99", 9999)),
	CASE(CONNECTING, 0, G_BASE, REJECT, "a hostile LAN's public IPv6 prefix is no LAN",
	     OUT_UDP6("eth0", "2001:db8::1", 9999)),
	CASE(CONNECTED, CASE_LAN_BLOCKED, G_BASE, REJECT, "LAN blocked: the LAN host is refused",
	     TO_ETH0(LAN_HOST, 9999)),
	CASE(CONNECTED, CASE_LAN_BLOCKED, G_BASE, ACCEPT, "LAN blocked: the tunnel still works",
	     OUT_UDP("wg0", WEB, 9999, 0)),

	/* Loopback, DHCP and neighbour discovery always work, the LAN blocked or not. */
	EACH_LINK_STATE(CASE, CASE_LAN_BLOCKED, G_BASE, ACCEPT, "loopback", &loopback),
	EACH_LINK_STATE(CASE, CASE_LAN_BLOCKED, G_BASE, ACCEPT, "DHCP discover", &dhcp),
	EACH_LINK_STATE(CASE, CASE_LAN_BLOCKED, G_BASE, ACCEPT, "neighbour solicitation", &ns_out),
	EACH_LINK_STATE(CASE, CASE_LAN_BLOCKED, G_BASE, REJECT, "an echo to a solicited-node group",
			&echo6_to_ns_group),
	EACH_LINK_STATE(CASE, CASE_LAN_BLOCKED, G_BASE, ACCEPT, "neighbour advert to a router's global address",
			&na_to_router),
	EACH_LINK_STATE(CASE, CASE_LAN_BLOCKED, G_BASE, REJECT, "DHCP's ports aimed at the internet",
			&dhcp_to_web),
	EACH_LINK_STATE(CASE, CASE_LAN_BLOCKED, G_BASE, REJECT, "a solicitation that could be routed",
			&ns_routable),
	EACH_LINK_STATE(CASE, CASE_LAN_BLOCKED, G_BASE, ACCEPT, "DHCP discover, where it leaves", &dhcp_post),
	EACH_LINK_STATE(CASE, CASE_LAN_BLOCKED, G_BASE, ACCEPT, "neighbour solicitation, where it leaves",
			&ns_post),
	EACH_LINK_STATE(CASE, CASE_LAN_BLOCKED, G_BASE, DROP, "DHCP's ports to the internet, where it leaves",
			&dhcp_to_web_post),

	/* Forwarded traffic leaves through the tunnel or not at all. */
	CASE(CONNECTED, 0, G_BASE, ACCEPT, "a container's packets into the tunnel",
	     FORWARD("docker0", "wg0", "172.17.0.2", WEB)),
	CASE(CONNECTED, 0, G_BASE, DROP, "a container's packets around the tunnel",
	     FORWARD("docker0", "eth0", "172.17.0.2", WEB)),
	CASE(CONNECTED, 0, G_BASE, ACCEPT, "a container's packets to the LAN",
	     FORWARD("docker0", "eth0", "172.17.0.2", LAN_HOST)),
	CASE(RECONNECTING, 0, G_BASE, DROP, "reconnecting: a container's packets into the tunnel",
	     FORWARD("docker0", "wg0", "172.17.0.2", WEB)),
	CASE(RECONNECTING, 0, G_BASE, DROP, "reconnecting: a container's packets around the tunnel",
	     FORWARD("docker0", "eth0", "172.17.0.2", WEB)),
	CASE(CONNECTED, 0, G_BASE, DROP, "from the tunnel, routed out of eth0",
	     FORWARD("wg0", "eth0", WEB, "203.0.113.7")),
	CASE(CONNECTED, 0, G_BASE, DROP, "from the tunnel to a container, unasked",
	     FORWARD("wg0", "docker0", WEB, "172.17.0.2")),
	CASE(CONNECTED, 0, G_BASE, ACCEPT, "from the tunnel to a container, a reply",
	     PKT(.chain = FX_CHAIN_FORWARD, .iif = "wg0", .oif = "docker0", .l4proto = IPPROTO_UDP,
		 .sport = 9, .dport = 40000, .established = true, .saddr = WEB, .daddr = "172.17.0.2")),

	/* Providers offer WireGuard on udp/53: the tunnel's packets pass before DNS is refused. */
	CASE(CONNECTING, 0, G_EP53, ACCEPT, "an endpoint on the DNS port still connects",
	     OUT_UDP("eth0", SERVER, 53, MARK)),
	CASE(CONNECTING, 0, G_EP53, REJECT, "a program's own DNS query to it is refused",
	     OUT_UDP("eth0", SERVER, 53, 0)),
	CASE(CONNECTING, 0, G_EP53, REJECT, "the mark alone opens no other resolver",
	     OUT_UDP("eth0", ROUTER, 53, MARK)),

	/* Even the endpoint gets in only with what the tunnel asked for. */
	CASE(CONNECTING, 0, G_BASE, DROP, "a new packet from the endpoint",
	     PKT(.chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_UDP, .sport = 51820,
		 .dport = 40000, .saddr = SERVER, .daddr = CLIENT)),
	CASE(CONNECTING, 0, G_BASE, DROP, "a new packet from the internet",
	     PKT(.chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_UDP, .sport = 51820,
		 .dport = 40000, .saddr = WEB, .daddr = CLIENT)),
	CASE(CONNECTING, 0, G_BASE, ACCEPT, "a reply from the endpoint",
	     PKT(.chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_UDP, .sport = 51820,
		 .dport = 40000, .established = true, .saddr = SERVER, .daddr = CLIENT)),

	/* DHCPv6 from our link-local address and back; router adverts only on this link. */
	CASE(BLOCKED, CASE_LAN_BLOCKED, G_BASE, ACCEPT, "DHCPv6 solicit",
	     PKT(.chain = FX_CHAIN_OUTPUT, .oif = "eth0", .l4proto = IPPROTO_UDP, .sport = 546, .dport = 547,
		 .saddr = "fe80::2", .daddr = "ff02::1:2")),
	CASE(BLOCKED, CASE_LAN_BLOCKED, G_BASE, REJECT, "DHCPv6 solicit from a global address",
	     PKT(.chain = FX_CHAIN_OUTPUT, .oif = "eth0", .l4proto = IPPROTO_UDP, .sport = 546, .dport = 547,
		 .saddr = CLIENT6, .daddr = "ff02::1:2")),
	CASE(BLOCKED, CASE_LAN_BLOCKED, G_BASE, ACCEPT, "DHCPv6 reply",
	     PKT(.chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_UDP, .sport = 547, .dport = 546,
		 .saddr = "fe80::1", .daddr = "fe80::2")),
	CASE(BLOCKED, CASE_LAN_BLOCKED, G_BASE, DROP, "DHCPv6 reply from a global address",
	     PKT(.chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_UDP, .sport = 547, .dport = 546,
		 .saddr = "2001:db8:77::1", .daddr = "fe80::2")),
	CASE(BLOCKED, CASE_LAN_BLOCKED, G_BASE, ACCEPT, "router advert",
	     PKT(.chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_ICMPV6, .icmp_type = 134,
		 .hop_limit = 255, .saddr = "fe80::1", .daddr = "ff02::1")),
	CASE(BLOCKED, CASE_LAN_BLOCKED, G_BASE, DROP, "router advert from a global address (RFC 4861)",
	     PKT(.chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_ICMPV6, .icmp_type = 134,
		 .hop_limit = 255, .saddr = "2001:db8:77::1", .daddr = "ff02::1")),
	CASE(BLOCKED, CASE_LAN_BLOCKED, G_BASE, DROP, "router advert forwarded (hop limit 254)",
	     PKT(.chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_ICMPV6, .icmp_type = 134,
		 .hop_limit = 254, .saddr = "fe80::1", .daddr = "ff02::1")),
	CASE(BLOCKED, CASE_LAN_BLOCKED, G_BASE, DROP, "router solicitation: a host answers none",
	     PKT(.chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_ICMPV6, .icmp_type = 133,
		 .hop_limit = 255, .saddr = "fe80::1", .daddr = "ff02::1")),
	CASE(BLOCKED, CASE_LAN_BLOCKED, G_BASE, ACCEPT, "duplicate address detection solicits from ::",
	     PKT(.chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_ICMPV6, .icmp_type = 135,
		 .hop_limit = 255, .saddr = "::", .daddr = "ff02::1")),
	CASE(BLOCKED, CASE_LAN_BLOCKED, G_BASE, ACCEPT, "a neighbour solicits from its global address",
	     PKT(.chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_ICMPV6, .icmp_type = 135,
		 .hop_limit = 255, .saddr = "2001:db8:77::1", .daddr = "ff02::1")),
	CASE(BLOCKED, CASE_LAN_BLOCKED, G_BASE, DROP, "a solicitation from off the link (hop limit 64)",
	     PKT(.chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_ICMPV6, .icmp_type = 135,
		 .hop_limit = 64, .saddr = "2001:db8:77::1", .daddr = "ff02::1")),

	/* Postrouting judges the real way out: re-routed by another table's mark or DNAT. */
	CASE(CONNECTED, 0, G_BASE, DROP, "re-routed out of eth0",
	     PKT(POST_FIELDS, .saddr = TUN_ADDR, .oif = "eth0", .dport = 9999, .daddr = WEB)),
	CASE(CONNECTED, 0, G_BASE, ACCEPT, "leaving into the tunnel",
	     PKT(POST_FIELDS, .saddr = TUN_ADDR, .oif = "wg0", .dport = 9999, .daddr = WEB)),
	CASE(CONNECTED, 0, G_BASE, ACCEPT, "the tunnel's marked packets to its endpoint, where they leave",
	     PKT(POST_FIELDS, .saddr = TUN_ADDR, .oif = "eth0", .dport = 51820, .mark = MARK, .daddr = SERVER)),
	CASE(CONNECTED, 0, G_BASE, DROP, "unmarked packets to the endpoint, where they leave",
	     PKT(POST_FIELDS, .saddr = TUN_ADDR, .oif = "eth0", .dport = 51820, .daddr = SERVER)),
	CASE(CONNECTED, 0, G_BASE, ACCEPT, "the LAN, where it leaves",
	     PKT(POST_FIELDS, .saddr = TUN_ADDR, .oif = "eth0", .dport = 9999, .daddr = LAN_HOST)),
	CASE(CONNECTED, 0, G_BASE, DROP, "the LAN's resolver, where it leaves",
	     PKT(POST_FIELDS, .saddr = TUN_ADDR, .oif = "eth0", .dport = 53, .daddr = LAN_HOST)),
	CASE(CONNECTED, CASE_LAN_BLOCKED, G_BASE, ACCEPT, "replies forwarded from the tunnel to a container",
	     &tunnel_reply_to_container),
	CASE_SKIP(RECONNECTING, CASE_LAN_BLOCKED, G_BASE, DROP,
		  "reconnecting: no replies forwarded from the tunnel, where they leave",
		  "the forward chain drops this packet first, so the kernel never runs postrouting on it",
		  &tunnel_reply_to_container),

	/* CVE-2019-14899: the tunnel's address is reached only through the tunnel. */
	EACH_GUARDED(CASE, 0, G_TUNADDR6, DROP, "a forged reply to the tunnel's address over eth0",
		     &forged_reply),
	EACH_GUARDED(CASE, 0, G_TUNADDR6, DROP, "a probe of the tunnel's address over eth0", &probe_tun),
	EACH_GUARDED(CASE, 0, G_TUNADDR6, DROP, "a probe of the tunnel's IPv6 address over eth0", &probe_tun6),
	EACH_GUARDED(CASE, CASE_LAN_BLOCKED, G_TUNADDR6, DROP, "LAN blocked: a forged reply over eth0",
		     &forged_reply),
	EACH_GUARDED(CASE, CASE_LAN_BLOCKED, G_TUNADDR6, DROP, "LAN blocked: a probe over eth0", &probe_tun),
	EACH_GUARDED(CASE, CASE_LAN_BLOCKED, G_TUNADDR6, DROP, "LAN blocked: an IPv6 probe over eth0",
		     &probe_tun6),
	CASE(CONNECTED, 0, G_TUNADDR6, ACCEPT, "the same reply through the tunnel",
	     PKT(.chain = FX_CHAIN_INPUT, .iif = "wg0", .l4proto = IPPROTO_UDP, .sport = 9999, .dport = 40000,
		 .established = true, .saddr = WEB, .daddr = TUN_ADDR)),

	/* Addresses the link holds count as the tunnel's too (OpenVPN's are pushed). */
	CASE(CONNECTED, 0, G_BASE, ACCEPT, "a pushed address is LAN before we know it",
	     PKT(.chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_UDP, .dport = 1194,
		 .saddr = LAN_HOST, .daddr = "10.8.0.6")),
	CASE_LINK(CONNECTED, 0, G_BASE, "10.8.0.6/24", DROP, "a pushed address is the tunnel's once held",
		  PKT(.chain = FX_CHAIN_INPUT, .iif = "eth0", .l4proto = IPPROTO_UDP, .dport = 1194,
		      .saddr = LAN_HOST, .daddr = "10.8.0.6")),
	CASE_LINK(CONNECTED, 0, G_BASE, "10.8.0.6/24", REJECT, "and its subnet is no longer LAN",
		  TO_ETH0("10.8.0.1", 9999)),

	/* The tunnel's address never leaves by another interface. */
	EACH_GUARDED(CASE, 0, G_TUNADDR, DROP, "from the tunnel's address out of eth0", &from_tun_out),
	EACH_GUARDED(CASE, 0, G_TUNADDR, DROP, "from the tunnel's address out of eth0, where it leaves",
		     &from_tun_post),
	CASE(CONNECTED, 0, G_TUNADDR, ACCEPT, "from the tunnel's address into the tunnel",
	     PKT(.chain = FX_CHAIN_OUTPUT, .oif = "wg0", .l4proto = IPPROTO_UDP, .sport = 40000, .dport = 9999,
		 .saddr = TUN_ADDR, .daddr = WEB)),

	/* Neighbour discovery and ARP neither answer for nor announce the tunnel's address. */
	EACH_GUARDED(CASE, 0, G_TUNADDR6, DROP, "a solicitation for the tunnel's address", &ns_for_tun),
	EACH_GUARDED(CASE, 0, G_TUNADDR6, DROP, "an advert of the tunnel's address", &na_for_tun),
	EACH_GUARDED(CASE, 0, G_TUNADDR6, DROP, "an ARP request for the tunnel's address", &arp_for_tun),
	EACH_GUARDED(CASE, 0, G_TUNADDR6, DROP, "an ARP announcement of the tunnel's address", &arp_from_tun),
	EACH_GUARDED(CASE, 0, G_TUNADDR6, ACCEPT, "the client's own ARP announcement", &arp_from_client),
	EACH_GUARDED(CASE, 0, G_TUNADDR6, ACCEPT, "an ARP request for the client", &arp_for_client),
	EACH_GUARDED(CASE, 0, G_TUNADDR6, ACCEPT, "a solicitation for the client", &ns_for_client),

	/* While the tunnel is down its resolver, subnet and routed prefixes are no LAN. */
	EACH_GUARDED(CASE, 0, G_PREFIXES, REJECT, "the tunnel's resolver around it", TO_ETH0(RESOLVER, 5353)),
	EACH_GUARDED(CASE, 0, G_PREFIXES, REJECT, "the tunnel's subnet around it", TO_ETH0("10.66.0.77", 9999)),
	EACH_GUARDED(CASE, 0, G_PREFIXES, REJECT, "a routed prefix around the tunnel",
		     TO_ETH0("10.200.3.4", 9999)),
	EACH_GUARDED(CASE, 0, G_PREFIXES, REJECT, "a routed IPv6 prefix around the tunnel",
		     OUT_UDP6("eth0", "fd77::1", 9999)),
	EACH_GUARDED(CASE, 0, G_PREFIXES, REJECT, "the tunnel's IPv6 resolver around it",
		     OUT_UDP6("eth0", "fd66::1", 9999)),
	EACH_GUARDED(CASE, 0, G_PREFIXES, ACCEPT, "the rest of the LAN: the home subnet", TO_ETH0(LAN_HOST, 9999)),
	EACH_GUARDED(CASE, 0, G_PREFIXES, ACCEPT, "the rest of the LAN: beside the tunnel's subnet",
		     TO_ETH0("10.66.1.1", 9999)),
	EACH_GUARDED(CASE, 0, G_PREFIXES, ACCEPT, "the rest of the LAN: just below a routed prefix",
		     TO_ETH0("10.199.255.255", 9999)),
	EACH_GUARDED(CASE, 0, G_PREFIXES, ACCEPT, "the rest of the LAN: just above a routed prefix",
		     TO_ETH0("10.201.0.0", 9999)),
	EACH_GUARDED(CASE, 0, G_PREFIXES, ACCEPT, "the rest of the LAN: IPv6 unique local",
		     OUT_UDP6("eth0", "fd00::1", 9999)),
	CASE(CONNECTED, 0, G_PREFIXES, ACCEPT, "a routed prefix through the tunnel",
	     OUT_UDP("wg0", "10.200.3.4", 9999, 0)),

	/* A route that covers a whole private range is a default route for it. */
	CASE(RECONNECTING, 0, G_DEFAULT_LIKE, ACCEPT, "0.0.0.0/1 and 10/8 leave 10/8 to the LAN",
	     TO_ETH0("10.1.2.3", 9999)),
	CASE(RECONNECTING, 0, G_DEFAULT_LIKE, ACCEPT, "and 192.168/16", TO_ETH0("192.168.1.1", 9999)),
	CASE(RECONNECTING, 0, G_DEFAULT_LIKE, ACCEPT, "a tunnel's link-local address leaves fe80::/10 LAN",
	     OUT_UDP6("eth0", "fe80::3", 9999)),
	CASE(RECONNECTING, 0, G_DEFAULT_LIKE, REJECT, "but not itself", OUT_UDP6("eth0", "fe80::66", 9999)),

	/* The most a guard can hold. */
	CASE(RECONNECTING, 0, G_FULL, REJECT, "a full guard: a routed prefix", TO_ETH0("172.16.1.9", 9999)),
	CASE(RECONNECTING, 0, G_FULL, REJECT, "a full guard: a resolver", TO_ETH0("192.168.2.1", 9999)),
	CASE(RECONNECTING, 0, G_FULL, ACCEPT, "a full guard: the LAN between", TO_ETH0("192.168.3.1", 9999)),

	/* A program excluded: everyone else is as locked in as before. */
	CASE(CONNECTED, CASE_EXCLUDING, G_TUNADDR, REJECT, "a program excluded: another's packet stays in",
	     TO_ETH0(WEB, 9999)),
	CASE(CONNECTED, CASE_EXCLUDING, G_TUNADDR, REJECT,
	     "a program excluded: the tunnel's fwmark alone opens only the endpoint",
	     OUT_UDP("eth0", WEB, 9999, MARK)),
	CASE(CONNECTED, CASE_EXCLUDING, G_TUNADDR, ACCEPT,
	     "a program excluded: the tunnel's own packets still reach the endpoint",
	     OUT_UDP("eth0", SERVER, 51820, MARK)),
	CASE(CONNECTED, CASE_EXCLUDING, G_TUNADDR, DROP,
	     "a program excluded: a forged reply to the tunnel's address is still dropped", &forged_reply),
	CASE(CONNECTED, CASE_EXCLUDING, G_TUNADDR, DROP,
	     "a program excluded: the tunnel's address out of eth0 is still dropped", &from_tun_post),
	CASE(BLOCKED, CASE_EXCLUDING, G_TUNADDR, REJECT, "a program excluded: another's packet stays in, blocked",
	     TO_ETH0(WEB, 9999)),
	CASE(DISCONNECTED, CASE_LOCKDOWN | CASE_EXCLUDING, NULL, REJECT,
	     "lockdown, a program excluded: another's packet stays in", TO_ETH0(WEB, 9999)),
};

const size_t n_policy_cases = sizeof(policy_cases) / sizeof(policy_cases[0]);

/* As many addresses, routes and resolvers as the guard holds. */
static int fill_guard(struct fx_guard *g, struct fx_err *err)
{
	char text[64];
	int r = 0;

	for (int i = 0; r == 0 && g->n_addresses < FX_MAX_TUNNEL_ADDRS; i++) {
		snprintf(text, sizeof(text), "10.%d.0.2/24", 100 + i);
		r = fx_guard_set(g, "address", text, err);
	}
	for (int i = 0; r == 0 && g->n_routes < FX_MAX_TUNNEL_ROUTES; i++) {
		snprintf(text, sizeof(text), i % 2 ? "172.16.%d.0/24" : "fd%02x::/16", i);
		r = fx_guard_set(g, "route", text, err);
	}
	for (int i = 0; r == 0 && g->n_resolvers < FX_MAX_RESOLVERS; i++) {
		snprintf(text, sizeof(text), "192.168.%d.1", i * 2);
		r = fx_guard_set(g, "dns", text, err);
	}
	return r;
}

static int guard_word(struct fx_guard *g, char *word, struct fx_err *err)
{
	char *eq = strchr(word, '=');

	if (strcmp(word, "fill") == 0)
		return fill_guard(g, err);
	if (!eq)
		return fx_err_set(err, "guard word '%s' has no '='", word);
	*eq = '\0';
	return fx_guard_set(g, word, eq + 1, err);
}

static int parse_guard(const char *words, struct fx_guard *g, struct fx_err *err)
{
	char buf[512], *save = NULL;
	int r = 0;

	if (snprintf(buf, sizeof(buf), "%s", words) >= (int)sizeof(buf))
		return fx_err_set(err, "guard too long");
	for (char *w = strtok_r(buf, " ", &save); r == 0 && w; w = strtok_r(NULL, " ", &save))
		r = guard_word(g, w, err);
	return r;
}

/* No cgroup has this id: no socket the lab makes is excluded. */
static const uint64_t case_excluded_id = 0x66786e66786eull;

int policy_case_compile(const struct policy_case *c, struct fx_ruleset *rs, struct fx_err *err)
{
	static struct fx_guard guard; /* large: kept off the stack */
	struct fx_policy_input in = { .state = c->state };
	struct fx_prefix link_addr;
	int r;

	memset(&guard, 0, sizeof(guard));
	fx_settings_default(&in.settings);
	in.settings.allow_lan = !(c->settings & CASE_LAN_BLOCKED);
	in.settings.lockdown = c->settings & CASE_LOCKDOWN;
	if (c->settings & CASE_EXCLUDING) {
		in.excluded = &case_excluded_id;
		in.n_excluded = 1;
	}
	if (c->guard) {
		r = parse_guard(c->guard, &guard, err);
		if (r < 0)
			return r;
		in.guard = &guard;
	}
	if (c->link_addr) {
		r = fx_prefix_parse(c->link_addr, &link_addr, err);
		if (r < 0)
			return r;
		in.link_addrs = &link_addr;
		in.n_link_addrs = 1;
	}
	r = fx_policy_compile(&in, rs);
	if (r < 0)
		fx_err_set(err, "the policy does not fit");
	return r;
}

const char *policy_verdict_name(enum fx_verdict v)
{
	switch (v) {
	case FX_ACCEPT:
		return "accept";
	case FX_DROP:
		return "drop";
	case FX_REJECT:
		return "reject";
	case FX_MARK:
		return "mark";
	case FX_MASQUERADE:
		return "masquerade";
	}
	return "?";
}

static const char *l4_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	default:
		return "ip";
	}
}

void policy_pkt_format(const struct test_pkt *p, char *buf, size_t len)
{
	bool arp = fx_chain_in_arp_table(p->chain);
	int n = snprintf(buf, len, "%s%s %s%s%s%s %s", arp ? "arp " : "", fx_chain_name(p->chain),
			 p->iif ? p->iif : "", p->iif && p->oif ? ">" : "", p->oif ? p->oif : "",
			 p->established ? " established" : "", arp ? "request" : l4_name(p->l4proto));

	if (n < 0 || (size_t)n >= len)
		return;
	if (p->l4proto == IPPROTO_UDP || p->l4proto == IPPROTO_TCP)
		n += snprintf(buf + n, len - (size_t)n, " %s:%u > %s:%u", p->saddr, p->sport, p->daddr,
			      p->dport);
	else if (arp)
		n += snprintf(buf + n, len - (size_t)n, " %s > %s", p->saddr, p->daddr);
	else
		n += snprintf(buf + n, len - (size_t)n, " type %u %s > %s", p->icmp_type, p->saddr, p->daddr);
	if (n > 0 && (size_t)n < len && p->nd_target)
		n += snprintf(buf + n, len - (size_t)n, " target %s", p->nd_target);
	if (n > 0 && (size_t)n < len && p->hop_limit)
		n += snprintf(buf + n, len - (size_t)n, " hlim %u", p->hop_limit);
	if (n > 0 && (size_t)n < len && p->mark)
		snprintf(buf + n, len - (size_t)n, " mark %u", p->mark);
}
