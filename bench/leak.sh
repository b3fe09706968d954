#!/usr/bin/env bash
# The leak matrix: packets that reach the lab's web host with the client's
# real address, for eight scenarios (rows) and four kill-switch strategies
# (columns), during a 20,000 packets/s UDP flow around the event.
#
# One lab for the whole matrix (tests/lab/netlab.sh's, plus bench/lib.sh's
# IPv6, DNS counter and container). Each cell starts from the same place: a
# fresh wg-quick-style tunnel (lab_client_tunnel_up) carrying traffic, the
# strategy armed; then the flow starts, the event happens EVENT_AT seconds
# in, the flow runs to its end, and the counters are read; then everything
# is undone and the client's firewall must be empty again. Strategies
# alternate within a scenario, scenarios within a repetition.
#
# Usage: sudo bench/leak.sh [--reps N] [--quick] [--only ID,ID...]
# Writes bench/results/leak.csv, leak.json, leak_timeline.csv.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

REPS=3
RATE=20000
FLOW_S=2
EVENT_AT=0.5
ONLY=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1; shift ;;
	--reps) REPS=$2; shift 2 ;;
	--only) ONLY=$2; shift 2 ;;
	*) echo "usage: bench/leak.sh [--reps N] [--quick] [--only ID,ID...]" >&2; exit 2 ;;
	esac
done
if [ "$QUICK" = 1 ]; then
	REPS=1
	FLOW_S=1
	EVENT_AT=0.3
fi
lab_init
bench_tools
bench_need wg wireguard-go nft jq iptables ip6tables "$FLOOD_BIN" "$FEXYN_BIN" "$FEXYND_BIN"

lab_on_teardown() { fx_teardown; }

# Rows: id|label|where the flow starts|destination|counter (ns-var table name)|event
SCENARIOS=(
	"tunnel-kill|tunnel process killed (SIGKILL wireguard-go)|client|$WEB:9999|NS_WEB lab leak|ev_tunnel_kill"
	"link-del|tunnel interface deleted (ip link del wg0)|client|$WEB:9999|NS_WEB lab leak|ev_link_del"
	"better-route|a better route appears (0.0.0.0/1 and 128.0.0.0/1 via the router)|client|$WEB:9999|NS_WEB lab leak|ev_better_route"
	"option121|DHCP option-121-style route (198.51.100.0/24 via the router)|client|$WEB:9999|NS_WEB lab leak|ev_option121"
	"ipv6|IPv6 to the web host (the tunnel carries IPv4 only)|client|[$WEB6]:9999|NS_WEB bench leak6|ev_none"
	"dns|DNS to the router (udp/53 to 192.168.77.1; counted at the router)|client|$ROUTER_LAN:53|NS_ROUTER bench dns|ev_none"
	"container|container traffic (a NATed namespace behind the client), tunnel killed|ctr|$WEB:9999|NS_WEB lab leak|ev_tunnel_kill"
	"daemon-kill|kill-switch process SIGKILLed, then the tunnel killed|client|$WEB:9999|NS_WEB lab leak|ev_daemon_kill"
)

if [ -n "$ONLY" ]; then
	kept=()
	for sc in "${SCENARIOS[@]}"; do
		[[ ",$ONLY," == *",${sc%%|*},"* ]] && kept+=("$sc")
	done
	SCENARIOS=("${kept[@]}")
fi

ev_none() { :; }
ev_tunnel_kill() { kill -9 "$CLIENT_WG_PID"; }
ev_link_del() { ip -n "$NS_CLIENT" link del wg0; }
ev_better_route() {
	ip -n "$NS_CLIENT" route add 0.0.0.0/1 via "$ROUTER_LAN"
	ip -n "$NS_CLIENT" route add 128.0.0.0/1 via "$ROUTER_LAN"
}
ev_option121() { ip -n "$NS_CLIENT" route add 198.51.100.0/24 via "$ROUTER_LAN"; }
ev_daemon_kill() {
	strategy_kill_process "$STRATEGY"
	kill -9 "$CLIENT_WG_PID"
}
scenario_undo() {
	ip -n "$NS_CLIENT" route del 0.0.0.0/1 2>/dev/null || true
	ip -n "$NS_CLIENT" route del 128.0.0.0/1 2>/dev/null || true
	ip -n "$NS_CLIENT" route del 198.51.100.0/24 2>/dev/null || true
}

