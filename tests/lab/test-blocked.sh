#!/usr/bin/env bash
# Fail closed: a state file that cannot be read makes fexynd start blocked —
# no endpoint carve-out, no tunnel — and say which file and line are wrong.
# It keeps the bad file as evidence, and only `fexyn disconnect` opens up.
source "$(dirname "$0")/lab-test.sh"

fx_lab_connected
fx_stop

echo "--- the state file is damaged while fexynd is down"
sed -i 's/^endpoint=.*/endpoint=198.51.100.10/' "$FX_STATE/state"
cp "$FX_STATE/state" "$LAB_TMP/damaged"
fx_start
fx_wait_state blocked
status=$(fx status --json)
echo "  $status"
reason=$(jq -r .reason <<<"$status")
check "the reason names the file" grep -q "$FX_STATE/state" <<<"$reason"
check "the reason names the line and the field" grep -q "line 4: endpoint: .*missing port" <<<"$reason"
check_eq "table loaded while blocked" "$(jq -r .table <<<"$status")" loaded
check "the damaged file was not overwritten" cmp -s "$FX_STATE/state" "$LAB_TMP/damaged"

echo "--- blocked means blocked: not the tunnel, not the endpoint, but the LAN"
web_counters_reset
out=$(ip netns exec "$NS_CLIENT" "$FLOOD_BIN" --to "$WEB:9999" --rate 2000 --seconds 1)
echo "  to the web host: $out"
check_eq "nothing reached the web host, through the tunnel or not" \
	"$(($(web_counter tunnel) + $(web_counter leak)))" 0
out=$(ip netns exec "$NS_CLIENT" "$FLOOD_BIN" --to "$VPN_EP:$VPN_PORT" --rate 1000 --seconds 1 --mark "$FWMARK")
check "even marked packets to the endpoint are refused" grep -Eq 'sent=0 ' <<<"$out"
check "the LAN host answers" ip netns exec "$NS_CLIENT" ping -c 1 -W 1 "$LAN_HOST" >/dev/null

echo "--- a new guard replaces the damaged state, and keeps it aside"
fx_guard_lab >/dev/null
fx_wait_state connected
check "the damaged file was kept aside" cmp -s "$(ls "$FX_STATE"/state.corrupt-* | head -n 1)" "$LAB_TMP/damaged"
check "the new state is readable" grep -q "^endpoint=$VPN_EP:$VPN_PORT/udp$" "$FX_STATE/state"

echo "--- damaged again; disconnect opens up and keeps the evidence"
fx_stop
rm -f "$FX_STATE"/state.corrupt-*
cp "$LAB_TMP/damaged" "$FX_STATE/state"
fx_start
fx_wait_state blocked
fx disconnect >/dev/null
check_eq "state after disconnect" "$(fx_state)" disconnected
check "no fexyn table" not ip netns exec "$NS_CLIENT" nft list table inet fexyn 2>/dev/null
check "the damaged file was kept aside" ls "$FX_STATE"/state.corrupt-* >/dev/null
check "traffic flows again" ip netns exec "$NS_CLIENT" ping -c 1 -W 1 "$WEB" >/dev/null
echo "PASS $TEST_NAME"
