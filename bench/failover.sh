#!/usr/bin/env bash
# Benchmark: how long the user's traffic stops when the VPN server dies.
#
# The lab has two servers. A 2,000 packets/s UDP flow goes from the client
# to the web host; 1 s into it the first server's wireguard-go is
# SIGKILLed. The web host (tests/lab/gapmeter) times every arrival through
# either server, and the gap is the longest time between two arrivals.
# Three ways, alternating run by run:
#
#   standby  fexyn connect vpn1.conf vpn2.conf: the hot standby (issue 14)
#   cold     fexyn connect --no-standby vpn1.conf vpn2.conf: a new tunnel to
#            the second server once the first is found dead
#   wgquick  the lab's wg-quick-style tunnel (plain ip/wg), which never
#            recovers: its gap is the rest of the run after the last arrival
#
# The first server is started again after each run. The arrivals of the
# first run of each way are kept for the plot (per 10 ms, around the kill).
#
# Usage: sudo bench/failover.sh [--runs N] [--quick]
# Writes bench/results/failover.csv (run,way,gap_ms), failover.json and
# failover_arrivals.csv (way,ms_after_kill,packets per 10 ms).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

RUNS=10
bench_args runs RUNS 2 "$@"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || bench_die "--runs: '$RUNS' is not a positive number"
FLOW_S=5
KILL_AFTER_MS=1000
WAYS=(standby cold wgquick)
bench_need jq wg wireguard-go "$FEXYN_BUILD/tests/lab/gapmeter" "$FEXYN_BUILD/src/fexynd"

lab_on_teardown() { fx_teardown; }
LAB_TWO_SERVERS=1
lab_init
lab_up_bare >/dev/null
fx_start
ip netns exec "$NS_WEB" nft insert rule inet lab in \
	ip saddr "{ $VPN_EP, $VPN2_EP }" udp dport 9999 accept

now_ms() { now_us; echo $((NOW / 1000)); }

way_up() { # way
	case $1 in
	standby)
		fx connect "$LAB_TMP/vpn1.conf" "$LAB_TMP/vpn2.conf" >/dev/null
		fx_wait_standby || bench_die "the standby made no handshake"
		;;
	cold) fx connect --no-standby "$LAB_TMP/vpn1.conf" "$LAB_TMP/vpn2.conf" >/dev/null ;;
	wgquick)
		lab_client_policy_routing
		lab_client_tunnel_up >/dev/null
		;;
	esac
}

way_down() { # way
	case $1 in
	standby | cold) fx disconnect >/dev/null ;;
	wgquick)
		lab_client_tunnel_kill
		ip -n "$NS_CLIENT" rule del not fwmark "$FWMARK" table "$FWMARK"
		ip -n "$NS_CLIENT" rule del table main suppress_prefixlength 0
		ip -n "$NS_CLIENT" route flush table "$FWMARK" 2>/dev/null || true
		;;
	esac
}

# The arrivals around the kill, per 10 ms, from 0.5 s before to 2 s after.
bin_arrivals() { # way csv kill-ms
	awk -F, -v w="$1" -v k="$3" '
		{ b = int(($1 - k + 500) / 10); if (b >= 0 && b < 250) n[b]++ }
		END { for (b = 0; b < 250; b++) printf "%s,%d,%d\n", w, b * 10 - 500, n[b] + 0 }' "$2"
}

one_run() { # run way
	local run=$1 way=$2 csv=$LAB_TMP/arrivals-$2.csv killed gap last end
	way_up "$way"
	gapmeter_start "$csv" >/dev/null
	flow_start 2000 "$FLOW_S"
	flow_wait_tunnel 500
	sleep "$((KILL_AFTER_MS / 1000))"
	killed=$(now_ms)
	kill -9 "$VPN_WG_PID"
	flow_finish >/dev/null
	end=$(now_ms)
	gapmeter_finish >/dev/null
	gap=$GAP_MS
	# A tunnel that never came back: the rest of the run counts.
	last=$(tail -n 1 "$csv" | cut -d, -f1)
	[ "$GAP_END_MS" -gt "$killed" ] || gap=$((end - last))
	[ "$(web_counter leak)" = 0 ] || [ "$way" = wgquick ] ||
		bench_die "$way leaked $(web_counter leak) packets"
	echo "$run,$way,$gap" >>"$OUT"
	[ "$run" != 1 ] || bin_arrivals "$way" "$csv" "$killed" >>"$ARRIVALS"
	bench_log "run $run $way: gap $gap ms"
	way_down "$way"
	lab_server_start "$NS_VPN" 10.66.0.1 10.66.0.2 >/dev/null
	VPN_WG_PID=$WG_PID
}

mkdir -p "$RESULTS"
OUT=$LAB_TMP/failover.csv
ARRIVALS=$LAB_TMP/failover_arrivals.csv
echo "run,way,gap_ms" >"$OUT"
echo "way,ms_after_kill,packets" >"$ARRIVALS"
for run in $(seq "$RUNS"); do
	for way in "${WAYS[@]}"; do
		one_run "$run" "$way"
	done
done

for way in "${WAYS[@]}"; do
	awk -F, -v w="$way" 'NR > 1 && $2 == w { print $3 }' "$OUT" | stats_json >"$LAB_TMP/$way.json"
done
jq -n --argjson runs "$RUNS" --argjson flow_s "$FLOW_S" --argjson rate 2000 \
	--slurpfile standby "$LAB_TMP/standby.json" --slurpfile cold "$LAB_TMP/cold.json" \
	--slurpfile wgquick "$LAB_TMP/wgquick.json" --arg cpus "$(nproc)" \
	'{runs: $runs, flow_seconds: $flow_s, rate: $rate, cpus: ($cpus | tonumber),
	  standby: $standby[0], cold: $cold[0], wgquick: $wgquick[0]}' >"$RESULTS/failover.json"
cp "$OUT" "$RESULTS/failover.csv"
cp "$ARRIVALS" "$RESULTS/failover_arrivals.csv"
jq -c . "$RESULTS/failover.json"