# Samples the web host's leak counter every 50 ms for $2 seconds into $1
# (lines "epoch-µs,packets"), from one shell inside the web namespace
# talking to one `nft -i`, so a sample costs no process start.
sampler_start() { # file seconds
	# shellcheck disable=SC2016 # for the inner bash
	ip netns exec "$NS_WEB" bash -c '
		coproc NFT { nft -i 2>&1; }
		t0=${EPOCHREALTIME//[.,]/}
		end=$((t0 + $1 * 1000000))
		for ((i = 0; i < 1000; i++)); do
			t=${EPOCHREALTIME//[.,]/}
			[ "$t" -lt "$end" ] || break
			echo "list counter inet lab leak" >&"${NFT[1]}"
			for ((j = 0; j < 20; j++)); do
				read -r -t 1 line <&"${NFT[0]}" || break
				if [[ $line =~ packets\ ([0-9]+) ]]; then
					echo "$t,${BASH_REMATCH[1]}"
					break
				fi
			done
			next=$((t0 + (i + 1) * 50000))
			now=${EPOCHREALTIME//[.,]/}
			[ "$next" -le "$now" ] || sleep "$(printf "0.%06d" $((next - now)))"
		done
		kill "$NFT_PID" 2>/dev/null' _ "$2" >"$1" &
	SAMPLER_PID=$!
}

# One cell; appends to $CSV (and $TIMELINE for tunnel-kill).
cell() { # scenario-line strategy rep
	local id label from to counter event
	IFS='|' read -r id label from to counter event <<<"$1"
	STRATEGY=$2
	local rep=$3 flow_ns=$NS_CLIENT t0 tev
	[ "$from" = ctr ] && flow_ns=$NS_CTR

	now_us
	local ts=$NOW
	bench_client_clean
	lab_client_tunnel_up >/dev/null 2>&1 || bench_die "$id/$STRATEGY: the tunnel does not come up"
	strategy_arm "$STRATEGY"
	bench_counters_reset
	now_us
	local setup_ms=$(((NOW - ts) / 1000))
	[ "$id" = tunnel-kill ] && sampler_start "$LAB_TMP/samples" $((FLOW_S + 1))
	now_us
	t0=$NOW
	ip netns exec "$flow_ns" "$FLOOD_BIN" --to "$to" --rate "$RATE" --seconds "$FLOW_S" \
		>"$LAB_TMP/flow.out" 2>&1 &
	local flow=$!
	sleep "$EVENT_AT"
	now_us
	tev=$NOW
	"$event"
	wait "$flow" || bench_die "$id/$STRATEGY: udpflood failed: $(cat "$LAB_TMP/flow.out")"
	sleep 0.1 # the last packets in flight
	local leaked tunnel sent failed
	# shellcheck disable=SC2086 # ns-var table name
	leaked=$(bench_counter $counter)
	tunnel=$(web_counter tunnel)
	read -r sent failed < <(sed -n 's/.*sent=\([0-9]*\) failed=\([0-9]*\).*/\1 \2/p' "$LAB_TMP/flow.out")
	if [ "$id" = tunnel-kill ]; then
		wait "$SAMPLER_PID" 2>/dev/null || true
		awk -F, -v s="$STRATEGY" -v r="$rep" -v tev="$tev" \
			'{ printf "%s,%s,%.1f,%d\n", s, r, ($1 - tev) / 1000, $2 }' \
			"$LAB_TMP/samples" >>"$TIMELINE"
	fi
	# When the app-level kill switch blocked, from its own log.
	local blocked_ms=
	if [ "$STRATEGY" = app ]; then
		local at
		at=$(sed -n 's/^blocked at \([0-9]*\)[.,]\([0-9]*\).*/\1\2/p' "$LAB_TMP/appks.log")
		[ -n "$at" ] && blocked_ms=$(((at - tev) / 1000))
		grep -v '^watching\|^blocked at' "$LAB_TMP/appks.log" | sed 's/^/    appks: /' >&2 || true
	fi
	strategy_disarm "$STRATEGY"
	scenario_undo
	bench_tunnel_gone
	now_us
	local total_ms=$(((NOW - ts) / 1000))
	echo "$id,$STRATEGY,$rep,$leaked,$tunnel,${sent:-0},${failed:-0},$(((tev - t0) / 1000)),$blocked_ms" >>"$CSV"
	printf '  %-13s %-6s rep %s: leaked %7s   (through the tunnel %6s, sent %6s, refused %6s; setup %s ms, cell %s ms%s)\n' \
		"$id" "$STRATEGY" "$rep" "$leaked" "$tunnel" "${sent:-?}" "${failed:-?}" "$setup_ms" "$total_ms" "${blocked_ms:+; blocked ${blocked_ms} ms after the event}" >&2
}

# --- the lab ---------------------------------------------------------------

build_router
build_web
build_client
build_servers
bench_lab_extras
CSV=$LAB_TMP/leak.csv
TIMELINE=$LAB_TMP/leak_timeline.csv
echo "scenario,strategy,rep,leaked,tunnel_packets,sent,refused,event_after_ms,app_blocked_after_ms" >"$CSV"
echo "strategy,rep,t_ms,leaked" >"$TIMELINE"

bench_log "leak matrix: ${#SCENARIOS[@]} scenarios x ${#STRATEGIES[@]} strategies x $REPS reps, $RATE packets/s for ${FLOW_S}s, event at ${EVENT_AT}s"
for rep in $(seq "$REPS"); do
	for sc in "${SCENARIOS[@]}"; do
		for st in "${STRATEGIES[@]}"; do
			cell "$sc" "$st" "$rep"
		done
	done
done

# --- the summary -----------------------------------------------------------

scen_json=$(for sc in "${SCENARIOS[@]}"; do
	IFS='|' read -r id label from to counter event <<<"$sc"
	where="the web host (${counter##* } counter)"
	[ "$id" = dns ] && where="the router (udp/53 from the client's real address)"
	jq -n --arg id "$id" --arg lbl "$label" --arg where "$where" '{"id": $id, "label": $lbl, "counted_at": $where}'
done | jq -s .)

jq -R -s --argjson scen "$scen_json" --argjson reps "$REPS" --argjson rate "$RATE" \
	--argjson flow "$FLOW_S" --argjson at "$EVENT_AT" --argjson quick "$QUICK" \
	--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg kernel "$(uname -r)" '
	def stats: sort | {min: .[0], median: (if length % 2 == 1 then .[(length - 1) / 2]
		else (.[length / 2 - 1] + .[length / 2]) / 2 end), max: .[-1], n: length};
	[split("\n")[1:][] | select(length > 0) | split(",")
	 | {s: .[0], k: .[1], leaked: (.[3] | tonumber), tunnel: (.[4] | tonumber), sent: (.[5] | tonumber),
	    blocked: (if (.[8] // "") == "" then null else (.[8] | tonumber) end)}] as $rows
	| {reps: $reps, rate_pps: $rate, flow_s: $flow, event_at_s: $at, quick: ($quick == 1),
	   strategies: [
	     {"id": "none", "label": "no kill switch (wg-quick-style tunnel)"},
	     {"id": "app", "label": "app-level: polls the tunnel every 200 ms, then blocks"},
	     {"id": "wgq", "label": "wg-quick PostUp REJECT recipe (iptables-nft + ip6tables)"},
	     {"id": "fexyn", "label": "fexyn (fexynd + fexyn guard)"}],
	   scenarios: $scen,
	   cells: ([$scen[].id] | map(. as $sid | {key: $sid, value:
	     ([$rows[] | select(.s == $sid)] | group_by(.k)
	      | map({key: .[0].k, value: (([.[].leaked] | stats)
	            + {tunnel_min: ([.[].tunnel] | min), sent_median: ([.[].sent] | stats | .median)}
	            + (if .[0].k == "app" and ([.[].blocked | select(. != null)] | length) > 0
	               then {blocked_after_ms: ([.[].blocked | select(. != null)] | stats)} else {} end))})
	      | from_entries)}) | from_entries),
	   date: $date, kernel: $kernel,
	   measured: "packets from the client'"'"'s real address (IPv4 192.168.77.2, IPv6 2001:db8:77::2) counted at the lab web host, or at the router for DNS, during the whole flow; the event happens event_at_s into it"}
	' "$CSV" >"$LAB_TMP/leak.json"

mkdir -p "$RESULTS"
cp "$CSV" "$RESULTS/leak.csv"
cp "$TIMELINE" "$RESULTS/leak_timeline.csv"
cp "$LAB_TMP/leak.json" "$RESULTS/leak.json"
echo "leaked packets (median of $REPS; min-max):"
jq -r '.scenarios[].id as $s | .cells[$s] | "  \($s | .[0:13] | . + " " * (13 - length))" +
	([("none", "app", "wgq", "fexyn") as $k | "  \($k)=\(.[$k].median) (\(.[$k].min)-\(.[$k].max))"] | join(""))' \
	"$RESULTS/leak.json"
