#!/usr/bin/env bash
# Root's `fexyn status` while unprivileged users attack fexynd's control
# socket (issue 11 item 6), in the lab, fexynd guarding the lab's tunnel:
#
#   none        nothing else runs
#   toggle      root changes the LAN setting in a loop (an event each time):
#               the baseline of the next one
#   subscriber  the same, and an unprivileged user's `events` subscriber
#               that writes and never reads (tests/lab/eventhog; restarted
#               when fexynd drops it); measured once 300 changes have gone
#               out, so that its socket is full and events queue in fexynd
#   flood       8 unprivileged users hold 10 connections each and reopen
#               them when refused or dropped (tests/lab/connflood --reconnect)
#   both        subscriber and flood at once
#
# In each condition, CALLS runs of `fexyn status` as root, one after the
# other, each timed with bash's $EPOCHREALTIME around the command (process
# start included: what a user waits for). Before the fix, root was refused
# under the flood and each reply waited up to 2 s for the subscriber.
# fexynd's CPU time over each condition (utime + stime) is recorded too,
# and how often fexynd dropped the subscriber since its attack began.
#
# Usage: sudo bench/attack.sh [--calls N] [--quick]
# Writes bench/results/attack.csv (condition,call,us) and attack.json.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

CALLS=200
bench_args calls CALLS 50 "$@"
bench_need wg wireguard-go nft jq setpriv useradd "$FEXYN_BIN" "$FEXYND_BIN" "$CONNFLOOD_BIN" "$EVENTHOG_BIN"
lab_on_teardown() { fx_teardown; }

lab_init
HOG_USER=fxh$$
fx_user_add "$HOG_USER"
fx_flooders_add
lab_up >/dev/null 2>&1
fx_start
chmod 755 "$LAB_TMP" # the socket lives here; the state directory stays 0700
fx_guard_lab >/dev/null
fx_wait_state connected
CSV=$LAB_TMP/attack.csv
echo "condition,call,us" >"$CSV"
ATTACK_PIDS=()

# Root's LAN setting, back and forth, until $LAB_TMP/stop appears.
toggle_start() {
	rm -f "$LAB_TMP/stop" "$LAB_TMP/toggles"
	(
		while [ ! -e "$LAB_TMP/stop" ]; do
			"$FEXYN_BIN" --socket "$FX_SOCK" lan block >/dev/null 2>&1 || true
			"$FEXYN_BIN" --socket "$FX_SOCK" lan allow >/dev/null 2>&1 || true
			echo >>"$LAB_TMP/toggles"
		done
	) &
	ATTACK_PIDS+=("$!")
	LAB_PIDS+=("$!")
}

# A subscriber that never reads, subscribing again each time fexynd drops it.
hog_start() {
	: >"$LAB_TMP/hog.out"
	fx_as_bg "$HOG_USER" "$EVENTHOG_BIN" "$FX_SOCK" 600 --again >>"$LAB_TMP/hog.out" 2>&1
	ATTACK_PIDS+=("$AS_PID")
	for _ in $(seq 100); do
		grep -q subscribed "$LAB_TMP/hog.out" && return 0
		sleep 0.05
	done
	bench_die "eventhog did not subscribe: $(cat "$LAB_TMP/hog.out")"
}

flood_start() {
	fx_flood_start 600 || bench_die "the flooders did not start"
	ATTACK_PIDS+=("${FLOOD_PIDS[@]}")
	FLOOD_PIDS=()
}

# Waits (≤ 60 s) until root's loop has made n changes.
toggles_reach() { # n
	for _ in $(seq 1200); do
		[ -f "$LAB_TMP/toggles" ] && [ "$(wc -l <"$LAB_TMP/toggles")" -ge "$1" ] && return 0
		sleep 0.05
	done
	bench_die "root's setting changes did not reach $1"
}

attacks_stop() {
	local pid
	touch "$LAB_TMP/stop"
	: >"$LAB_TMP/hog.out"
	for pid in "${ATTACK_PIDS[@]}"; do
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	ATTACK_PIDS=()
}

cpu_ticks() { # fexynd's utime + stime
	local f
	read -r -a f <"/proc/$FEXYND_PID/stat"
	echo $((f[13] + f[14]))
}

measure() { # condition
	local i s t0 ticks0 ticks1 drops
	ticks0=$(cpu_ticks)
	now_us
	t0=$NOW
	for ((i = 1; i <= CALLS; i++)); do
		now_us
		s=$NOW
		"$FEXYN_BIN" --socket "$FX_SOCK" status >/dev/null || bench_die "root's status failed under '$1'"
		now_us
		echo "$1,$i,$((NOW - s))" >>"$CSV"
	done
	now_us
	ticks1=$(cpu_ticks)
	drops=$(grep -c '^dropped' "$LAB_TMP/hog.out" || true) # since the attack began
	echo "$1 $(((NOW - t0) / 1000)) $((ticks1 - ticks0)) ${drops:-0}" >>"$LAB_TMP/conditions"
	bench_log "attack: $1: $CALLS calls in $(((NOW - t0) / 1000)) ms"
}

: >"$LAB_TMP/hog.out"
: >"$LAB_TMP/conditions"
measure none

toggle_start
toggles_reach 20
measure toggle
attacks_stop

toggle_start
hog_start
toggles_reach 300
measure subscriber
attacks_stop

flood_start
measure flood
attacks_stop

toggle_start
hog_start
flood_start
toggles_reach 300
measure both
attacks_stop

[ "$(fx status --json | jq -r .daemon_pid)" = "$FEXYND_PID" ] || bench_die "fexynd is not the same process"
hz=$(getconf CLK_TCK)
{
	while read -r cond ms ticks drops; do
		awk -F, -v c="$cond" 'NR > 1 && $1 == c { print $3 / 1000 }' "$CSV" | stats_json |
			jq --arg c "$cond" --argjson ms "$ms" --argjson cpu "$((ticks * 1000 / hz))" --argjson drops "$drops" \
				'{condition: $c, status_ms: ., window_ms: $ms, fexynd_cpu_ms: $cpu, subscriber_drops: $drops}'
	done <"$LAB_TMP/conditions"
} | jq -s --argjson calls "$CALLS" --argjson held "$FLOOD_HELD" --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	--arg kernel "$(uname -r)" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" '
	{calls_per_condition: $calls, unit: "ms",
	 measured: "wall time of `fexyn status` run by root (process start included), one call after another",
	 flood_connections_held_at_start: $held,
	 conditions: (map({key: .condition, value: del(.condition)}) | from_entries),
	 date: $date, kernel: $kernel, load_average: $load}' >"$LAB_TMP/attack.json"
mkdir -p "$RESULTS"
cp "$CSV" "$RESULTS/attack.csv"
cp "$LAB_TMP/attack.json" "$RESULTS/attack.json"
jq -r '"root'"'"'s fexyn status (ms, p50 / p99 / max), fexynd CPU over the window:",
	(.conditions | to_entries[] | "  \(.key): \(.value.status_ms.p50) / \(.value.status_ms.p99) / \(.value.status_ms.max)   cpu \(.value.fexynd_cpu_ms) ms in \(.value.window_ms) ms" +
	 (if .value.subscriber_drops > 0 then ", subscriber dropped \(.value.subscriber_drops)×" else "" end))' \
	"$RESULTS/attack.json"
