#!/usr/bin/env bash
# CVE-2019-14899: a host on the LAN path reaches, probes or injects into the
# tunnel by sending to the tunnel's own address over the physical interface.
# Linux takes a packet for any local address on any interface (weak host),
# answers ARP for it on any interface, and conntrack does not know
# interfaces: a reply forged onto the LAN wire for a flow that runs through
# the tunnel is "established". The client holds the tunnel's addresses
# 10.66.0.2 and fd66::2 (fexyn0, or wg0 without fexyn).
#
#   client eth0 .2 ──┐   (labin: what got past the firewall's input)
#   [fexyn0 10.66.0.2, fd66::2]
#                     ├─ br0 .1 [router] br1 ── vpn (wireguard-go), web .20
#   lanhost eth0 .3 ──┘   (route 10.66.0.2, fd66::2 via the client;
#                          counts answers, ARP replies, adverts)
#
# - A LAN host sends UDP and TCP to the tunnel's addresses (a route via the
#   client's LAN address), LAN allowed and blocked: nothing gets past the
#   client's input chain (a lab chain at priority 10, after fexyn's at 0,
#   counts what does) and nothing answers.
# - The router forges the web host's address (198.51.100.20:9999, with
#   IP_TRANSPARENT) into a UDP flow the client runs through the tunnel from
#   a known port: conntrack calls the forgeries established; none is
#   delivered.
# - ARP for 10.66.0.2 from the LAN host: no reply; ARP for the client's real
#   address still works. A neighbour solicitation for fd66::2: no advert.
# - A program on the client sends from the tunnel's address out of eth0:
#   nothing reaches the LAN host.
# Each with fexyn connect while connected and while reconnecting (the VPN
# server killed, fexyn0 still holding the addresses), and with fexyn guard
# on a wg-quick-like tunnel (the addresses learned from the link). Without
# fexyn, on the same wg-quick-like tunnel, each attempt gets through.
source "$(dirname "$0")/lab-test.sh"

TUN4=10.66.0.2
TUN6=fd66::2
SPORT=40000 # the client flow's source port, which the forger aims at
FLOW_SECONDS=120 # longer than it is needed: stopped by its PID

in_client() { ip netns exec "$NS_CLIENT" "$@"; }
in_lan() { ip netns exec "$NS_LAN" "$@"; }

# Packets a counter counted, in a table of any family (ns_counter: inet only).
counter_of() { # ns family table counter
	ip netns exec "$1" nft -j list counter "$2" "$3" "$4" |
		jq '.nftables[] | select(.counter) | .counter.packets'
}

counters_reset() { # ns family table counter...
	local ns=$1 fam=$2 table=$3 c
	shift 3
	for c in "$@"; do
		ip netns exec "$ns" nft reset counter "$fam" "$table" "$c" >/dev/null
	done
}

# The LAN host sends UDP and TCP, v4 and v6, to the tunnel's addresses over
# the LAN wire. Leaves PROBED (what got past the client's firewall) and
# ANSWERED (what came back from the tunnel's addresses: RST, SYN-ACK, ICMP).
probe_tunnel_addrs() {
	local pids=()
	counters_reset "$NS_CLIENT" inet labin probe arrived4 arrived6
	counters_reset "$NS_LAN" inet labseen from_tunnel
	ip netns exec "$NS_LAN" "$FLOOD_BIN" --to "$TUN4:9999" --rate 500 --seconds 1 >&2 &
	pids+=($!)
	ip netns exec "$NS_LAN" "$FLOOD_BIN" --to "[$TUN6]:9999" --rate 500 --seconds 1 >&2 &
	pids+=($!)
	ip netns exec "$NS_LAN" socat -u - "TCP:$TUN4:2222,connect-timeout=1" </dev/null >/dev/null 2>&1 &
	pids+=($!)
	ip netns exec "$NS_LAN" socat -u - "TCP6:[$TUN6]:2222,connect-timeout=1" </dev/null >/dev/null 2>&1 &
	pids+=($!)
	wait "${pids[@]}" || true
	sleep 0.2
	PROBED=$(counter_of "$NS_CLIENT" inet labin probe)
	ANSWERED=$(counter_of "$NS_LAN" inet labseen from_tunnel)
	echo "  LAN host -> $TUN4, $TUN6: $PROBED past the client's input, $ANSWERED answers"
	check_gt "the probes to $TUN4 reached the client's eth0" "$(counter_of "$NS_CLIENT" inet labin arrived4)" 500
	check_gt "the probes to $TUN6 reached the client's eth0" "$(counter_of "$NS_CLIENT" inet labin arrived6)" 500
}

