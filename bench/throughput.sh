#!/usr/bin/env bash
# Throughput with fexyn's rules against no rules, and the per-packet cost of
# a growing endpoint set against the same number of iptables rules.
#
# 1. iperf3 (TCP, client -> server) from the lab's client, through the
#    wg-quick-style tunnel to the web host (wireguard-go on both ends), and
#    straight to the LAN host; "fexyn" = fexynd guarding the tunnel
#    (connected), "none" = no fexyn table, "conntrack" = a table holding
#    only an input rule `ct state established,related accept` (what turns
#    connection tracking on, as fexyn's rules do), to show its share. Runs
#    alternate none / conntrack / fexyn.
#
# 2. Per-packet cost, in one scratch namespace per ruleset: bench/pktcost.c
#    sends marked UDP packets (SO_MARK 51820) as fast as it can to an address
#    behind a veth whose peer is down (the device drops them), so every
#    packet runs the output hook and nothing else of note; the figure is the
#    sender's CPU time (user + system) per packet. The packets match no
#    endpoint: the worst case, a whole rule list walked.
#      set-N       fexyn's shape: table inet, set of N elements of type
#                  ipv4_addr . inet_proto . inet_service, and the rule
#                  `meta mark 0xca6c ip daddr . meta l4proto . th dport @set accept`
#      iptables-N  N rules `-d ADDR -p udp --dport 51820 -m mark --mark 0xca6c
#                  -j ACCEPT` loaded with iptables-restore (iptables-nft,
#                  Debian's default: nftables rules underneath)
#      legacy-N    the same rules with iptables-legacy (x_tables)
#      baseline    no ruleset
#    Rulesets alternate within each repetition.
#
# Usage: sudo bench/throughput.sh [--reps N] [--quick]
# Writes bench/results/throughput.csv, setcost.csv and throughput.json.
# (--reps N sets both the iperf3 runs, default 5, and the cost runs, default 3.)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

REPS=3
IPERF_REPS=5
IPERF_S=4
COST_S=2
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1; shift ;;
	--reps) REPS=$2; IPERF_REPS=$2; shift 2 ;;
	*) echo "usage: bench/throughput.sh [--reps N] [--quick]" >&2; exit 2 ;;
	esac
done
if [ "$QUICK" = 1 ]; then
	REPS=1
	IPERF_REPS=1
	IPERF_S=2
	COST_S=0.5
fi
SIZES=(10 1000 10000)
bench_need iperf3 iptables-restore iptables-legacy-restore nft jq wg wireguard-go "$FEXYN_BIN" "$FEXYND_BIN"
lab_on_teardown() { fx_teardown; }

lab_init
bench_tools

# --- 2. per-packet cost (first: no lab traffic yet) --------------------------

COSTS=(baseline)
for n in "${SIZES[@]}"; do COSTS+=("set-$n" "iptables-$n" "legacy-$n"); done

gen_set() { # n
	echo "table inet bench {"
	echo "	set endpoints4 {"
	echo "		type ipv4_addr . inet_proto . inet_service"
	printf "		elements = { "
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "100.64.%d.%d . udp . 51820, ", int(i / 256), i % 256 }'
	echo "}"
	echo "	}"
	echo "	chain output {"
	echo "		type filter hook output priority filter; policy accept;"
	echo "		meta mark 0xca6c ip daddr . meta l4proto . th dport @endpoints4 accept"
	echo "	}"
	echo "}"
}
gen_iptables() { # n
	echo "*filter"
	echo ":OUTPUT ACCEPT [0:0]"
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++)
		printf "-A OUTPUT -d 100.64.%d.%d/32 -p udp -m udp --dport 51820 -m mark --mark 0xca6c -j ACCEPT\n", int(i / 256), i % 256 }'
	echo "COMMIT"
}

declare -A COST_NS=()
i=0
for c in "${COSTS[@]}"; do
	i=$((i + 1))
	scratch_ns "c$i"
	ns=$SCRATCH
	COST_NS[$c]=$ns
	ip -n "$ns" link add v0 type veth peer name v0p
	ip -n "$ns" link set v0 up
	ip -n "$ns" addr add 10.99.0.1/24 dev v0
	ip -n "$ns" neigh add 10.99.0.2 lladdr 02:00:00:00:00:02 dev v0 nud permanent
	n=${c##*-}
	case $c in
	set-*) gen_set "$n" | ip netns exec "$ns" nft -f - ;;
	iptables-*) gen_iptables "$n" | ip netns exec "$ns" iptables-restore ;;
	legacy-*) gen_iptables "$n" | ip netns exec "$ns" iptables-legacy-restore ;;
	esac
