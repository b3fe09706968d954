#!/usr/bin/env bash
# Latency of fexyn's firewall transactions against `nft -f` loading the same
# rulesets, in two scratch network namespaces.
#
#   fexyn    bench/txn_bench.c: fx_policy_compile + fx_nft_apply on one
#            netfilter socket, as fexynd does it (owner+persist flags where
#            the kernel has them); CLOCK_MONOTONIC around each transaction.
#   nft -f   the same rulesets, dumped with `nft list table inet fexyn` after
#            txn_bench applied them (the table-flags line left out: nft 1.0.6
#            cannot name "persist", and "owner" would tie the table to nft's
#            own short-lived socket), loaded with `nft -f FILE`; the clock
#            is bash's $EPOCHREALTIME around the command, so it includes
#            starting nft — which is what a tool that shells out to nft pays.
#
# fexyn: RUNS transactions each way (1,000; --quick 200); nft -f: RUNS/2 each
# way, so RUNS loads per kind (each starts a process: tens of ms here).
# Transactions (each alternates two rulesets, both directions timed):
#   connect   no table -> the connecting policy (timed as "connect"), and
#             back ("disconnect", recorded, not the headline)
#   swap      reconnecting with endpoint A <-> endpoint B: for nft -f, a file
#             that flushes the table's chains and sets and refills them, in
#             one transaction as fexyn does
#   lockdown  no table <-> the blocked policy that lockdown keeps while
#             disconnected ("on"/"off")
#
# Usage: sudo bench/latency.sh [--runs N] [--quick]
# Writes bench/results/latency.csv (tool,kind,direction,us,compile_us) and
# latency.json.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

RUNS=1000
bench_args runs RUNS 200 "$@"
NFT_RUNS=$(((RUNS + 1) / 2))
bench_need nft jq cc pkg-config

lab_init
bench_tools
scratch_ns txn
NS_TXN=$SCRATCH
scratch_ns nftf
NS_NFTF=$SCRATCH
CSV=$LAB_TMP/latency.csv
echo "tool,kind,direction,us,compile_us" >"$CSV"

# The rulesets as nft prints them.
dump() { # variant file
	ip netns exec "$NS_TXN" "$BENCH_BIN/txn_bench" --dump "$1"
	ip netns exec "$NS_TXN" nft list table inet fexyn | grep -v '^[[:space:]]*flags[[:space:]]*$' >"$2"
	ip netns exec "$NS_TXN" nft delete table inet fexyn
}
D=$LAB_TMP/rulesets
mkdir -p "$D"
dump connecting "$D/connecting.nft"
dump swap-a "$D/swap-a.nft"
dump swap-b "$D/swap-b.nft"
dump lockdown "$D/lockdown.nft"
echo "delete table inet fexyn" >"$D/delete.nft"
printf 'table inet fexyn { }\ndelete table inet fexyn\n' >"$D/ensure-none.nft"
refill() { # ruleset-file: replace the table's content in one transaction
	echo "flush table inet fexyn"
	local s
	for s in endpoints4 endpoints6 lan4 lan6 resolvers4 resolvers6; do
		echo "flush set inet fexyn $s"
	done
	cat "$1"
}
refill "$D/swap-a.nft" >"$D/refill-a.nft"
refill "$D/swap-b.nft" >"$D/refill-b.nft"
mkdir -p "$RESULTS"
cp "$D/connecting.nft" "$RESULTS/ruleset-connecting.nft"
cp "$D/swap-a.nft" "$RESULTS/ruleset-reconnecting.nft"
cp "$D/lockdown.nft" "$RESULTS/ruleset-lockdown.nft"