# A UDP flow from the client's port $SPORT to the web host, through the
# tunnel, in the background until client_flow_stop; waits until the web
# host counts it arriving from the VPN server.
client_flow_start() {
	web_counters_reset
	ip netns exec "$NS_CLIENT" "$FLOOD_BIN" --to "$WEB:9999" --sport "$SPORT" --rate 200 \
		--seconds "$FLOW_SECONDS" >"$LAB_TMP/client-flow.out" &
	CLIENT_FLOW_PID=$!
	flow_wait_tunnel 50
}

client_flow_stop() {
	kill "$CLIENT_FLOW_PID"
	wait "$CLIENT_FLOW_PID" 2>/dev/null || true
}

# The router forges the web host's replies into the client's flow: from
# 198.51.100.20:9999 to the tunnel's address, port $SPORT, on the LAN wire.
# Leaves FORGED (delivered past the client's firewall) and FORGED_EST (what
# conntrack called established, before any filter).
forge_into_flow() {
	counters_reset "$NS_CLIENT" inet labin forged forged_est
	ip netns exec "$NS_ROUTER" "$FLOOD_BIN" --from "$WEB" --sport 9999 --to "$TUN4:$SPORT" \
		--rate 500 --seconds 1 >&2
	sleep 0.2
	FORGED=$(counter_of "$NS_CLIENT" inet labin forged)
	FORGED_EST=$(counter_of "$NS_CLIENT" inet labin forged_est)
	echo "  forged into the flow: $FORGED_EST established by conntrack, $FORGED delivered"
}

# ARP requests from the LAN host for $1; prints the replies it counted.
arp_replies() { # address counter
	counters_reset "$NS_LAN" arp labarp "$2"
	in_lan arping -c 3 -w 3 -I eth0 "$1" >/dev/null 2>&1 || true
	counter_of "$NS_LAN" arp labarp "$2"
}

# Neighbour solicitations from the LAN host for the tunnel's v6 address;
# leaves ADVERTS, the adverts for it the LAN host counted.
nd_solicit() {
	counters_reset "$NS_LAN" inet labseen na
	counters_reset "$NS_CLIENT" inet labin solicited
	in_lan ndisc6 -r 3 -w 500 "$TUN6" eth0 >/dev/null 2>&1 || true
	check_gt "the solicitations reached the client's eth0" "$(counter_of "$NS_CLIENT" inet labin solicited)" 0
	ADVERTS=$(counter_of "$NS_LAN" inet labseen na)
}

# A program on the client sends from the tunnel's addresses out of eth0 to
# the LAN host; prints what the LAN host counted from those addresses.
from_tunnel_on_lan() {
	counters_reset "$NS_LAN" inet labseen from_tunnel
	in_client "$FLOOD_BIN" --from "$TUN4" --bind-dev eth0 --to "$LAN_HOST:9999" \
		--rate 500 --seconds 1 >&2 || true
	in_client "$FLOOD_BIN" --from "$TUN6" --bind-dev eth0 --to "[$LAN_HOST6]:9999" \
		--rate 500 --seconds 1 >&2 || true
	sleep 0.2
	counter_of "$NS_LAN" inet labseen from_tunnel
}

# Polls (≤ 10 s) until link $1 holds both tunnel addresses.
wait_tunnel_addrs() { # link
	local a
	for _ in $(seq 200); do
		a=$(ip -n "$NS_CLIENT" -br addr show dev "$1" 2>/dev/null) || true
		if grep -q " $TUN4/" <<<"$a" && grep -q " $TUN6/" <<<"$a"; then
			return 0
		fi
		sleep 0.05
	done
	echo "$1 does not hold $TUN4 and $TUN6: $a" >&2
	return 1
}

# Everything above, in one firewall state; adds what got through to the
# *_with totals.
attempts_with_fexyn() { # link (where the tunnel's addresses are)
	local a
	forge_into_flow
	check_gt "conntrack calls the forged packets established" "$FORGED_EST" 0
	forged_with=$((forged_with + FORGED))
	probe_tunnel_addrs
	probed_with=$((probed_with + PROBED))
	answered_with=$((answered_with + ANSWERED))
	a=$(arp_replies "$TUN4" tunnel)
	echo "  ARP replies for $TUN4: $a"
	arp_with=$((arp_with + a))
	check_gt "ARP for the client's real address is answered" "$(arp_replies "$CLIENT_REAL" real)" 0
	nd_solicit
	check_eq "adverts for $TUN6 at the LAN host" "$ADVERTS" 0
	a=$(from_tunnel_on_lan)
	echo "  from the tunnel's addresses at the LAN host: $a"
	out_with=$((out_with + a))
	check "$1 still holds the tunnel's addresses" wait_tunnel_addrs "$1"
}

