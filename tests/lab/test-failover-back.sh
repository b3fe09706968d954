#!/usr/bin/env bash
# Switch back is a choice (issue 14). By default fexynd stays on the server
# that works: the first server dies, fexynd switches to the second, the
# first comes back, and a minute later it is the standby, ready, and no
# switch back happens. With `fexyn connect --switch-back`, the same story
# ends with a switch back to the first server once it has been the ready
# standby for a few seconds, and never sooner than a minute after it
# failed (so fexyn switches back and forth at most once a minute). A flow
# runs throughout, lockdown on (so the moment between the two connects is
# blocked too); nothing leaks.
source "$(dirname "$0")/lab-test.sh"
status() { fx status --json | jq -r "$1"; }
now_s() { date +%s; }

LAB_TWO_SERVERS=1
fx_lab_bare
fx lockdown on >/dev/null
web_counters_reset
ip netns exec "$NS_CLIENT" "$FLOOD_BIN" --to "$WEB:9999" --rate 500 --seconds 600 \
	>"$LAB_TMP/flow.out" 2>&1 &
LAB_PIDS+=("$!")

# Kills the first server, waits for the switch, starts the server again.
first_server_dies() {
	kill -9 "$VPN_WG_PID"
	DIED=$(now_s)
	check "fexynd switches to the second server" fx_wait_switches 1 10
	check_eq "on the second server" "$(status '.endpoint[0]')" "$VPN2_EP:$VPN_PORT/udp"
	lab_server_start "$NS_VPN" 10.66.0.1 10.66.0.2 >/dev/null
	VPN_WG_PID=$WG_PID
}

# Polls (≤ $1 s) until the first config is the ready standby.
wait_first_standby() {
	for _ in $(seq $(($1 * 4))); do
		[ "$(status .standby)" = "$LAB_TMP/vpn1.conf" ] && [ "$(status .standby_state)" = ready ] &&
			return 0
		sleep 0.25
	done
	return 1
}

echo "  default: stay on the server that works"
fx connect "$LAB_TMP/vpn1.conf" "$LAB_TMP/vpn2.conf" >/dev/null
check_eq "switch_back is off by default" "$(status .switch_back)" no
check "the standby makes its handshake" fx_wait_standby
first_server_dies
check "a minute later the first server, back, is the ready standby" wait_first_standby 75
check "it was not the standby within the minute after it failed" [ $(($(now_s) - DIED)) -ge 59 ]
# --switch-back would switch 5 s after its standby is ready: nothing may
# happen in twice that (a non-event has no readiness to wait for).
stayed() {
	for _ in $(seq 40); do
		[ "$(status .switches)" = 1 ] || return 1
		sleep 0.25
	done
}
check "no switch back in the 10 s after the first server stands by" stayed
check_eq "still on the second server" "$(status '.endpoint[0]')" "$VPN2_EP:$VPN_PORT/udp"
fx disconnect >/dev/null

echo "  --switch-back: back to the first server once it works again"
fx connect --switch-back "$LAB_TMP/vpn1.conf" "$LAB_TMP/vpn2.conf" >/dev/null
check_eq "switch_back is on" "$(status .switch_back)" yes
check "the standby makes its handshake" fx_wait_standby
first_server_dies
check "fexynd switches back to the first server" fx_wait_switches 2 80
elapsed=$(($(now_s) - DIED))
echo "  switched back $elapsed s after the first server died"
check "not within the minute after it failed" [ "$elapsed" -ge 59 ]
check_eq "on the first server again" "$(status '.endpoint[0]')" "$VPN_EP:$VPN_PORT/udp"
check "status says why" grep -q "back to $LAB_TMP/vpn1.conf" <<<"$(status .last_switch)"
check "a standby makes its handshake again" fx_wait_standby
check_eq "the second server stands by again" "$(status .standby)" "$LAB_TMP/vpn2.conf"
check_eq "packets with the client's real address" "$(web_counter leak)" 0
echo "PASS $TEST_NAME: stayed by default; switched back after $elapsed s with --switch-back; 0 leaked"
