#!/usr/bin/env bash
# Crash anywhere: fexynd is SIGKILLed at 100 random moments during connect,
# reconnect (a server dying: the hot standby made, the death noticed, the
# switch to the standby) and disconnect, with lockdown on and a flow to
# the web host running throughout. After each restart the firewall is in
# place (never open while it should be closed), and after a finished
# disconnect no route, rule, link or resolver change is left. 0 packets
# arrive with the client's real address.
#
#   client (fexynd) ─┐                 ┌─ vpn, vpn2 (wireguard-go, NAT)
#   lanhost ─────────┴─ br0 [router] ──┴─ web (counts by source)
#
source "$(dirname "$0")/lab-test.sh"
ROUNDS=${CRASH_ROUNDS:-100}

table_loaded() { ip netns exec "$NS_CLIENT" nft list table inet fexyn >/dev/null 2>&1; }
random_ms() { echo $((RANDOM % $1)); }
sleep_ms() { sleep "$(printf '0.%03d' "$1")"; }

LAB_TWO_SERVERS=1
fx_lab_bare
fx lockdown on >/dev/null
baseline=$(fx_routing_snapshot)
web_counters_reset
ip netns exec "$NS_CLIENT" "$FLOOD_BIN" --to "$WEB:9999" --rate 1000 --seconds 600 \
	>"$LAB_TMP/flow.out" 2>&1 &
LAB_PIDS+=("$!")

kills=0
for round in $(seq "$ROUNDS"); do
	case $((RANDOM % 10)) in
	0)
		# Reconnect: the server in use dies; the kill lands while fexynd
		# makes the hot standby, notices the death (about 0.6 s) or
		# switches to the standby, or after.
		fx connect --wait 5 "$LAB_TMP/vpn1.conf" "$LAB_TMP/vpn2.conf" >/dev/null
		sleep_ms "$(random_ms 400)"
		kill -9 "$VPN_WG_PID"
		sleep_ms "$(random_ms 999)"
		what="reconnect"
		;;
	[1-5])
		fx connect --no-wait "$LAB_TMP/vpn1.conf" "$LAB_TMP/vpn2.conf" >/dev/null
		sleep_ms "$(random_ms 400)"
		what="connect"
		;;
	*)
		fx connect --wait 5 "$LAB_TMP/vpn1.conf" >/dev/null || true
		fx disconnect >/dev/null &
		sleep_ms "$(random_ms 60)"
		what="disconnect"
		;;
	esac
	fx_kill9
	kills=$((kills + 1))
	check "round $round ($what): the table holds while fexynd is dead" table_loaded
	fx_start
	check "round $round: the table holds after the restart" table_loaded
	if [ "$what" = reconnect ]; then
		lab_server_start "$NS_VPN" 10.66.0.1 10.66.0.2 >/dev/null
		VPN_WG_PID=$WG_PID
	fi
	fx disconnect >/dev/null
	after=$(fx_routing_snapshot)
	if [ "$after" != "$baseline" ]; then
		diff <(echo "$baseline") <(echo "$after") || true
		check "round $round: a finished disconnect leaves nothing behind" false
	fi
	check_eq "round $round: packets with the client's real address so far" "$(web_counter leak)" 0
done
check_eq "fexynd SIGKILLed" "$kills" "$ROUNDS"
check_eq "packets with the client's real address, all rounds" "$(web_counter leak)" 0
echo "PASS $TEST_NAME: $kills kills, 0 leaked"
