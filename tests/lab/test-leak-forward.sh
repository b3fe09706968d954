#!/usr/bin/env bash
# Forwarded traffic and local bridges (issue 4, items 5 and 9).
#
#   container 172.17.0.2 ── docker0 172.17.0.1 [client: ip_forward=1, NAT,
#                           Docker's iptables FORWARD accepts] ── eth0 ── router ── web
#
# - The container's packets reach the web host only through the tunnel; when
#   the tunnel dies during the container's flow, none arrive. Without fexyn
#   the same death leaks the container's traffic with the client's address.
# - Local bridges keep working: the container reaches the host, and the web
#   host through the tunnel; a TCP session from the LAN host to the client,
#   opened before fexyn engaged, carries data both ways after it engaged and
#   after the tunnel died (LAN allowed, the default).
source "$(dirname "$0")/lab-test.sh"
lab_on_teardown() {
	exec 7>&- 2>/dev/null || true
	fx_teardown
}

in_client() { ip netns exec "$NS_CLIENT" "$@"; }
in_ctr() { ip netns exec "$NS_CTR" "$@"; }

build_container() {
	lab_ns_extra NS_CTR ctr
	ip -n "$NS_CLIENT" link add docker0 type bridge
	ip -n "$NS_CLIENT" addr add 172.17.0.1/16 dev docker0
	ip -n "$NS_CLIENT" link set docker0 up
	ip -n "$NS_CLIENT" link add vethctr type veth peer name eth0 netns "$NS_CTR"
	ip -n "$NS_CLIENT" link set vethctr master docker0 up
	ip -n "$NS_CTR" link set eth0 up
	host_on "$NS_CTR" eth0 172.17.0.2/16 172.17.0.1
	in_client sysctl -qw net.ipv4.ip_forward=1
	# Docker's NAT and its FORWARD accepts (iptables-nft, as Docker makes them).
	in_client iptables -t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
	in_client iptables -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
	in_client iptables -A FORWARD -i docker0 ! -o docker0 -j ACCEPT
	in_client iptables -A FORWARD -i docker0 -o docker0 -j ACCEPT
	web_count_as_leak 172.17.0.0/16
}

# The container floods the web host; the client's tunnel dies in the middle.
# Leaves CTR_OUT and the counters.
ctr_flow_and_kill() {
	leak_counters_reset
	in_ctr "$FLOOD_BIN" --to "$WEB:9999" --rate 3000 --seconds 4 >"$LAB_TMP/ctr.out" &
	local pid=$!
	flow_wait_tunnel 1000
	lab_client_tunnel_kill
	wait "$pid"
	sleep 0.2
	CTR_OUT=$(cat "$LAB_TMP/ctr.out")
	echo "  container's flow: $CTR_OUT; tunnel=$(web_counter tunnel) leak=$(leaked_now)"
}

# The LAN host's session: what it sent comes back from the client's echo.
session_says() { # word
	echo "$1" >&7
	for _ in $(seq 50); do
		grep -qx "$1" "$LAB_TMP/session.out" && return 0
		sleep 0.1
	done
	return 1
}

lab_init
lab_up
router_uplink_counter_up
build_container

echo "--- before fexyn: a TCP session from the LAN host to the client"
ip netns exec "$NS_CLIENT" socat TCP-LISTEN:2222,reuseaddr EXEC:cat &
LAB_PIDS+=("$!")
sleep 0.3
mkfifo "$LAB_TMP/session.in"
ip netns exec "$NS_LAN" socat - "TCP:$CLIENT_REAL:2222" <"$LAB_TMP/session.in" >"$LAB_TMP/session.out" &
LAB_PIDS+=("$!")
exec 7>"$LAB_TMP/session.in"
check "the session carries data before fexyn" session_says before-fexyn

echo "--- fexyn engages"
fx_start
fx_guard_lab
fx_wait_state connected
check "the session still carries data both ways" session_says after-fexyn-engaged
check "the container reaches the host" quiet in_ctr ping -c 1 -W 1 172.17.0.1
check "the container reaches the web host (through the tunnel)" quiet in_ctr ping -c 1 -W 2 "$WEB"
leak_counters_reset
in_ctr "$FLOOD_BIN" --to "$WEB:9999" --rate 2000 --seconds 1
sleep 0.2
check_gt "the container's packets arrived from the VPN server" "$(web_counter tunnel)" 1000
bridges_with=$(leaked_now)

echo "--- the tunnel dies during the container's flow"
ctr_flow_and_kill
check_gt "the container's flow went through the tunnel before" "$(web_counter tunnel)" 1000
forward_with=$(leaked_now)
fx_wait_state reconnecting
check "the LAN session still carries data with the tunnel down" session_says after-tunnel-died
check "the container still reaches the host" quiet in_ctr ping -c 1 -W 1 172.17.0.1
leak_counters_reset
in_ctr "$FLOOD_BIN" --to "$WEB:9999" --rate 2000 --seconds 1
sleep 0.2
forward_down=$(leaked_now)
forward_with=$((forward_with + forward_down))

echo "--- without fexyn: the same death"
fx disconnect >/dev/null
lab_client_tunnel_up
ctr_flow_and_kill
forward_without=$(leaked_now)
check "the session survived it all" session_says the-end

leak_record "Forwarded traffic (a container)" \
	"a container behind the client (bridge, NAT and FORWARD accepts as Docker makes them) floods the web host while the tunnel dies, then with it down" \
	"$forward_with" "$forward_without"
leak_record "Local bridges" \
	"the container reaches the host and, through the tunnel, the web host; a LAN host's TCP session opened before fexyn engaged goes on" \
	"$bridges_with" n/a
leak_report
echo "PASS $TEST_NAME"