done

SETCOST=$LAB_TMP/setcost.csv
echo "ruleset,size,rep,ns_per_packet,pps" >"$SETCOST"
bench_log "per-packet cost: ${#COSTS[@]} rulesets x $REPS reps x ${COST_S}s"
for rep in $(seq "$REPS"); do
	for c in "${COSTS[@]}"; do
		out=$(ip netns exec "${COST_NS[$c]}" "$BENCH_BIN/pktcost" --to 10.99.0.2:9999 --mark 51820 \
			--seconds "$COST_S")
		nspp=$(sed -n 's/.*ns_per_packet=\([0-9.]*\).*/\1/p' <<<"$out")
		pps=$(sed -n 's/.* pps=\([0-9]*\).*/\1/p' <<<"$out")
		kind=${c%-*}
		size=${c##*-}
		[ "$c" = baseline ] && size=0
		echo "$kind,$size,$rep,$nspp,$pps" >>"$SETCOST"
		printf '  %-15s rep %s: %9s ns/packet  %9s packets/s\n' "$c" "$rep" "$nspp" "$pps" >&2
	done
done
for c in "${COSTS[@]}"; do
	ip netns del "${COST_NS[$c]}"
done

# --- 1. iperf3 ----------------------------------------------------------------

build_router
build_web
build_client
build_servers
lab_client_tunnel_up >/dev/null 2>&1
fx_start
ip netns exec "$NS_WEB" iperf3 -s >/dev/null 2>&1 &
LAB_PIDS+=($!)
disown $!
ip netns exec "$NS_LAN" iperf3 -s >/dev/null 2>&1 &
LAB_PIDS+=($!)
disown $!
sleep 0.3

THRU=$LAB_TMP/throughput.csv
echo "target,rules,rep,mbit_s,retransmits" >"$THRU"
bench_log "iperf3: tunnel and LAN x none/conntrack/fexyn x $IPERF_REPS reps x ${IPERF_S}s"
for rep in $(seq "$IPERF_REPS"); do
	for target in tunnel lan; do
		for rules in none conntrack fexyn; do
			if [ "$rules" = conntrack ]; then
				ip netns exec "$NS_CLIENT" nft -f - <<-NFT
				table inet benchct {
					chain input {
						type filter hook input priority 0; policy accept;
						ct state established,related accept
					}
				}
				NFT
			fi
			if [ "$rules" = fexyn ]; then
				# shellcheck disable=SC2119 # no extra guard arguments
				fx_guard_lab >/dev/null
				fx_wait_state connected
			fi
			to=$WEB
			[ "$target" = lan ] && to=$LAN_HOST
			json=$(ip netns exec "$NS_CLIENT" iperf3 -c "$to" -t "$IPERF_S" -J) ||
				bench_die "iperf3 to $to failed: $(jq -r .error <<<"$json" 2>/dev/null)"
			read -r mbit retr < <(jq -r '"\(.end.sum_received.bits_per_second / 1e6 * 10 | round / 10) \(.end.sum_sent.retransmits // 0)"' <<<"$json")
			[ "$rules" = fexyn ] && fx disconnect >/dev/null
			[ "$rules" = conntrack ] && ip netns exec "$NS_CLIENT" nft delete table inet benchct
			echo "$target,$rules,$rep,$mbit,$retr" >>"$THRU"
			printf '  %-6s %-6s rep %s: %8s Mbit/s (retransmits %s)\n' "$target" "$rules" "$rep" "$mbit" "$retr" >&2
		done
	done
done
# The tunnel really carried the tunnel runs, and nothing leaked.
[ "$(web_counter leak)" = 0 ] || bench_die "the web host saw the client's real address during iperf3"

# --- the summary ----------------------------------------------------------------

stat_of() { # file awk-condition column
	awk -F, "NR > 1 && $2 { print \$$3 }" "$1" | stats_json
}
{
	for target in tunnel lan; do
		for rules in none conntrack fexyn; do
			stat_of "$THRU" "\$1 == \"$target\" && \$2 == \"$rules\"" 4 |
				jq --arg t "$target" --arg r "$rules" '{target: $t, rules: $r, mbit_s: .}'
		done
	done
} | jq -s . >"$LAB_TMP/iperf.json"
{
	for c in "${COSTS[@]}"; do
		kind=${c%-*}
		size=${c##*-}
		[ "$c" = baseline ] && size=0
		stat_of "$SETCOST" "\$1 == \"$kind\" && \$2 == $size" 4 |
			jq --arg k "$kind" --argjson n "$size" '{ruleset: $k, size: $n, ns_per_packet: .}'
	done
} | jq -s . >"$LAB_TMP/cost.json"

# fexyn / none within each repetition (the runs next to each other).
{
	for target in tunnel lan; do
		awk -F, -v t="$target" 'NR > 1 && $1 == t { v[$3 "," $2] = $4; reps[$3] = 1 }
			END { for (r in reps) if (v[r ",none"] > 0) print v[r ",fexyn"] / v[r ",none"] }' "$THRU" |
			stats_json | jq --arg t "$target" '{($t): .}'
	done
} | jq -s add >"$LAB_TMP/pairs.json"

jq -n --slurpfile iperf "$LAB_TMP/iperf.json" --slurpfile cost "$LAB_TMP/cost.json" \
	--argjson reps "$REPS" --argjson ireps "$IPERF_REPS" --argjson secs "$IPERF_S" --argjson csecs "$COST_S" \
	--slurpfile pairs "$LAB_TMP/pairs.json" \
	--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg kernel "$(uname -r)" \
	--arg load "$(cut -d' ' -f1-3 /proc/loadavg)" '
	def r3: . * 1000 | round / 1000;
	def med(t; r): $iperf[0][] | select(.target == t and .rules == r) | .mbit_s.median;
	def cost(k; n): $cost[0][] | select(.ruleset == k and .size == n) | .ns_per_packet.median;
	{reps: $reps, iperf_reps: $ireps, iperf_seconds: $secs, cost_seconds: $csecs,
	 iperf: $iperf[0],
	 ratio: {tunnel: (med("tunnel"; "fexyn") / med("tunnel"; "none") | r3),
	         lan: (med("lan"; "fexyn") / med("lan"; "none") | r3)},
	 ratio_conntrack_only: {tunnel: (med("tunnel"; "conntrack") / med("tunnel"; "none") | r3),
	         lan: (med("lan"; "conntrack") / med("lan"; "none") | r3)},
	 ratio_per_rep: $pairs[0],
	 per_packet: $cost[0],
	 growth_10_to_10000: {set: (cost("set"; 10000) / cost("set"; 10) | r3),
	                      iptables: (cost("iptables"; 10000) / cost("iptables"; 10) | r3),
	                      legacy: (cost("legacy"; 10000) / cost("legacy"; 10) | r3)},
	 added_ns: {set_10: (cost("set"; 10) - cost("baseline"; 0) | round),
	            set_10000: (cost("set"; 10000) - cost("baseline"; 0) | round),
	            iptables_10000: (cost("iptables"; 10000) - cost("baseline"; 0) | round),
	            legacy_10000: (cost("legacy"; 10000) - cost("baseline"; 0) | round)},
	 measured: "iperf3 TCP client->server, received Mbit/s, medians; per-packet: sender CPU ns per UDP packet through the output hook (bench/pktcost.c), medians",
	 loadavg_at_end: $load, date: $date, kernel: $kernel}' >"$LAB_TMP/throughput.json"

mkdir -p "$RESULTS"
cp "$THRU" "$RESULTS/throughput.csv"
cp "$SETCOST" "$RESULTS/setcost.csv"
cp "$LAB_TMP/throughput.json" "$RESULTS/throughput.json"
jq -r '"throughput (median Mbit/s): " + ([.iperf[] | "\(.target)/\(.rules) \(.mbit_s.median)"] | join(", ")),
	"  fexyn / none: tunnel \(.ratio.tunnel), LAN \(.ratio.lan); conntrack alone / none: tunnel \(.ratio_conntrack_only.tunnel), LAN \(.ratio_conntrack_only.lan)",
	"per-packet cost (median ns): " + ([.per_packet[] | "\(.ruleset)-\(.size) \(.ns_per_packet.median)"] | join(", ")),
	"  10 -> 10,000 growth: set \(.growth_10_to_10000.set)x, iptables \(.growth_10_to_10000.iptables)x, legacy \(.growth_10_to_10000.legacy)x"' \
	"$RESULTS/throughput.json"
