#!/usr/bin/env bash
# fexynd is SIGKILLed while connected: the kernel keeps the table unchanged
# (owner+persist), nothing leaks — not even when the tunnel dies while the
# daemon is down — and a restarted fexynd adopts the table and reports
# connected. An `nft monitor` running across the restart never sees the
# table deleted.
source "$(dirname "$0")/lab-test.sh"
MONITOR_PID=
lab_on_teardown() {
	[ -z "$MONITOR_PID" ] || kill "$MONITOR_PID" 2>/dev/null || true
	fx_teardown
}

fx_lab_connected
before=$(fx_table_snapshot)
before_rules=$(fx_table_snapshot --no-handles)

ip netns exec "$NS_CLIENT" nft monitor tables >"$LAB_TMP/monitor.out" 2>&1 &
MONITOR_PID=$!
echo "--- SIGKILL fexynd while connected"
fx_kill9
after=$(fx_table_snapshot)
check "ruleset unchanged after SIGKILL" [ "$before" = "$after" ]
check "table now orphaned, still loaded" \
	ip netns exec "$NS_CLIENT" nft list table inet fexyn >/dev/null

echo "--- traffic, then the tunnel dies, while no daemon runs"
flow_start 5000 3
flow_wait_tunnel 1000
lab_client_tunnel_kill
flow_finish
check_gt "traffic went through the tunnel" "$TUNNEL_COUNT" 1000
check_eq "packets with the client's real address" "$LEAK_COUNT" 0

echo "--- tunnel back, daemon restarted"
lab_client_tunnel_up
fx_start
fx_wait_state connected
fx status
check_eq "restarted daemon holds the table ($(fx_protection))" \
	"$(fx status --json | jq -r .table_owner)" "$(fx_expected_owner)"
check "ruleset after restart equals the one before the kill" \
	[ "$before_rules" = "$(fx_table_snapshot --no-handles)" ]
kill "$MONITOR_PID" 2>/dev/null || true
wait "$MONITOR_PID" 2>/dev/null || true
MONITOR_PID=
echo "  nft monitor saw: $(tr '\n' ';' <"$LAB_TMP/monitor.out")"
check "nft monitor never saw the table deleted" not grep -Eq "delete table inet fexyn( |$)" "$LAB_TMP/monitor.out"
check "nft monitor was watching (saw the daemon adopt the table)" grep -q "fexyn" "$LAB_TMP/monitor.out"

echo "--- fexyn rules shows the live table"
rules=$(fx rules)
check "rules show the output chain with policy drop" \
	grep -q "type filter hook output priority filter; policy drop;" <<<"$rules"
check "rules show the endpoint carve-out with the mark" grep -q "meta mark 0x0000ca6c" <<<"$rules"

echo "--- SIGTERM also leaves the firewall in place"
before=$(fx_table_snapshot)
fx_stop
check "ruleset unchanged after SIGTERM" [ "$before" = "$(fx_table_snapshot)" ]
check "fexynd logged that the firewall stays" grep -q "the firewall stays in place" "$FX_LOG"
fx_start
fx_wait_state connected

echo "--- fexyn reset works with the daemon dead"
fx_kill9
check "the orphaned table still blocks" ip netns exec "$NS_CLIENT" nft list table inet fexyn >/dev/null
out=$(fx reset --state-dir "$FX_STATE")
echo "  $out"
check "no fexyn table after an offline reset" \
	not ip netns exec "$NS_CLIENT" nft list table inet fexyn 2>/dev/null
check "no saved state after an offline reset" not test -e "$FX_STATE/state"
lab_client_tunnel_kill
check "traffic flows without the tunnel: nothing is left blocking" \
	ip netns exec "$NS_CLIENT" ping -c 1 -W 1 "$WEB" >/dev/null
echo "PASS $TEST_NAME"
