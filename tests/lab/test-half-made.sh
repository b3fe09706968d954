#!/usr/bin/env bash
# fexynd killed while making the tunnel: the link (kernel WireGuard) or the
# wireguard-go process exists, but its index or pid was never written
# down; the record says it was being made. A 6.12 guest's crash test hit
# that window (a kernel link fexyn0 left behind). Made deterministic here:
# connect, SIGKILL fexynd (the tunnel lives on, orphaned), and take the
# link and pid out of the record, "making=1" in, which is what a kill in
# that window leaves. The restarted fexynd must remove the orphan by its
# name and connect again; disconnect must leave nothing behind.
source "$(dirname "$0")/lab-test.sh"

fx_lab_bare
baseline=$(fx_routing_snapshot)
fx connect "$LAB_TMP/vpn1.conf" >/dev/null
check "connected" fx_wait_state connected
orphan=$(lab_client_wg_pid)
fx_kill9
sed -i -e '/^wg_pid=/d' -e '/^link=/d' "$FX_STATE/connect"
echo "making=1" >>"$FX_STATE/connect"
check "the orphaned tunnel is there" ip -n "$NS_CLIENT" link show fexyn0
echo "  the record now: $(grep -E '^(interface|making|link|wg_pid)=' "$FX_STATE/connect" | tr '\n' ' ')"

fx_start
check "the restarted fexynd connects again" fx_wait_state connected 10
check_eq "with no error" "$(fx status --json | jq -r '.last_error // ""')" ""
# Gone, or a zombie until init reaps it: no longer running.
running() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
if [ -n "$orphan" ]; then
	check "the orphaned wireguard-go ($orphan) is gone" not running "$orphan"
fi
fx disconnect >/dev/null
after=$(fx_routing_snapshot)
if [ "$after" != "$baseline" ]; then
	diff <(echo "$baseline") <(echo "$after") || true
	check "disconnect leaves nothing behind" false
fi
echo "PASS $TEST_NAME: the half-made tunnel found by its name and removed"
