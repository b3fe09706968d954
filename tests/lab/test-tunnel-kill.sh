#!/usr/bin/env bash
# The tunnel process is SIGKILLed during a 5,000 packets/s flow to the web
# host. With fexyn: packets arrive through the tunnel before the kill, and
# none arrive with the client's real address after it. Without fexyn, the
# same kill leaks — which shows the test can fail.
#
#   client ─┐                           ┌─ vpn (wireguard-go, NAT)
#           ├─ br0 [router] ── uplink ──┤
#   lanhost ┘                           └─ web (counts packets by source)
#
set -euo pipefail
TEST_NAME=tunnel-kill
here=$(cd "$(dirname "$0")" && pwd)
source "$here/netlab.sh"
source "$here/fexyn-lab.sh"
lab_on_teardown() { fx_teardown; }

# Floods the web host from the client, kills the tunnel once traffic flows
# through it, and leaves the counts in $tunnel, $leak and $flood_out.
flood_and_kill_tunnel() {
	web_counters_reset
	ip netns exec "$NS_CLIENT" "$FLOOD_BIN" --to "$WEB:9999" --rate 5000 --seconds 4 \
		>"$LAB_TMP/flood.out" &
	local flood=$!
	for _ in $(seq 100); do
		[ "$(web_counter tunnel)" -gt 1000 ] && break
		sleep 0.05
	done
	lab_client_tunnel_kill
	wait "$flood"
	tunnel=$(web_counter tunnel)
	leak=$(web_counter leak)
	flood_out=$(cat "$LAB_TMP/flood.out")
	echo "  flood: $flood_out; at the web host: tunnel=$tunnel leak=$leak"
}

lab_init
lab_up
fx_start

echo "--- with fexyn"
fx_guard_lab
fx_wait_state connected
fx status
flood_and_kill_tunnel
check_gt "packets arrived through the tunnel before the kill" "$tunnel" 1000
check_eq "packets with the client's real address" "$leak" 0
check "the flow kept trying after the kill (sends refused)" grep -Eq 'failed=[1-9]' <<<"$flood_out"
fx_wait_state reconnecting
check_eq "table still owned by fexynd" "$(fx status --json | jq -r .table_owner)" fexynd

echo "--- without fexyn (the same kill, for contrast)"
fx disconnect >/dev/null
check_eq "no fexyn table after disconnect" \
	"$(ip netns exec "$NS_CLIENT" nft list tables | grep -c fexyn || true)" 0
lab_client_tunnel_up
flood_and_kill_tunnel
check_gt "without fexyn the kill leaks" "$leak" 0
echo "PASS $TEST_NAME: 0 leaked with fexyn; $leak leaked without"
