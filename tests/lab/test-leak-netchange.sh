#!/usr/bin/env bash
# Network changes under a steady 1,000 packets/s flow to the web host
# (issue 4, item 7). Leaks are counted at the web host (from every address
# the client has had) and on the router's uplink.
#
# 1. fexyn connect, nothing else helps it: a second uplink (eth1 on another
#    router bridge) appears with a better default route, then with 0/1 and
#    128/1 routes that beat the tunnel's default, and goes away again; the
#    uplink goes down and comes back (suspend/resume); the client's address
#    changes. After each change the tunnel carries the flow again on its own.
# 2. fexyn guard, with a VPN manager that tears its tunnel down at each
#    change and makes it again a second later (as many do): fexyn follows
#    the interface, nothing leaks in between.
# 3. Without fexyn, the same manager and the same changes leak.
source "$(dirname "$0")/lab-test.sh"

in_client() { ip netns exec "$NS_CLIENT" "$@"; }
CLIENT_NOW=$CLIENT_REAL

# A steady flow for the whole phase; stopped by PID (ip netns exec execs
# udpflood, so $! is udpflood itself).
steady_start() {
	ip netns exec "$NS_CLIENT" "$FLOOD_BIN" --to "$WEB:9999" --rate 1000 --seconds 80 >/dev/null &
	STEADY_PID=$!
	disown "$STEADY_PID"
	LAB_PIDS+=("$STEADY_PID")
}
steady_stop() { kill "$STEADY_PID" 2>/dev/null || true; }

# Polls (≤ 15 s) until the web host has counted 500 more packets from the
# tunnel than when called. Prints how long it took.
tunnel_back() {
	local start t0
	start=$(web_counter tunnel)
	t0=$(date +%s%N)
	for _ in $(seq 300); do
		if [ "$(web_counter tunnel)" -gt $((start + 500)) ]; then
			echo "  the flow goes through the tunnel again after $((($(date +%s%N) - t0) / 1000000)) ms"
			return 0
		fi
		sleep 0.05
	done
	echo "  the tunnel did not come back" >&2
	return 1
}

second_uplink_up() { # with a better default route
	link_pair "$NS_ROUTER" up2-client "$NS_CLIENT" eth1
	ip -n "$NS_ROUTER" link set up2-client master br2
	ip -n "$NS_CLIENT" addr add 192.168.88.2/24 dev eth1
	ip -n "$NS_CLIENT" route add default via 192.168.88.1 dev eth1 metric 50
}

def1_routes() { # add|del
	ip -n "$NS_CLIENT" route "$1" 0.0.0.0/1 via 192.168.88.1 dev eth1
	ip -n "$NS_CLIENT" route "$1" 128.0.0.0/1 via 192.168.88.1 dev eth1
}

second_uplink_gone() { ip -n "$NS_CLIENT" link del eth1; }

uplink_bounce() { # as on suspend and resume; the network manager puts the route back
	ip -n "$NS_CLIENT" link set eth0 down
	sleep 2
	ip -n "$NS_CLIENT" link set eth0 up
	ip -n "$NS_CLIENT" route replace default via "$ROUTER_LAN" dev eth0 metric 100
}

address_change() { # new address on the same LAN, as a new DHCP lease brings it
	local new=$1
	ip -n "$NS_CLIENT" addr del "$CLIENT_NOW/24" dev eth0
	ip -n "$NS_CLIENT" addr add "$new/24" dev eth0
	ip -n "$NS_CLIENT" route replace default via "$ROUTER_LAN" dev eth0 metric 100
	CLIENT_NOW=$new
}

# A VPN manager that drops its tunnel for the change and makes it again.
# With MANAGED_FX=1, fexyn (guard) must follow: reconnecting in between.
MANAGED_FX=0
managed() { # change [args]
	lab_client_tunnel_kill
	[ "$MANAGED_FX" = 0 ] || check "fexyn saw the tunnel go" fx_wait_state reconnecting
	"$@"
	sleep 1
	lab_client_tunnel_up_to "$LAB_TMP/$NS_VPN.pub" "$VPN_EP:$VPN_PORT" 10.66.0.2
}

