#!/usr/bin/env bash
# Packets leaked, per table protection mode, while the firewall is attacked
# from inside the machine, during a 20,000 packets/s UDP flow from the
# client to the lab's web host. fexyn guards the lab's tunnel, whose process
# has died (the state is reconnecting: everything blocked but the endpoint),
# and for each mode the kernel allows:
#
#   flush        another root process runs `nft flush ruleset` 20 times,
#                100 ms apart, then `nft delete table inet fexyn`
#   kill         fexynd is SIGKILLed and restarted
#   both         fexynd is SIGKILLed, the ruleset is flushed, fexynd restarts
#
# Modes: owner+persist (Linux 6.9+), owned+unowned (5.12+; two copies of
# the policy) and monitor (one unowned table, restored from nftables
# events); fexynd is asked for each and a mode the kernel lacks is skipped.
# Runs in guests too (tests/vm/): results are named by kernel release.
#
# Usage: sudo bench/tamper.sh [--reps N] [--quick]
# Writes bench/results/tamper-KERNEL.csv and tamper-KERNEL.json.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

REPS=3
RATE=20000
bench_args reps REPS 1 "$@"
KERNEL=$(uname -r)
CSV=$RESULTS/tamper-$KERNEL.csv
JSON=$RESULTS/tamper-$KERNEL.json
lab_init
bench_need nft jq wireguard-go "$FLOOD_BIN" "$FEXYN_BIN" "$FEXYND_BIN"
lab_on_teardown() { fx_teardown; }
mkdir -p "$RESULTS"

in_client() { ip netns exec "$NS_CLIENT" "$@"; }

# Polls (≤ 5 s) until fexynd blocks again (a restarted fexynd that never saw
# this tunnel up says connecting).
wait_blocking() {
	for _ in $(seq 100); do
		case $(fx_state 2>/dev/null) in connecting | reconnecting) return 0 ;; esac
		sleep 0.05
	done
	bench_die "fexynd did not block again: $(fx_state 2>&1)"
}

# Polls (≤ 5 s) until both of the mode's tables are back.
wait_tables() { # mode
	for _ in $(seq 250); do
		if in_client nft list table inet fexyn >/dev/null 2>&1 &&
			{ [ "$1" != owned+unowned ] || in_client nft list table inet fexyn_owned >/dev/null 2>&1; }; then
			return 0
		fi
		sleep 0.02
	done
	bench_die "the $1 tables did not come back"
}

attack_flush() {
	flow_start "$RATE" 3
	for _ in $(seq 20); do
		in_client nft flush ruleset
		sleep 0.1 # the attacker's pace
	done
	in_client nft delete table inet fexyn 2>/dev/null || true
	flow_finish >/dev/null
}

attack_kill() {
	flow_start "$RATE" 2
	fx_kill9
	fx_start
	wait_blocking
	flow_finish >/dev/null
}

attack_both() {
	flow_start "$RATE" 2
	fx_kill9
	in_client nft flush ruleset
	fx_start
	wait_blocking
	flow_finish >/dev/null
}

lab_up
echo "kernel,mode,scenario,rep,leaked,attempted" >"$CSV"
for mode in owner+persist owned+unowned monitor; do
	ip -n "$NS_CLIENT" link show wg0 >/dev/null 2>&1 || lab_client_tunnel_up
	FEXYND_EXTRA_ARGS=(--protection "$mode")
	fx_start
	got=$(fx status --json | jq -r .protection)
	if [ "$got" != "$mode" ]; then
		bench_log "$mode: not on this kernel ($KERNEL gives $got); skipped"
		fx_stop
		continue
	fi
	fx_guard_lab >/dev/null
	fx_wait_state connected 10
	lab_client_tunnel_kill
	fx_wait_state reconnecting
	for rep in $(seq "$REPS"); do
		for scenario in flush kill both; do
			"attack_$scenario"
			wait_tables "$mode"
			read -r sent failed <<<"$(sed -n 's/sent=\([0-9]*\) failed=\([0-9]*\)/\1 \2/p' <<<"$FLOW_OUT")"
			bench_log "$mode $scenario #$rep: $LEAK_COUNT leaked of $((sent + failed))"
			echo "$KERNEL,$mode,$scenario,$rep,$LEAK_COUNT,$((sent + failed))" >>"$CSV"
		done
	done
	fx disconnect >/dev/null
	fx_stop
done

# {kernel, rate, modes: {mode: {scenario: {n, min, median, max}}}}
tail -n +2 "$CSV" | jq -R -s --arg k "$KERNEL" --argjson rate "$RATE" '
	def stats: sort as $s | ($s | length) as $n
		| {n: $n, min: $s[0], max: $s[-1],
		   median: (if $n % 2 == 1 then $s[($n - 1) / 2] else ($s[$n / 2 - 1] + $s[$n / 2]) / 2 end)};
	[split("\n")[] | select(length > 0) | split(",")
	 | {mode: .[1], scenario: .[2], leaked: (.[4] | tonumber)}]
	| {kernel: $k, rate: $rate,
	   modes: (group_by(.mode) | map({key: .[0].mode, value:
		(group_by(.scenario) | map({key: .[0].scenario, value: (map(.leaked) | stats)}) | from_entries)})
		| from_entries)}' >"$JSON"
bench_log "wrote $CSV and $JSON"
