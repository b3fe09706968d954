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
source "$(dirname "$0")/lab-test.sh"

# Kills the tunnel in the middle of a 5,000 packets/s flow to the web host.
flow_and_kill_tunnel() {
	flow_start 5000 4
	flow_wait_tunnel 1000
	lab_client_tunnel_kill
	flow_finish
}

echo "--- with fexyn"
fx_lab_connected
fx status
flow_and_kill_tunnel
check_gt "packets arrived through the tunnel before the kill" "$TUNNEL_COUNT" 1000
check_eq "packets with the client's real address" "$LEAK_COUNT" 0
check "the flow kept trying after the kill (sends refused)" grep -Eq 'failed=[1-9]' <<<"$FLOW_OUT"
fx_wait_state reconnecting
check_eq "table still held by fexynd ($(fx_protection))" "$(fx status --json | jq -r .table_owner)" \
	"$(fx_expected_owner)"

echo "--- without fexyn (the same kill, for contrast)"
fx disconnect >/dev/null
check_eq "no fexyn table after disconnect" \
	"$(ip netns exec "$NS_CLIENT" nft list tables | grep -c fexyn || true)" 0
lab_client_tunnel_up
flow_and_kill_tunnel
check_gt "without fexyn the kill leaks" "$LEAK_COUNT" 0
echo "PASS $TEST_NAME: 0 leaked with fexyn; $LEAK_COUNT leaked without"
