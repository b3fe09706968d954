#!/usr/bin/env bash
# The policy's packet cases judged by the kernel. tests/unit/test_policy.c
# judges every case of tests/unit/policy_cases.c with policy_eval.c, a model
# of nf_tables; a rule that nft_rule.c builds wrong (an offset, a length, a
# byte order) would pass it. Here the same cases are compiled by the real
# policy compiler, loaded with fx_nft_apply into a scratch namespace, and the
# kernel judges each case's packet (tests/lab/policyjudge.c).
#
# One namespace, no peers: the client's links are a tap and two tun devices
# whose other ends are file descriptors of policyjudge.
#
#              ┌──────────── fx<pid>-judge ─────────────┐
#   tap fd ═══ │ eth0    (Ethernet: IP and ARP)         │
#   tun fd ═══ │ wg0     (the tunnel)                   │  table inet fexyn, arp fexyn (the case's)
#   tun fd ═══ │ docker0 (a container bridge)           │  table inet fxlab, arp fxlab (the lab's)
#              └────────────────────────────────────────┘
#
# How the kernel is asked, and why this way. The verdict is read from
# nftables' own trace events (NFNLGRP_NFTRACE): the lab's table sets
# `meta nftrace` on every packet at priority -300, before fexyn's chains at
# 0, and the kernel then reports, for each chain a packet passes, which rule
# decided it (by handle) or that the chain's policy did. That is exact for
# every hook the cases use, and tells drop from reject, which counting
# packets at a receiver cannot: a reject is a drop verdict whose rule, read
# back from the kernel, holds a reject expression. The packets are real:
#   output       sent from a raw socket bound to the case's interface, with
#                the case's mark, source and hop limit in the header;
#   input        written into the tap (eth0, in an Ethernet frame) or tun
#                device, to an address made local for the case;
#   forward      written into the input device, routed out of the case's
#                output device by a host route made for the case;
#   postrouting  IPv4: sent by way of lo, which fexyn's output chain always
#                accepts, marked so that the lab's route chain after fexyn's
#                output chain restores the case's mark and the kernel
#                re-routes it out of the case's interface - the re-routing
#                the postrouting chain exists for; IPv6 (the kernel keeps a
#                link-scoped packet on its device when re-routing): sent
#                straight out of the interface, past the output chain, which
#                accepts those cases; from an input interface: forwarded;
#   arp input    an ARP request written into the tap;
#   arp output   the kernel's own gratuitous ARP (arp_notify, the link's
#                hardware address changed), the only ARP output a host can
#                be made to send for a chosen sender address.
# A case's "established" is a conntrack entry made through ctnetlink for
# the connection the packet replies to; conntrack is flushed before every
# case. Each packet carries a tag (IPv4 id, IPv6 flow label, ARP sender
# hardware address) that picks its trace events out of the kernel's own
# traffic. A case the kernel cannot be shown faithfully says why in the
# table and is counted as SKIP.
#
# Arguments go to policyjudge: --verbose shows every case's packet and the
# rule the kernel and the model each used; --case N runs only case N.
set -euo pipefail
TEST_NAME=policy-kernel
here=$(cd "$(dirname "$0")" && pwd)
source "$here/netlab.sh"
source "$here/fexyn-lab.sh"
JUDGE_BIN=$FEXYN_BUILD/tests/lab/policyjudge

lab_init
lab_ns_extra NS_JUDGE judge
nj() { pp ip netns exec "$NS_JUDGE" "$@"; }

echo "--- the client's links: a tap and two tun devices, no address of their own"
nj sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
	net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
for link in eth0:tap wg0:tun docker0:tun; do
	ip -n "$NS_JUDGE" tuntap add dev "${link%:*}" mode "${link#*:}"
	# Addresses come per case: none made by the kernel, no duplicate detection.
	ip -n "$NS_JUDGE" link set "${link%:*}" addrgenmode none
	nj sysctl -qw "net.ipv4.conf.${link%:*}.rp_filter=0"
done
# The kernel announces eth0's addresses when its hardware address changes.
nj sysctl -qw net.ipv4.conf.eth0.arp_notify=1
metric=1
for link in eth0 wg0 docker0; do
	ip -n "$NS_JUDGE" link set "$link" up
	# A socket bound to a link finds a route out of it.
	ip -n "$NS_JUDGE" route add default dev "$link" metric "$metric"
	ip -n "$NS_JUDGE" -6 route add default dev "$link" metric "$metric"
	metric=$((metric + 1))
done
# Postrouting cases leave by lo first (see above).
ip -n "$NS_JUDGE" rule add fwmark 0x7ab00000/0xffff0000 lookup 201 priority 100
ip -n "$NS_JUDGE" route add default dev lo table 201

echo "--- the lab's table: trace every packet, and mark where fexyn's chains end"
nj nft -f - <<-'NFT'
table inet fxlab {
	chain trace_pre {
		type filter hook prerouting priority -300;
		meta nftrace set 1
	}
	chain trace_out {
		type filter hook output priority -300;
		meta nftrace set 1
	}
	chain reroute {
		type route hook output priority 10;
		meta mark and 0xffff0000 == 0x7ab00000 meta mark set meta mark and 0x0000ffff
	}
	chain done_in {
		type filter hook input priority 300;
	}
	chain done_out {
		type filter hook output priority 300;
	}
	chain done_fwd {
		type filter hook forward priority 300;
	}
	chain done_post {
		type filter hook postrouting priority 300;
	}
}
table arp fxlab {
	chain trace_in {
		type filter hook input priority -300;
		meta nftrace set 1
	}
	chain trace_out {
		type filter hook output priority -300;
		meta nftrace set 1
	}
	chain done_in {
		type filter hook input priority 300;
	}
	chain done_out {
		type filter hook output priority 300;
	}
}
NFT

echo "--- every case: compiled, loaded, its packet judged by the kernel"
start=$(date +%s%N)
set +e
ip netns exec "$NS_JUDGE" "$JUDGE_BIN" "$@" | tee "$LAB_TMP/judge.out"
rc=${PIPESTATUS[0]}
set -e
echo "  $(( ($(date +%s%N) - start) / 1000000 )) ms"
summary=$(tail -n 1 "$LAB_TMP/judge.out")
check "policyjudge ran every case it could and judged them all as expected" [ "$rc" -eq 0 ]
check "the kernel judged cases" grep -Eq 'judged by the kernel: [1-9][0-9]* as expected, 0 not' <<<"$summary"
check_eq "lines that say FAIL" "$(grep -c '^FAIL' "$LAB_TMP/judge.out" || true)" 0
echo "  skipped: $(grep -c '^SKIP' "$LAB_TMP/judge.out" || true)"
echo "PASS $TEST_NAME"
