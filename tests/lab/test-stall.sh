#!/usr/bin/env bash
# One user cannot stall fexynd, and users together cannot lock root out
# (issue 11 item 6). Two attacks at once, by real users created here:
#   (a) an unprivileged user subscribes to `fexyn events`, then keeps
#       writing and never reads (eventhog), while root changes a setting
#       in a loop so that events pile up for it;
#   (b) 8 more unprivileged users open 10 connections each, hold them, and
#       open them again whenever fexynd refuses or drops them (connflood
#       --reconnect).
# While both run, root's `fexyn status` and `fexyn disconnect`, and a group
# fexyn member's `fexyn status`, must be answered (`timeout 5` is a hang
# detector: before this was fixed root was refused outright, and a
# subscriber that did not read held every reply up to 2 s); the subscriber
# is dropped; the same fexynd runs on.
#
#   client (fexynd) ── br0 [router] ── vpn, web
#
source "$(dirname "$0")/lab-test.sh"
HOG_USER=fxh$$
MEMBER=fxm$$
ATTACK_S=300 # the attackers' own end; the test stops them long before

# Polls (≤ $1 s) until command succeeds.
wait_for() { # seconds command...
	local tries=$(($1 * 20))
	shift
	for _ in $(seq "$tries"); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

lab_init
fx_user_add "$HOG_USER"
fx_user_add "$MEMBER" --fexyn
fx_flooders_add
lab_up
fx_start
chmod 755 "$LAB_TMP" # the socket lives here; the state directory stays 0700
fx_guard_lab >/dev/null
fx_wait_state connected
PID=$FEXYND_PID

echo "--- (a) an events subscriber that writes and never reads"
fx_as_bg "$HOG_USER" "$EVENTHOG_BIN" "$FX_SOCK" "$ATTACK_S" >"$LAB_TMP/hog.out" 2>&1
check "it subscribed" wait_for 5 grep -q subscribed "$LAB_TMP/hog.out"

echo "--- (b) 8 users × 10 connections, held and reopened"
check "every flooder opened its connections" fx_flood_start "$ATTACK_S"
echo "  the flooders hold $FLOOD_HELD connections"
check_gt "they hold most slots unprivileged users may" "$FLOOD_HELD" 40

echo "--- root and group fexyn while both attacks run"
run timeout 5 "$FEXYN_BIN" --socket "$FX_SOCK" status
check "root's status is answered (exit $RC: $OUT)" [ "$RC" -eq 0 ]
run timeout 5 setpriv --reuid "$MEMBER" --regid "$(id -g "$MEMBER")" --init-groups \
	"$FEXYN_BIN" --socket "$FX_SOCK" status
check "a group fexyn member is served (exit $RC: $OUT)" [ "$RC" -eq 0 ]

# Root changes a setting over and over: an event for the subscriber each
# time. A call that fails or hangs is written down.
toggle() {
	while [ ! -e "$LAB_TMP/stop" ]; do
		for how in block allow; do
			if ! timeout 5 ip netns exec "$NS_CLIENT" "$FEXYN_BIN" --socket "$FX_SOCK" lan "$how" \
				>/dev/null 2>>"$LAB_TMP/toggle.err"; then
				echo "lan $how failed" >>"$LAB_TMP/toggle.err"
			fi
			echo >>"$LAB_TMP/toggle.count"
		done
	done
}
toggle &
TOGGLE_PID=$!
LAB_PIDS+=("$TOGGLE_PID")
check "root's settings changes go through" wait_for 10 test -s "$LAB_TMP/toggle.count"

run timeout 5 "$FEXYN_BIN" --socket "$FX_SOCK" disconnect
check "root's disconnect is answered (exit $RC: $OUT)" [ "$RC" -eq 0 ]
check_eq "disconnected" "$(fx_state)" disconnected

check "the subscriber that does not read is dropped" wait_for 120 grep -q "^dropped" "$LAB_TMP/hog.out"
echo "  eventhog: $(tail -n 1 "$LAB_TMP/hog.out")"
check "fexynd says why" grep -q "dropped an events subscriber of uid $(id -u "$HOG_USER")" "$FX_LOG"
touch "$LAB_TMP/stop"
wait "$TOGGLE_PID"
echo "  root changed the LAN setting $(wc -l <"$LAB_TMP/toggle.count") times during the attack"
check "every change was answered ($(cat "$LAB_TMP/toggle.err" 2>/dev/null))" not test -s "$LAB_TMP/toggle.err"
run timeout 5 "$FEXYN_BIN" --socket "$FX_SOCK" status
check "root is still served while the flood goes on (exit $RC)" [ "$RC" -eq 0 ]
for pid in "${FLOOD_PIDS[@]}"; do
	check "a flooder is still at it" kill -0 "$pid"
done

check "fexynd still runs" kill -0 "$PID"
check_eq "it is the same fexynd" "$(fx status --json | jq -r .daemon_pid)" "$PID"
echo "PASS $TEST_NAME"
