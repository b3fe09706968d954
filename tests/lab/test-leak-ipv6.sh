#!/usr/bin/env bash
# IPv6 around the tunnel (issue 4, item 2). The home LAN and the internet get
# IPv6 (2001:db8:77::/64, web host 2001:db8:ff::20); the router forwards v6
# without NAT, so the web host sees the client's real v6 address.
#
# - A tunnel without IPv6 (fexyn connect, the lab's usual config): v6 to the
#   web host never arrives, and a program gets an error at once (blackhole
#   route and the firewall's reject). The same with fexyn guard, where no
#   blackhole route exists: the firewall alone refuses at once.
# - A tunnel with IPv6 (fd66::2/128, the server NATs v6): v6 goes through the
#   tunnel; killing the tunnel during a v6 flow leaks nothing.
# - Without fexyn, a v4-only VPN leaks all v6, and a v6-capable one leaks v6
#   when it dies.
source "$(dirname "$0")/lab-test.sh"

in_client() { ip netns exec "$NS_CLIENT" "$@"; }

# A v6 UDP flow to the web host in the background (flow_finish collects it).
flow6_start() { # rate seconds [udpflood options]
	local rate=$1 secs=$2
	shift 2
	web_counters_reset
	router_uplink_reset
	in_client "$FLOOD_BIN" --to "[$WEB6]:9999" --rate "$rate" --seconds "$secs" "$@" \
		>"$LAB_TMP/flow.out" &
	FLOW_PID=$!
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ping -6 to the web host must fail with an error, not by waiting out -W 5
# (ping itself lingers a second after an ICMP error; udpflood's failed
# sendto() calls are the exact measure).
v6_fails_fast() {
	local t0 t1
	t0=$(now_ms)
	if in_client ping -6 -c 1 -W 5 "$WEB6" >/dev/null 2>&1; then
		echo "  ping -6 got an answer" >&2
		return 1
	fi
	t1=$(now_ms)
	echo "  ping -6 failed after $((t1 - t0)) ms"
	[ $((t1 - t0)) -lt 2000 ]
}

lab_init
lab_up_bare
lab_ipv6_up
lab_server_ipv6_tunnel
router_uplink_counter_up
sed 's|^Address = .*|Address = 10.66.0.2/32, fd66::2/128|' "$LAB_TMP/vpn1.conf" >"$LAB_TMP/vpn1-v6.conf"
check "the lab's IPv6 works before fexyn" lab_ipv6_wait "$WEB6"
fx_start

echo "--- a tunnel without IPv6 (fexyn connect)"
fx connect "$LAB_TMP/vpn1.conf" >/dev/null
check_eq "state" "$(fx_state)" connected
check "a v6 ping fails at once" v6_fails_fast
flow6_start 2000 2
flow_finish
check "every v6 send failed at once" grep -Eq '^sent=0 failed=4000$' <<<"$FLOW_OUT"
check_eq "v6 packets that reached the web host through the tunnel" "$TUNNEL_COUNT" 0
nov6_connect=$(leaked_now)
flow_start 2000 1
flow_finish
check_gt "v4 still goes through the tunnel" "$TUNNEL_COUNT" 1000

echo "--- a tunnel without IPv6 (fexyn guard: no blackhole route, the firewall alone)"
fx disconnect >/dev/null
lab_client_policy_routing
lab_client_tunnel_up
fx_guard_lab
fx_wait_state connected
check "IPv6 is routed to the router (no blackhole)" \
	grep -q "default via $ROUTER6_LAN" <<<"$(ip -n "$NS_CLIENT" -6 route show)"
check "a v6 ping fails at once" v6_fails_fast
flow6_start 2000 2
flow_finish
check "every v6 send was refused at once" grep -Eq '^sent=0 failed=4000$' <<<"$FLOW_OUT"
nov6_guard=$(leaked_now)

echo "--- without fexyn: the same v4-only VPN"
fx disconnect >/dev/null
flow6_start 2000 2
flow_finish
nov6_without=$(leaked_now)
leak_record "IPv6, tunnel without IPv6 (fexyn connect)" \
	"UDP flood and ping to the web host's IPv6 address" "$nov6_connect" "$nov6_without"
leak_record "IPv6, tunnel without IPv6 (fexyn guard, no blackhole route)" \
	"UDP flood and ping to the web host's IPv6 address" "$nov6_guard" "$nov6_without"
lab_client_tunnel_kill
ip -n "$NS_CLIENT" rule flush
ip -n "$NS_CLIENT" rule add priority 32766 table main
ip -n "$NS_CLIENT" rule add priority 32767 table default

echo "--- a tunnel with IPv6 (fexyn connect), killed during a v6 flow"
fx connect "$LAB_TMP/vpn1-v6.conf" >/dev/null
check_eq "state" "$(fx_state)" connected
check "the tunnel's v6 default route is in place" \
	grep -q "default dev" <<<"$(ip -n "$NS_CLIENT" -6 route show table "$FWMARK")"
check "a v6 ping crosses the tunnel" quiet in_client ping -6 -c 1 -W 2 "$WEB6"
flow6_start 2000 1
flow_finish
check_gt "v6 reached the web host through the tunnel (from the server)" "$TUNNEL_COUNT" 1000
v6kill_with=$(leaked_now)
flow6_start 3000 4
flow_wait_tunnel 1000
kill -9 "$(lab_client_wg_pid)"
flow_finish
v6kill_with=$((v6kill_with + $(leaked_now)))

echo "--- without fexyn: a v6-capable wg-quick-like tunnel, killed the same way"
fx disconnect >/dev/null
lab_client_policy_routing
ip -n "$NS_CLIENT" -6 rule add not fwmark "$FWMARK" table "$FWMARK"
ip -n "$NS_CLIENT" -6 rule add table main suppress_prefixlength 0
lab_client_tunnel_up
wg_in "$CLIENT_WG_PID" set wg0 peer "$(cat "$LAB_TMP/$NS_VPN.pub")" allowed-ips 0.0.0.0/0,::/0
ip -n "$NS_CLIENT" -6 addr add fd66::2/128 dev wg0 nodad
ip -n "$NS_CLIENT" -6 route add default dev wg0 table "$FWMARK"
flow6_start 3000 4
flow_wait_tunnel 1000
lab_client_tunnel_kill
flow_finish
leak_record "IPv6, tunnel with IPv6, tunnel process killed" \
	"v6 UDP to the web host through the tunnel, then 3,000 packets/s while the tunnel dies" \
	"$v6kill_with" "$(leaked_now)"
leak_report
echo "PASS $TEST_NAME"
