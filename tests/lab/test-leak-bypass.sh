#!/usr/bin/env bash
# Programs that try to get around the tunnel (issue 4, item 8, and the holes
# every kill switch has to keep open):
#
# - SO_BINDTODEVICE to the physical interface (udpflood --bind-dev eth0,
#   ping -I eth0, curl --interface eth0) while the tunnel is up;
# - an IP literal (no DNS involved) while the tunnel is down;
# - a program that puts the tunnel's fwmark on its own socket (SO_MARK);
# - the DHCP ports (UDP 68 -> 67, 546 -> 547) and the neighbour-discovery
#   ICMPv6 types, which the kill switch lets out for the link's sake, used to
#   reach the web host.
#
# Each attempt is made with fexyn (connect, then guard with the tunnel down)
# and without it (a wg-quick-like tunnel), counting at the web host and on
# the router's uplink.
source "$(dirname "$0")/lab-test.sh"

in_client() { ip netns exec "$NS_CLIENT" "$@"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

bind_eth0() {
	in_client "$FLOOD_BIN" --to "$WEB:9999" --rate 1000 --seconds 1 --bind-dev eth0 || true
	in_client ping -c 3 -i 0.2 -W 1 -I eth0 "$WEB" >/dev/null 2>&1 || true
	in_client curl -s --max-time 2 --interface eth0 "http://$WEB/" >/dev/null 2>&1 || true
}

ip_literal() {
	in_client "$FLOOD_BIN" --to "$WEB:9999" --rate 1000 --seconds 1 || true
	in_client ping -c 3 -i 0.2 -W 1 "$WEB" >/dev/null 2>&1 || true
}

fwmark() {
	in_client "$FLOOD_BIN" --to "$WEB:9999" --rate 1000 --seconds 1 --mark "$FWMARK" || true
}

dhcp_ports() {
	local i
	for i in $(seq 5); do
		echo "fexyn-lab $i" | in_client socat -u - \
			"UDP4-SENDTO:$WEB:67,sourceport=68,so-bindtodevice=eth0" 2>/dev/null || true
		echo "fexyn-lab $i" | in_client socat -u - \
			"UDP6-SENDTO:[$WEB6]:547,sourceport=546,so-bindtodevice=eth0" 2>/dev/null || true
	done
}

nd_types() {
	in_client timeout 5 rdisc6 -1 -r 5 -w 100 "$WEB6" eth0 >/dev/null 2>&1 || true
}

# Runs attempt $1 with the counters reset; prints what leaked.
attempt() {
	leak_counters_reset
	"$1" >&2
	sleep 0.2
	leaked_now
}

lab_init
lab_up_bare
lab_ipv6_up
router_uplink_counter_up
fx_start

echo "--- with fexyn connect, the tunnel up"
fx connect "$LAB_TMP/vpn1.conf" >/dev/null
check_eq "state" "$(fx_state)" connected
t0=$(now_ms)
out=$(in_client "$FLOOD_BIN" --to "$WEB:9999" --rate 1000 --seconds 1 --bind-dev eth0)
check "sends bound to eth0 fail at once ($out)" grep -q '^sent=0 ' <<<"$out"
t0=$(now_ms)
check "curl --interface eth0 fails" not in_client curl -s --max-time 5 --interface eth0 "http://$WEB/"
echo "  curl failed after $(($(now_ms) - t0)) ms"
check "curl failed at once, not by timing out" [ $(($(now_ms) - t0)) -lt 2000 ]
bind_with=$(attempt bind_eth0)
mark_with=$(attempt fwmark)
dhcp_with=$(attempt dhcp_ports)
nd_with=$(attempt nd_types)
flow_start 2000 1
flow_finish
check_gt "the tunnel carries a program's ordinary traffic" "$TUNNEL_COUNT" 1000

echo "--- with fexyn guard, the tunnel down (reconnecting)"
fx disconnect >/dev/null
lab_client_policy_routing
lab_client_tunnel_up
fx_guard_lab
fx_wait_state connected
lab_client_tunnel_kill
fx_wait_state reconnecting
literal_with=$(attempt ip_literal)
b=$(attempt bind_eth0)
bind_with=$((bind_with + b))
b=$(attempt dhcp_ports)
dhcp_with=$((dhcp_with + b))
b=$(attempt nd_types)
nd_with=$((nd_with + b))

echo "--- without fexyn: a wg-quick-like tunnel"
fx disconnect >/dev/null
lab_client_tunnel_up
bind_without=$(attempt bind_eth0)
mark_without=$(attempt fwmark)
dhcp_without=$(attempt dhcp_ports)
nd_without=$(attempt nd_types)
lab_client_tunnel_kill
literal_without=$(attempt ip_literal)

leak_record "SO_BINDTODEVICE" \
	"udpflood --bind-dev eth0, ping -I eth0, curl --interface eth0 to the web host (tunnel up, then down)" \
	"$bind_with" "$bind_without"
leak_record "IP literal" "UDP flood and ping to 198.51.100.20, no DNS involved, while the tunnel is down" \
	"$literal_with" "$literal_without"
leak_record "The tunnel's fwmark on another socket" \
	"udpflood --mark 51820 (SO_MARK) to the web host" "$mark_with" "$mark_without"
leak_record "DHCP ports" \
	"UDP from port 68 to the web host's port 67, and 546 to 547 over IPv6, bound to eth0" \
	"$dhcp_with" "$dhcp_without"
leak_record "Neighbour-discovery ICMPv6 types" \
	"a router solicitation sent unicast to the web host's IPv6 address (rdisc6)" \
	"$nd_with" "$nd_without"
leak_report
echo "PASS $TEST_NAME"
