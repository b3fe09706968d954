#!/usr/bin/env bash
# Who may do what on fexynd's socket, by the caller's credentials: a real
# unprivileged user (created here) reads status and watches events, and is
# refused — with a clear message — disconnect, lockdown off, kill switch
# off and reset (also offline, with fexynd stopped). A member of group
# fexyn may change things. A client that sends 10 MiB without a newline, or
# opens 1,000 connections, is refused while root is still served. And
# `fexyn events` prints a line per state change.
#
#   client (fexynd) ── br0 [router] ── vpn, web
#
source "$(dirname "$0")/lab-test.sh"
USER_NAME=fxt$$
MEMBER_NAME=fxm$$

lab_init
fx_user_add "$USER_NAME"
fx_user_add "$MEMBER_NAME" --fexyn
lab_up_bare
fx_start
chmod 755 "$LAB_TMP" # the socket lives here; the state directory stays 0700
fx connect "$LAB_TMP/vpn1.conf" >/dev/null

echo "--- an unprivileged user"
run as_user "$USER_NAME" status --json
check "reads status" [ "$RC" -eq 0 ]
check_eq "sees the state" "$(jq -r .state <<<"$OUT")" connected
for cmd in "disconnect" "lockdown off" "killswitch off" "lan block" "reset"; do
	# shellcheck disable=SC2086 # the words are the command's arguments
	run as_user "$USER_NAME" $cmd
	check "'$cmd' refused (exit $RC)" [ "$RC" -eq 1 ]
	check "'$cmd' says why ($OUT)" grep -q "permission denied" <<<"$OUT"
done
check_eq "still connected" "$(fx_state)" connected

echo "--- fexyn events, as the unprivileged user"
fx_as_bg "$USER_NAME" "$FEXYN_BIN" --socket "$FX_SOCK" events >"$LAB_TMP/events.out" 2>&1
EVENTS_PID=$AS_PID
for _ in $(seq 50); do
	[ -s "$LAB_TMP/events.out" ] && break
	sleep 0.05
done
check "the first event is the state now" grep -q "state=connected" "$LAB_TMP/events.out"
fx lan block >/dev/null
fx lan allow >/dev/null
for _ in $(seq 50); do
	[ "$(wc -l <"$LAB_TMP/events.out")" -ge 3 ] && break
	sleep 0.05
done
check "a line per change" [ "$(wc -l <"$LAB_TMP/events.out")" -ge 3 ]
check "the change is in it" grep -q "lan=block" "$LAB_TMP/events.out"
fx_as_bg "$USER_NAME" "$FEXYN_BIN" --socket "$FX_SOCK" events --json >/dev/null 2>&1
JSON_PID=$AS_PID
sleep 0.5
kill "$JSON_PID" 2>/dev/null || true
kill "$EVENTS_PID" 2>/dev/null || true

echo "--- a member of group fexyn"
run as_user "$MEMBER_NAME" lan block
check "may change settings ($OUT)" [ "$RC" -eq 0 ]
run as_user "$MEMBER_NAME" lan allow

echo "--- bounds: 10 MiB without a newline, 1,000 connections"
big=$(head -c 10485760 /dev/zero | tr '\0' a | ip netns exec "$NS_CLIENT" "$SOCKPIPE_BIN" "$FX_SOCK" 2>&1 || true)
check "10 MiB without a newline is refused ($big)" grep -q "longer than" <<<"$big"
fx_as_bg "$USER_NAME" "$CONNFLOOD_BIN" "$FX_SOCK" 1000 4 >"$LAB_TMP/flood.out"
FLOOD_CONN_PID=$AS_PID
for _ in $(seq 100); do
	[ -s "$LAB_TMP/flood.out" ] && break
	sleep 0.05
done
echo "  connflood: $(cat "$LAB_TMP/flood.out")"
refused=$(sed -n 's/.*refused=\([0-9]*\).*/\1/p' "$LAB_TMP/flood.out")
check_gt "most of the 1,000 connections refused" "${refused:-0}" 900
run fx status
check "root is still served during the flood" [ "$RC" -eq 0 ]
run as_user "$MEMBER_NAME" status
check "another user is still served during the flood" [ "$RC" -eq 0 ]
wait "$FLOOD_CONN_PID" || true
check "fexynd still runs" kill -0 "$FEXYND_PID"

echo "--- offline: reset needs root"
fx lockdown on >/dev/null
fx_stop
run as_user "$USER_NAME" reset --state-dir "$FX_STATE"
check "the user's offline reset is refused ($OUT)" [ "$RC" -eq 1 ]
check "it says root is needed" grep -q "needs root" <<<"$OUT"
check "the table is still there" ip netns exec "$NS_CLIENT" nft list table inet fexyn
fx reset --state-dir "$FX_STATE" >/dev/null
check "root's offline reset removes it" not ip netns exec "$NS_CLIENT" nft list table inet fexyn
echo "PASS $TEST_NAME"
