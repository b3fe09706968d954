#!/usr/bin/env bash
# What split tunnelling (fexyn exclude) costs.
#
# 1. Per-packet cost of the cgroup match, in one scratch namespace per
#    ruleset: bench/pktcost.c sends UDP packets as fast as it can to an
#    address behind a veth whose peer is down (the device drops them), and
#    the figure is the sender's CPU time per packet. The rulesets are
#    fexyn's split table as policy.c makes it (the route chain that marks
#    an excluded socket's packets, the filter accept for both marks) with
#    N exclusions in its set:
#      baseline      no ruleset
#      conntrack     a chain that only turns connection tracking on, as
#                    fexyn's own table does: the split table's cost is
#                    what it adds to this
#      other-N       the sender is in no exclusion: every packet is looked
#                    up and left alone
#      excluded-N    the sender is in one: every packet is marked, which
#                    makes the route chain route it again
#    Rulesets alternate within each repetition.
#
# 2. Throughput: iperf3 (TCP, client -> web host) in the lab with
#    fexyn connect: "tunnel" with nothing excluded, "tunnel+excl" with
#    another program excluded (the split table loaded, iperf3 not in it),
#    "excluded" with iperf3 itself excluded (around the tunnel, the real
#    address). Runs alternate.
#
# Usage: sudo bench/exclude.sh [--reps N] [--quick]
# Writes bench/results/exclude.csv, exclude-cost.csv and exclude.json.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

REPS=3
IPERF_S=4
COST_S=2
bench_args reps REPS 1 "$@"
if [ "$QUICK" = 1 ]; then
	IPERF_S=2
	COST_S=0.5