lab_init
lab_up_bare
router_uplink_counter_up
ip -n "$NS_ROUTER" link add br2 type bridge
ip -n "$NS_ROUTER" addr add 192.168.88.1/24 dev br2
ip -n "$NS_ROUTER" link set br2 up
web_count_as_leak 192.168.88.2
web_count_as_leak 192.168.77.50
ip -n "$NS_CLIENT" route del default
ip -n "$NS_CLIENT" route add default via "$ROUTER_LAN" dev eth0 metric 100
fx_start

echo "=== 1. fexyn connect on its own"
fx connect "$LAB_TMP/vpn1.conf" >/dev/null
check_eq "state" "$(fx_state)" connected
steady_start
check "the steady flow goes through the tunnel" tunnel_back

echo "--- a second uplink appears with a better default route"
leak_counters_reset
second_uplink_up
check "the tunnel carries the flow again" tunnel_back
check "the server now sees the client on the second uplink" \
	grep -q "192.168.88.2:" <<<"$(wg_in "$VPN_WG_PID" show wg0 endpoints)"
echo "--- ... and 0/1 + 128/1 routes through it"
def1_routes add
sleep 2
def1_routes del
check "the tunnel carries the flow again" tunnel_back
echo "--- ... and it goes away"
second_uplink_gone
check "the tunnel carries the flow again" tunnel_back
uplink_with=$(leaked_now)

echo "--- the uplink goes down and up"
leak_counters_reset
uplink_bounce
check "the tunnel carries the flow again" tunnel_back
bounce_with=$(leaked_now)

echo "--- the client's address changes"
leak_counters_reset
address_change 192.168.77.50
check "the tunnel carries the flow again" tunnel_back
addr_with=$(leaked_now)
check_eq "state" "$(fx_state)" connected
steady_stop
fx disconnect >/dev/null

echo "=== 2. fexyn guard, a VPN manager remaking its tunnel at each change"
lab_client_policy_routing
lab_client_tunnel_up_to "$LAB_TMP/$NS_VPN.pub" "$VPN_EP:$VPN_PORT" 10.66.0.2
fx_guard_lab
fx_wait_state connected
MANAGED_FX=1
steady_start
check "the steady flow goes through the tunnel" tunnel_back
leak_counters_reset
managed uplink_bounce
check "the tunnel carries the flow again" tunnel_back
check_eq "state" "$(fx_state)" connected
bounce_with=$((bounce_with + $(leaked_now)))
leak_counters_reset
managed address_change "$CLIENT_REAL"
check "the tunnel carries the flow again" tunnel_back
check_eq "state" "$(fx_state)" connected
addr_with=$((addr_with + $(leaked_now)))
steady_stop
MANAGED_FX=0
fx disconnect >/dev/null

echo "=== 3. without fexyn"
steady_start
check "the steady flow goes through the tunnel" tunnel_back
leak_counters_reset
second_uplink_up
def1_routes add
sleep 2
def1_routes del
second_uplink_gone
check "the tunnel carries the flow again" tunnel_back
uplink_without=$(leaked_now)
leak_counters_reset
managed uplink_bounce
check "the tunnel carries the flow again" tunnel_back
bounce_without=$(leaked_now)
leak_counters_reset
managed address_change 192.168.77.50
check "the tunnel carries the flow again" tunnel_back
addr_without=$(leaked_now)
steady_stop

leak_record "A second uplink" \
	"another interface appears with a better default route, then with 0/1 and 128/1 routes, and goes away (1,000 packets/s to the web host throughout)" \
	"$uplink_with" "$uplink_without"
leak_record "Uplink down and up" \
	"the uplink goes down for 2 s and comes back, as on suspend/resume; fexyn connect alone, and a VPN manager that remakes its tunnel (guard)" \
	"$bounce_with" "$bounce_without"
leak_record "Address change" \
	"the client's address on the LAN changes; fexyn connect alone, and a VPN manager that remakes its tunnel (guard)" \
	"$addr_with" "$addr_without"
leak_report
echo "PASS $TEST_NAME"
