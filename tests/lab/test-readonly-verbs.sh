#!/usr/bin/env bash
# The verbs open to everyone must never hurt the daemon: a real
# unprivileged user (created here) runs `fexyn rules`, `status`, `status
# --json`, a short-lived `events` and `help`, 20 times each, in every state
# fexynd can be in — disconnected without a table, disconnected under
# lockdown, connecting, connected, reconnecting and blocked. Each time the
# answers must be right (the state; the table's text, or a clear error when
# there is no table), and afterwards the same fexynd (same PID) must still
# answer. Issue 11: `fexyn rules` with no table loaded made fexynd abort
# with a double free.
#
#   client (fexynd) ── br0 [router] ── vpn, web
#
source "$(dirname "$0")/lab-test.sh"
USER_NAME=fxr$$
ROUNDS=20

# The user's `fexyn events`: the first line it prints, then it is stopped.
user_events_first() {
	local out=$LAB_TMP/events.out pid
	: >"$out"
	fx_as_bg "$USER_NAME" "$FEXYN_BIN" --socket "$FX_SOCK" events >"$out" 2>&1
	pid=$AS_PID
	for _ in $(seq 100); do
		[ -s "$out" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	head -n 1 "$out"
}

# Every read-only verb, ROUNDS times, as the user; fexynd must stay the same
# process and keep answering.
battery() { # state table(loaded|absent)
	local want=$1 table=$2 pid=$FEXYND_PID i line
	echo "--- as $USER_NAME, $ROUNDS times each, in state $want (table $table)"
	check_eq "the state is $want" "$(fx_state)" "$want"
	for i in $(seq "$ROUNDS"); do
		run as_user "$USER_NAME" rules
		if [ "$table" = loaded ]; then
			[ "$RC" -eq 0 ] && grep -q "table inet fexyn" <<<"$OUT" ||
				check "rules #$i shows the table (exit $RC: $OUT)" false
		else
			[ "$RC" -eq 1 ] && grep -q "no fexyn table is loaded (state $want)" <<<"$OUT" ||
				check "rules #$i says there is no table (exit $RC: $OUT)" false
		fi
		run as_user "$USER_NAME" status
		[ "$RC" -eq 0 ] && grep -q "state: *$want" <<<"$OUT" ||
			check "status #$i answers (exit $RC: $OUT)" false
		run as_user "$USER_NAME" status --json
		[ "$RC" -eq 0 ] && [ "$(jq -r .state <<<"$OUT")" = "$want" ] ||
			check "status --json #$i answers (exit $RC: $OUT)" false
		line=$(user_events_first)
		grep -q "state=$want" <<<"$line" || check "events #$i starts with the state ($line)" false
		run as_user "$USER_NAME" help
		[ "$RC" -eq 0 ] || check "help #$i (exit $RC: $OUT)" false
	done
	echo "  ok: $((ROUNDS * 5)) answers"
	check "fexynd still runs (PID $pid)" kill -0 "$pid"
	check_eq "it is the same fexynd" "$(fx status --json | jq -r .daemon_pid)" "$pid"
}

lab_init
fx_user_add "$USER_NAME"
lab_up_untunneled
fx_start
chmod 755 "$LAB_TMP" # the socket lives here; the state directory stays 0700
check "status shows the daemon's PID" [ "$(fx status --json | jq -r .daemon_pid)" = "$FEXYND_PID" ]

battery disconnected absent

fx lockdown on >/dev/null
battery disconnected loaded
fx lockdown off >/dev/null

# The guarded tunnel does not exist yet.
fx_guard_lab >/dev/null
battery connecting loaded

lab_client_tunnel_up
fx_wait_state connected
battery connected loaded

lab_client_tunnel_kill
fx_wait_state reconnecting
battery reconnecting loaded

fx_stop
echo "not a state file" >"$FX_STATE/state"
fx_start
reason=$(fx status --json | jq -r .reason)
check "fexynd starts blocked on a damaged state file ($reason)" grep -q "unreadable state" <<<"$reason"
battery blocked loaded

fx disconnect >/dev/null
battery disconnected absent
echo "PASS $TEST_NAME"