fi
SIZES=(1 64)
bench_need iperf3 nft jq wg wireguard-go "$FEXYN_BIN" "$FEXYND_BIN"
CG_MOUNT=$(awk '$4 == "/" && / - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
[ -n "$CG_MOUNT" ] || bench_die "no cgroup2 file system: split tunnelling needs cgroup v2"
CG_NAME=fexyn-bench-$$
CG_DIR=$CG_MOUNT/$CG_NAME
MARK=51820
# A cgroup this run made, with its groups: their processes back at the top.
cgroup_tree_remove() { # dir
	local g pid
	[ -d "$1" ] || return 0
	for g in "$1"/*/; do
		[ -d "$g" ] || continue
		while read -r pid; do echo "$pid" >"$CG_MOUNT/cgroup.procs" 2>/dev/null || true; done <"$g/cgroup.procs"
		rmdir "$g" 2>/dev/null || true
	done
	rmdir "$1" 2>/dev/null || true
}
lab_on_teardown() {
	fx_teardown
	cgroup_tree_remove "$CG_DIR"
	cgroup_tree_remove "$CG_DIR-d"
}

lab_init
bench_tools

# --- 1. per-packet cost ---------------------------------------------------------

mkdir -p "$CG_DIR"
for i in $(seq 64); do mkdir -p "$CG_DIR/$i"; done
# `ip netns exec` mounts a fresh /sys: nft finds cgroup paths under
# /sys/fs/cgroup, so the hierarchy is mounted there again, privately.
in_ns_with_cgroups() { # ns command...
	local ns=$1
	shift
	ip netns exec "$ns" sh -c 'mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec "$@"' sh "$@"
}
gen_split() { # n
	local i
	echo "table inet bench {"
	echo "	set excluded {"
	echo "		type cgroupsv2"
	printf "		elements = { "
	for i in $(seq "$1"); do printf '"%s/%s", ' "$CG_NAME" "$i"; done
	echo "}"
	echo "	}"
	echo "	chain mark_out {"
	echo "		type route hook output priority -150; policy accept;"
	echo "		udp dport 53 accept"
	echo "		tcp dport 53 accept"
	echo "		tcp dport 853 accept"
	echo "		ct state new socket cgroupv2 level 2 @excluded meta mark set $MARK ct mark set 0x66786e"
	echo "		ct mark 0x66786e socket cgroupv2 level 2 @excluded meta mark set $MARK ct mark set 0x66786e"
	echo "	}"
	echo "	chain output {"
	echo "		type filter hook output priority 0; policy accept;"
	echo "		meta mark $MARK ct mark 0x66786e accept"
	echo "	}"
	echo "}"
}

COSTS=(baseline conntrack)
for n in "${SIZES[@]}"; do COSTS+=("other-$n" "excluded-$n"); done
declare -A COST_NS=()
i=0
for c in "${COSTS[@]}"; do
	i=$((i + 1))
	scratch_ns "x$i"
	COST_NS[$c]=$SCRATCH
	ip -n "$SCRATCH" link add v0 type veth peer name v0p
	ip -n "$SCRATCH" link set v0 up
	ip -n "$SCRATCH" addr add 10.99.0.1/24 dev v0
	ip -n "$SCRATCH" neigh add 10.99.0.2 lladdr 02:00:00:00:00:02 dev v0 nud permanent
	case $c in
	conntrack)
		ip netns exec "$SCRATCH" nft -f - <<-NFT
		table inet bench {
			chain output {
				type filter hook output priority 0; policy accept;
				ct state established,related accept
			}
		}
		NFT
		;;
	other-* | excluded-*) gen_split "${c##*-}" | in_ns_with_cgroups "$SCRATCH" nft -f - ;;
	esac
done

# pktcost in group 1 (in every set) or in a group of its own (in none).
pktcost_in() { # group ns
	sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$CG_DIR/$1" \
		ip netns exec "$2" "$BENCH_BIN/pktcost" --to 10.99.0.2:9999 --seconds "$COST_S"
}
mkdir -p "$CG_DIR/outside"
COST=$LAB_TMP/exclude-cost.csv
echo "ruleset,size,rep,ns_per_packet,pps" >"$COST"
bench_log "per-packet cost: ${#COSTS[@]} rulesets x $REPS reps x ${COST_S}s"
for rep in $(seq "$REPS"); do
	for c in "${COSTS[@]}"; do
		group=outside
		[[ $c == excluded-* ]] && group=1
		out=$(pktcost_in "$group" "${COST_NS[$c]}")
		nspp=$(sed -n 's/.*ns_per_packet=\([0-9.]*\).*/\1/p' <<<"$out")
		pps=$(sed -n 's/.* pps=\([0-9]*\).*/\1/p' <<<"$out")
		size=${c##*-}
		[[ $c == *-* ]] || size=0
		echo "${c%-*},$size,$rep,$nspp,$pps" >>"$COST"
		printf '  %-12s rep %s: %9s ns/packet  %9s packets/s\n' "$c" "$rep" "$nspp" "$pps" >&2
	done
done
for c in "${COSTS[@]}"; do ip netns del "${COST_NS[$c]}"; done

# --- 2. iperf3 --------------------------------------------------------------------

FEXYND_EXTRA_ARGS=(--exclusion-cgroup "$CG_NAME-d")
FEXYND_WRAPPER=(sh -c 'mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec "$@"' sh)
lab_up_bare
fx_start
fx connect "$LAB_TMP/vpn1.conf" >/dev/null
ip netns exec "$NS_WEB" iperf3 -s >/dev/null 2>&1 &
LAB_PIDS+=($!)
disown $!
sleep 0.3
sleep 3600 &
OTHER_PID=$!
LAB_PIDS+=("$OTHER_PID")
# An iperf3 run: excluded (by PID, before it starts: the shell waits on a
# fifo, is excluded, then becomes iperf3) or not.
iperf() { # mode
	local fifo=$LAB_TMP/go pid
	rm -f "$fifo"
	mkfifo "$fifo"
	ip netns exec "$NS_CLIENT" sh -c 'read -r _ <"$1" && shift && exec "$@"' sh "$fifo" \
		iperf3 -c "$WEB" -t "$IPERF_S" -J >"$LAB_TMP/iperf.json" &
	pid=$!
	LAB_PIDS+=("$pid")
	[ "$1" != excluded ] || fx exclude add "$pid" >/dev/null
	echo go >"$fifo"
	wait "$pid" || bench_die "iperf3 ($1) failed: $(jq -r .error "$LAB_TMP/iperf.json" 2>/dev/null)"
}
THRU=$LAB_TMP/exclude.csv
echo "mode,rep,mbit_s" >"$THRU"
web_counters_reset
bench_log "iperf3: tunnel / tunnel+excl / excluded x $REPS reps x ${IPERF_S}s"
for rep in $(seq "$REPS"); do
	for mode in tunnel tunnel+excl excluded; do
		[ "$mode" != tunnel+excl ] || fx exclude add "$OTHER_PID" >/dev/null
		iperf "$mode"
		mbit=$(jq -r '.end.sum_received.bits_per_second / 1e6 * 10 | round / 10' "$LAB_TMP/iperf.json")
		fx exclude clear >/dev/null
		echo "$mode,$rep,$mbit" >>"$THRU"
		printf '  %-12s rep %s: %8s Mbit/s\n' "$mode" "$rep" "$mbit" >&2
	done
done
# The excluded runs went around the tunnel: the web host saw the real address.
[ "$(web_counter leak)" -gt 0 ] || bench_die "the excluded iperf3 did not reach the web host directly"
fx disconnect --clear-exclusions >/dev/null

# --- the summary ----------------------------------------------------------------

stat_of() { # file awk-condition column
	awk -F, "NR > 1 && $2 { print \$$3 }" "$1" | stats_json
}
{
	for c in "${COSTS[@]}"; do
		size=${c##*-}
		[[ $c == *-* ]] || size=0
		stat_of "$COST" "\$1 == \"${c%-*}\" && \$2 == $size" 4 |
			jq --arg k "${c%-*}" --argjson n "$size" '{ruleset: $k, exclusions: $n, ns_per_packet: .}'
	done
} | jq -s . >"$LAB_TMP/cost.json"
{
	for mode in tunnel tunnel+excl excluded; do
		stat_of "$THRU" "\$1 == \"$mode\"" 3 | jq --arg m "$mode" '{mode: $m, mbit_s: .}'
	done
} | jq -s . >"$LAB_TMP/iperf-all.json"
jq -n --slurpfile cost "$LAB_TMP/cost.json" --slurpfile iperf "$LAB_TMP/iperf-all.json" \
	--argjson reps "$REPS" --argjson secs "$IPERF_S" --argjson csecs "$COST_S" \
	--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg kernel "$(uname -r)" '
	def cost(k; n): $cost[0][] | select(.ruleset == k and .exclusions == n) | .ns_per_packet.median;
	def med(m): $iperf[0][] | select(.mode == m) | .mbit_s.median;
	{reps: $reps, iperf_seconds: $secs, cost_seconds: $csecs, per_packet: $cost[0], iperf: $iperf[0],
	 added_ns_to_conntrack: {other_1: (cost("other"; 1) - cost("conntrack"; 0) | round),
	            other_64: (cost("other"; 64) - cost("conntrack"; 0) | round),
	            excluded_1: (cost("excluded"; 1) - cost("conntrack"; 0) | round),
	            excluded_64: (cost("excluded"; 64) - cost("conntrack"; 0) | round)},
	 ratio_tunnel_with_exclusion: (med("tunnel+excl") / med("tunnel") * 1000 | round / 1000),
	 measured: "per-packet: sender CPU ns per UDP packet through the output hook (bench/pktcost.c), medians; iperf3 TCP client->web host, received Mbit/s, medians",
	 date: $date, kernel: $kernel}' >"$LAB_TMP/exclude.json"
mkdir -p "$RESULTS"
cp "$THRU" "$RESULTS/exclude.csv"
cp "$COST" "$RESULTS/exclude-cost.csv"
cp "$LAB_TMP/exclude.json" "$RESULTS/exclude.json"
jq -r '"per-packet cost (median ns): " + ([.per_packet[] | "\(.ruleset)-\(.exclusions) \(.ns_per_packet.median)"] | join(", ")),
	"  added to connection tracking alone: not excluded \(.added_ns_to_conntrack.other_1) ns (1 exclusion), \(.added_ns_to_conntrack.other_64) ns (64); excluded \(.added_ns_to_conntrack.excluded_1) ns, \(.added_ns_to_conntrack.excluded_64) ns",
	"throughput (median Mbit/s): " + ([.iperf[] | "\(.mode) \(.mbit_s.median)"] | join(", ")),
	"  through the tunnel with an exclusion configured / without: \(.ratio_tunnel_with_exclusion)"' \
	"$RESULTS/exclude.json"