# nft -f, timed in one shell inside the namespace: first FIRST (untimed),
# then B, A, B, A... each timed.
nft_loop() { # kind first a dir-a b dir-b runs
	# shellcheck disable=SC2016 # for the inner bash
	ip netns exec "$NS_NFTF" bash -c '
		set -e
		kind=$1 first=$2 a=$3 da=$4 b=$5 db=$6 runs=$7
		nft -f "$first"
		for ((i = 0; i < 5; i++)); do nft -f "$b"; nft -f "$a"; done
		for ((i = 0; i < runs; i++)); do
			t0=${EPOCHREALTIME//[.,]/}; nft -f "$b"; t1=${EPOCHREALTIME//[.,]/}
			echo "nft-f,$kind,$db,$((t1 - t0)),"
			t0=${EPOCHREALTIME//[.,]/}; nft -f "$a"; t1=${EPOCHREALTIME//[.,]/}
			echo "nft-f,$kind,$da,$((t1 - t0)),"
		done' _ "$@"
}

# In ROUNDS rounds, each kind and tool in turn, so that a slow spell of the
# machine (or of the kernel's netfilter hook registration, which every
# namespace on the machine shares) falls on all of them alike.
ROUNDS=5
[ "$QUICK" = 1 ] && ROUNDS=2
bench_log "latency: fexyn (txn_bench) $RUNS transactions per direction, nft -f $NFT_RUNS loads per direction, in $ROUNDS interleaved rounds"
for round in $(seq "$ROUNDS"); do
	n=$(((RUNS + ROUNDS - 1) / ROUNDS))
	nn=$(((NFT_RUNS + ROUNDS - 1) / ROUNDS))
	for kind in connect swap lockdown; do
		ip netns exec "$NS_TXN" "$BENCH_BIN/txn_bench" --kind "$kind" --runs "$n" --warmup 5 \
			2>"$LAB_TMP/txn.err" | sed 's/^/fexyn,/' >>"$CSV" ||
			bench_die "txn_bench --kind $kind: $(cat "$LAB_TMP/txn.err")"
		[ "$round" = 1 ] && cat "$LAB_TMP/txn.err" >&2
		# nft -f: RUNS loads per transaction kind (RUNS/2 each way): each
		# load starts a process, tens of ms on this machine.
		case $kind in
		connect) nft_loop connect "$D/ensure-none.nft" "$D/delete.nft" disconnect "$D/connecting.nft" connect "$nn" >>"$CSV" ;;
		swap) nft_loop swap "$D/swap-a.nft" "$D/refill-a.nft" b-a "$D/refill-b.nft" a-b "$nn" >>"$CSV" ;;
		lockdown) nft_loop lockdown "$D/ensure-none.nft" "$D/delete.nft" off "$D/lockdown.nft" on "$nn" >>"$CSV" ;;
		esac
		ip netns exec "$NS_NFTF" nft delete table inet fexyn 2>/dev/null || true
	done
done

# Each (tool, kind, direction), and per (tool, kind) the headline: connect
# alone for connect, both directions for swap and lockdown.
summary() { # tool kind [direction]
	awk -F, -v t="$1" -v k="$2" -v d="${3:-}" '$1 == t && $2 == k && (d == "" || $3 == d) { print $4 }' "$CSV" |
		stats_json
}
{
	for tool in fexyn nft-f; do
		for kind in connect swap lockdown; do
			case $kind in
			connect) head=$(summary "$tool" connect connect) ;;
			*) head=$(summary "$tool" "$kind") ;;
			esac
			dirs=$(awk -F, -v t="$tool" -v k="$kind" '$1 == t && $2 == k { print $3 }' "$CSV" | sort -u)
			per=$(for d in $dirs; do summary "$tool" "$kind" "$d" | jq --arg d "$d" '{($d): .}'; done | jq -s add)
			compile=$(awk -F, -v t="$tool" -v k="$kind" '$1 == t && $2 == k && $5 != "" { print $5 }' "$CSV" | stats_json)
			jq -n --arg tool "$tool" --arg kind "$kind" --argjson head "$head" --argjson per "$per" \
				--argjson compile "$compile" \
				'{tool: $tool, kind: $kind, headline: $head, directions: $per}
				 + (if $compile.n > 0 then {compile_us: $compile} else {} end)'
		done
	done
} | jq -s --argjson runs "$RUNS" --argjson nft_runs "$NFT_RUNS" --argjson rounds "$ROUNDS" --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg kernel "$(uname -r)" \
	--arg nft "$(nft --version)" '
	{runs_per_direction: $runs, nft_f_runs_per_direction: $nft_runs, rounds: $rounds, unit: "us",
	 headline_means: "connect: no table -> connecting policy; swap and lockdown: both directions",
	 fexyn: (map(select(.tool == "fexyn")) | map({key: .kind, value: (.headline + {directions: .directions, compile_us: .compile_us})}) | from_entries),
	 nft_f: (map(select(.tool == "nft-f")) | map({key: .kind, value: (.headline + {directions: .directions})}) | from_entries),
	 measured: "fexyn: fx_policy_compile + fx_nft_apply (one netlink transaction, acks read) timed with CLOCK_MONOTONIC in bench/txn_bench.c; nft -f: wall time of `nft -f FILE` (process start included) with the same rulesets; both in scratch network namespaces, alternating two rulesets",
	 nft_version: $nft, date: $date, kernel: $kernel}' >"$LAB_TMP/latency.json"

cp "$CSV" "$RESULTS/latency.csv"
cp "$LAB_TMP/latency.json" "$RESULTS/latency.json"
jq -r '"transaction latency (µs, p50 / p99 / max):",
	(["connect", "swap", "lockdown"][] as $k
	 | "  \($k): fexyn \(.fexyn[$k].p50) / \(.fexyn[$k].p99) / \(.fexyn[$k].max)   nft -f \(.nft_f[$k].p50) / \(.nft_f[$k].p99) / \(.nft_f[$k].max)")' \
	"$RESULTS/latency.json"