lab_init
lab_up_bare
lab_ipv6_up
lab_server_ipv6_tunnel
sed "s|^Address = .*|Address = $TUN4/32, $TUN6/128|" "$LAB_TMP/vpn1.conf" >"$LAB_TMP/vpn1-v6.conf"
check "the lab's IPv6 works" lab_ipv6_wait "$WEB6"
# Reverse-path filtering loose, as systemd sets it on most distributions
# (strict would itself drop the forged replies, which come in on eth0 while
# the route back to the web host goes through the tunnel).
in_client sysctl -qw net.ipv4.conf.all.rp_filter=2
# The LAN host and the router send to the tunnel's addresses via the client.
ip -n "$NS_LAN" route add "$TUN4/32" via "$CLIENT_REAL" dev eth0
ip -n "$NS_LAN" -6 route add "$TUN6/128" via "$CLIENT6" dev eth0
# The LAN host knows the client's MAC for its v6 address, as an attacker on
# the wire does: fexyn answers no neighbour solicitation from a global
# address (its adverts go only to link-local, ULA and multicast), and a
# failed neighbour entry would send the v6 probes to the router instead.
ip -n "$NS_LAN" -6 neigh replace "$CLIENT6" dev eth0 nud permanent \
	lladdr "$(ip -n "$NS_CLIENT" -j link show eth0 | jq -r '.[0].address')"
ip -n "$NS_ROUTER" route add "$TUN4/32" via "$CLIENT_REAL" dev br0
# What gets past the client's input chain: fexyn's is at priority 0, this
# one at 10 sees only what fexyn accepted. The prerouting chain, after
# conntrack (-200) and before any filter, counts what arrived on the wire
# (so that 0 past the firewall is the firewall's doing) and says what
# conntrack made of the forgeries.
in_client nft -f - <<NFT
table inet labin {
	counter arrived4 { }
	counter arrived6 { }
	counter solicited { }
	counter probe { }
	counter forged { }
	counter forged_est { }
	chain pre {
		type filter hook prerouting priority -100;
		iifname "eth0" ip saddr $LAN_HOST ip daddr $TUN4 counter name arrived4
		iifname "eth0" ip6 saddr $LAN_HOST6 ip6 daddr $TUN6 counter name arrived6
		iifname "eth0" icmpv6 type nd-neighbor-solicit @th,64,128 0xfd660000000000000000000000000002 counter name solicited
		iifname "eth0" ip daddr $TUN4 udp sport 9999 udp dport $SPORT ct state established counter name forged_est
	}
	chain in {
		type filter hook input priority 10;
		iifname "eth0" ip daddr $TUN4 udp sport 9999 udp dport $SPORT counter name forged
		iifname "eth0" ip saddr $LAN_HOST ip daddr $TUN4 counter name probe
		iifname "eth0" ip6 saddr $LAN_HOST6 ip6 daddr $TUN6 counter name probe
	}
}
NFT
# What reaches the LAN host from the tunnel's addresses (answers, or the
# addresses leaving on eth0), adverts for fd66::2, and ARP replies.
in_lan nft -f - <<NFT
table inet labseen {
	counter from_tunnel { }
	counter na { }
	chain pre {
		type filter hook prerouting priority -300;
		ip saddr $TUN4 counter name from_tunnel
		ip6 saddr $TUN6 counter name from_tunnel
		icmpv6 type nd-neighbor-advert @th,64,128 0xfd660000000000000000000000000002 counter name na
	}
}
table arp labarp {
	counter tunnel { }
	counter real { }
	chain in {
		type filter hook input priority 0;
		arp operation reply arp saddr ip $TUN4 counter name tunnel
		arp operation reply arp saddr ip $CLIENT_REAL counter name real
	}
}
NFT
fx_start
forged_with=0 probed_with=0 answered_with=0 arp_with=0 out_with=0

