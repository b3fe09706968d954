#!/usr/bin/env bash
# DHCP, router and neighbour discovery and ARP while fexyn blocks everything
# else (issue 4, item 3). fexyn guards a tunnel that is not up yet, so the
# state is `connecting` and nothing may leave but the link's own services;
# the LAN is blocked too (`fexyn lan block`), so the LAN rule cannot be what
# lets them through. Meanwhile a flow tries to reach the web host.
#
# - udhcpc gets its lease from the router's dnsmasq, and renews it (a unicast
#   DHCPREQUEST from the bound address, answered to it);
# - rdisc6 solicits a router advertisement (dnsmasq's RA), ndisc6 resolves
#   the router's address (neighbour solicitation and advertisement);
# - arping gets its answers: ARP is not filtered.
source "$(dirname "$0")/lab-test.sh"

in_client() { ip netns exec "$NS_CLIENT" "$@"; }

router_count() {
	ns_counter "$NS_ROUTER" labdhcp "$1"
}

lab_init
lab_up_bare
lab_ipv6_up
router_uplink_counter_up
# The router counts the client's unicast DHCP (a renewal) and its solicitations.
ip netns exec "$NS_ROUTER" nft -f - <<NFT
table inet labdhcp {
	counter renew { }
	counter rs { }
	counter ns { }
	chain in {
		type filter hook input priority -300;
		ip saddr $CLIENT_REAL udp sport 68 udp dport 67 counter name renew
		icmpv6 type nd-router-solicit counter name rs
		icmpv6 type nd-neighbor-solicit counter name ns
	}
}
NFT
mac=$(ip -n "$NS_CLIENT" -j link show eth0 | jq -r '.[0].address')
lab_dnsmasq "$NS_ROUTER" dhcp --port=0 --interface=br0 --bind-interfaces \
	--dhcp-authoritative --dhcp-leasefile="$LAB_TMP/dnsmasq.leases" \
	--dhcp-range=192.168.77.100,192.168.77.150,255.255.255.0,2m \
	--dhcp-host="$mac,$CLIENT_REAL" \
	--enable-ra --dhcp-range=2001:db8:77::,ra-only,64 --ra-param=br0,10,600
# The client comes to the LAN without an address: DHCP will give it one.
ip -n "$NS_CLIENT" -4 addr flush dev eth0

fx_start
fx_guard_lab
fx_wait_state connecting
if fx lan block >/dev/null 2>&1; then
	lan=blocked
	check_eq "the LAN is blocked" "$(fx status --json | jq -r .lan)" block
else
	lan=allowed
	echo "  fexyn lan block is not available: the LAN stays allowed"
fi
leak_counters_reset
ip netns exec "$NS_CLIENT" "$FLOOD_BIN" --to "$WEB:9999" --rate 1000 --seconds 10 >"$LAB_TMP/flow.out" &
flow=$!

echo "--- DHCP: a lease, then a renewal"
lab_udhcpc "$NS_CLIENT" eth0
check "udhcpc got the client's address" grep -q "^bound ip=$CLIENT_REAL " "$LAB_TMP/udhcpc-events"
check "the address is on eth0" grep -q "inet $CLIENT_REAL/24" <<<"$(ip -n "$NS_CLIENT" addr show eth0)"
check "the default route came with it" grep -q "default via $ROUTER_LAN" <<<"$(ip -n "$NS_CLIENT" route)"
if [ "$lan" = blocked ]; then
	check "the LAN host does not answer (LAN blocked)" not quiet in_client ping -c 1 -W 1 "$LAN_HOST"
fi
kill -USR1 "$UDHCPC_PID"
for _ in $(seq 50); do
	grep -q '^renew ' "$LAB_TMP/udhcpc-events" && break
	sleep 0.1
done
check "udhcpc renewed its lease" grep -q '^renew ' "$LAB_TMP/udhcpc-events"
check_gt "the renewal went to the server from the bound address" "$(router_count renew)" 0
check_gt "dnsmasq acknowledged twice" "$(grep -c "DHCPACK(br0) $CLIENT_REAL" "$LAB_TMP/dnsmasq-dhcp.log")" 1

echo "--- router solicitation and advertisement"
out=$(in_client rdisc6 -1 -w 1000 eth0 2>&1 || true)
echo "$out" | sed 's/^/  | /'
check "a router advertisement came back with the LAN's prefix" grep -q "2001:db8:77::/64" <<<"$out"
check_gt "the router saw the solicitation" "$(router_count rs)" 0

echo "--- neighbour solicitation and advertisement"
out=$(in_client ndisc6 -1 -w 1000 "$ROUTER6_LAN" eth0 2>&1 || true)
echo "$out" | sed 's/^/  | /'
check "the router's link-layer address came back" grep -qi "link-layer address" <<<"$out"
check_gt "the router saw the solicitation" "$(router_count ns)" 0

echo "--- ARP"
ip -n "$NS_CLIENT" neigh flush dev eth0
check "arping gets answers from the router" quiet in_client arping -c 2 -w 3 -I eth0 "$ROUTER_LAN"
check "fexyn has no bridge or netdev table" \
	not grep -Eq '^table (bridge|netdev) ' <<<"$(in_client nft list tables)"
# Its ARP table holds two rules, each for the tunnel's own address only.
arp_rules=$(in_client nft list table arp fexyn 2>/dev/null | grep -E ' (drop|reject|accept)( |$)' |
	grep -v 'policy accept' || true)
echo "$arp_rules" | sed 's/^/  | /'
check "fexyn's ARP rules drop only ARP for the tunnel's address" \
	[ -z "$(grep -v -e '@tunnel4 drop' -e '^$' <<<"$arp_rules")" ]

wait "$flow"
echo "  flow: $(cat "$LAB_TMP/flow.out")"
check_eq "state" "$(fx_state)" connecting
dhcp_with=$(leaked_now)

echo "--- without fexyn"
fx disconnect >/dev/null
leak_counters_reset
kill -USR1 "$UDHCPC_PID"
in_client "$FLOOD_BIN" --to "$WEB:9999" --rate 1000 --seconds 2
dhcp_without=$(leaked_now)

leak_record "DHCP and neighbour discovery" \
	"while fexyn blocks (no tunnel yet, LAN $lan): udhcpc gets and renews its lease from dnsmasq, rdisc6 gets a router advertisement, ndisc6 a neighbour advertisement, arping its replies; a flow to the web host meanwhile" \
	"$dhcp_with" "$dhcp_without"
leak_report
echo "PASS $TEST_NAME"