echo "=== fexyn connect, connected"
fx connect "$LAB_TMP/vpn1-v6.conf" >/dev/null
check_eq "state" "$(fx_state)" connected
check_eq "the status lists the config's addresses" \
	"$(fx status --json | jq -c '.address')" "[\"$TUN4/32\",\"$TUN6/128\"]"
check "fexyn0 holds the tunnel's addresses" wait_tunnel_addrs fexyn0
client_flow_start
attempts_with_fexyn fexyn0
echo "--- LAN blocked"
fx lan block >/dev/null
check_eq "LAN" "$(fx status --json | jq -r .lan)" block
probe_tunnel_addrs
probed_with=$((probed_with + PROBED))
answered_with=$((answered_with + ANSWERED))
fx lan allow >/dev/null

echo "=== fexyn connect, reconnecting: the VPN server killed, fexyn0 keeps the addresses"
kill -9 "$VPN_WG_PID"
fx_wait_state reconnecting 15
check "fexyn0 holds the tunnel's addresses" wait_tunnel_addrs fexyn0
# The client's flow keeps sending (refused now), and keeps conntrack's
# entry for it alive.
attempts_with_fexyn fexyn0
check_eq "still reconnecting" "$(fx_state)" reconnecting
client_flow_stop

echo "=== without fexyn: a wg-quick-like tunnel with the same addresses"
fx disconnect >/dev/null
lab_server_start "$NS_VPN" 10.66.0.1 10.66.0.2
VPN_WG_PID=$WG_PID
ip -n "$NS_VPN" -6 addr add fd66::1/64 dev wg0 nodad
wg_in "$VPN_WG_PID" set wg0 peer "$(cat "$LAB_TMP/client.pub")" allowed-ips "$TUN4/32,$TUN6/128"
lab_client_policy_routing
lab_client_tunnel_up
ip -n "$NS_CLIENT" -6 addr add "$TUN6/128" dev wg0 nodad
check "wg0 holds the tunnel's addresses" wait_tunnel_addrs wg0
client_flow_start
forge_into_flow
forged_without=$FORGED
client_flow_stop
probe_tunnel_addrs
probed_without=$PROBED
answered_without=$ANSWERED
arp_without=$(arp_replies "$TUN4" tunnel)
echo "  ARP replies for $TUN4: $arp_without"
nd_solicit
echo "  adverts for $TUN6 (Linux answers only on the address's own link): $ADVERTS"
out_without=$(from_tunnel_on_lan)
echo "  from the tunnel's addresses at the LAN host: $out_without"

echo "=== fexyn guard on that tunnel: the addresses learned from the link"
fx_guard_lab
fx_wait_state connected
check_eq "the guard was given no address" "$(fx status --json | jq -c '.address // []')" "[]"
link_addrs=$(fx status --json | jq -r '.link_address[]')
check "the status lists wg0's v4 address" grep -qx "$TUN4/32" <<<"$link_addrs"
check "the status lists wg0's v6 address" grep -qx "$TUN6/128" <<<"$link_addrs"
client_flow_start
attempts_with_fexyn wg0
client_flow_stop
fx disconnect >/dev/null

leak_record "CVE-2019-14899: a LAN host reaches the tunnel's address" \
	"UDP and TCP from the LAN host to 10.66.0.2 and fd66::2, routed via the client's LAN address (LAN allowed and blocked; connected, reconnecting, fexyn guard); counted past the client's input chain" \
	"$probed_with" "$probed_without"
leak_record "CVE-2019-14899: the tunnel's address answers on the LAN" \
	"the same probes; answers (RST, ICMP) from 10.66.0.2 or fd66::2 counted at the LAN host" \
	"$answered_with" "$answered_without"
leak_record "CVE-2019-14899: a forged reply injected into a tunnelled flow" \
	"the router forges 198.51.100.20:9999 into the client's UDP flow through the tunnel (to 10.66.0.2, the flow's port, over the LAN wire; conntrack calls it established); counted past the client's input chain" \
	"$forged_with" "$forged_without"
leak_record "CVE-2019-14899: ARP for the tunnel's address" \
	"arping 10.66.0.2 from the LAN host; replies counted at the LAN host" \
	"$arp_with" "$arp_without"
leak_record "The tunnel's address on the LAN wire" \
	"UDP from 10.66.0.2 and fd66::2 out of eth0 (bound to it) to the LAN host; counted at the LAN host" \
	"$out_with" "$out_without"
leak_report
echo "PASS $TEST_NAME"
