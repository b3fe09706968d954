#!/usr/bin/env bash
# Benchmark: how long from "bring the VPN up" until the tunnel carries
# traffic, for `fexyn connect` and for `wg-quick up`, in the same lab, in the
# same run, with the same config file.
#
# The lab is tests/lab/netlab.sh's: a client namespace behind a router, a VPN
# server running wireguard-go, and a web host at $WEB (198.51.100.20). Nothing
# runs in this machine's own network namespace but the creation and deletion
# of the lab's namespaces.
#
# Each run: start the clock, run the up command, then ping the web host from
# the client (`ping -c 1 -w 1 -i 0.01`: a probe every 10 ms, up to 1 s, in a
# loop) until a reply comes back; stop the clock. The clock is bash's
# $EPOCHREALTIME (µs, no process started; date +%s%N if bash lacks it). Then tear down (`fexyn
# disconnect`, `wg-quick down`) and check the client is back to where it
# started. The tools alternate: fexyn, wg-quick, fexyn, wg-quick, ...
#
#   (a) fexyn connect --interface fxb0 fxb0.conf   (fexynd already running in
#       the client namespace, in its own mount namespace, as fx_start does)
#   (b) wg-quick up fxb0.conf                      (wireguard-go, as this
#       machine has no kernel WireGuard, in the client namespace and in a
#       private mount namespace with a tmpfs on /run/wireguard)
#
# The config is the lab's client config without its DNS line (wg-quick would
# call resolvconf). Both tools therefore make an interface fxb0 with the same
# key, address, peer and AllowedIPs.
#
# Usage: sudo bench/connect.sh [--runs N] [--warmup N] [--logs DIR]
# Writes bench/results/connect.csv (run,tool,ms) and bench/results/connect.json.
set -euo pipefail

usage() {
	sed -n 's/^# Usage: //p' "$0"
	echo "  --runs N     timed runs per tool (default 10, at least 1)"
	echo "  --warmup N   untimed runs per tool first (default 1)"
	echo "  --logs DIR   keep the tools' output and fexynd's log in DIR"
}

RUNS=10
WARMUP=1
LOGS=
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	--runs=*) RUNS=${1#--runs=}; shift ;;
	--warmup) WARMUP=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	--warmup=*) WARMUP=${1#--warmup=}; shift ;;
	--logs) LOGS=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "connect.sh: --runs: '$RUNS' is not a positive number" >&2; exit 2; }
[[ $WARMUP =~ ^[0-9]+$ ]] || { echo "connect.sh: --warmup: '$WARMUP' is not a number" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "connect.sh: run as root (it builds network namespaces)" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
export FEXYN_BUILD=${FEXYN_BUILD:-$repo/build}
RESULTS=$here/results
IFACE=fxb0

for tool in wg-quick wg wireguard-go ping nsenter unshare jq nft "$FEXYN_BUILD/src/fexyn" \
	"$FEXYN_BUILD/src/fexynd"; do
	command -v "$tool" >/dev/null ||
		{ echo "connect.sh: '$tool' is missing (build with: ninja -C $FEXYN_BUILD)" >&2; exit 1; }
done

source "$repo/tests/lab/netlab.sh"
source "$repo/tests/lab/fexyn-lab.sh"
lab_on_teardown() {
	fx_teardown
	if [ -n "$LOGS" ]; then
		mkdir -p "$LOGS"
		cp "$LAB_TMP"/*.log "$LOGS"/ 2>/dev/null || true
	fi
}

die() {
	echo "connect.sh: ABORT: $*" >&2
	exit 1
}

# The clock, in µs, read without starting a process: on a small machine a
# fork and exec of date(1) costs milliseconds, which would blur each reading.
if [ -n "${EPOCHREALTIME:-}" ]; then
	now_us() { NOW=${EPOCHREALTIME//[.,]/}; }
else
	now_us() { NOW=$(($(date +%s%N) / 1000)); }
fi
ms() { # from-µs to-µs: milliseconds with one decimal
	local d=$(($2 - $1))
	echo "$((d / 1000)).$((d % 1000 / 100))"
}

# --- the lab ---------------------------------------------------------------

lab_init
lab_up_bare >/dev/null
fx_start
CLIENT_NETNS=/run/netns/$NS_CLIENT
CONF=$LAB_TMP/$IFACE.conf
(umask 077 && lab_client_config "$NS_VPN" "$VPN_EP" 10.66 | grep -v '^DNS' >"$CONF")

# The home of wg-quick: a process holding the client's network namespace and
# a private mount namespace with its own /run/wireguard (ip netns exec's
# mount namespace, with /sys for the client's netns, is a child of the
# unshared one). wg-quick runs in both with nsenter; the wireguard-go it
# starts stays in them.
mkdir -p /run/wireguard
# shellcheck disable=SC2016 # $0 is for the inner sh
unshare --mount --propagation private sh -c \
	'mount -t tmpfs fexyn-bench /run/wireguard && exec ip netns exec "$0" sleep infinity' \
	"$NS_CLIENT" >"$LAB_TMP/wgq-holder.log" 2>&1 &
WGQ_HOLDER=$!
disown "$WGQ_HOLDER"
LAB_PIDS+=("$WGQ_HOLDER")
for _ in $(seq 200); do
	[ "$(cat "/proc/$WGQ_HOLDER/comm" 2>/dev/null)" = sleep ] && break
	kill -0 "$WGQ_HOLDER" 2>/dev/null || break
	sleep 0.01
done
[ "$(cat "/proc/$WGQ_HOLDER/comm" 2>/dev/null)" = sleep ] ||
	die "the mount namespace for wg-quick did not come up: $(cat "$LAB_TMP/wgq-holder.log")"

# Both tools and the probe run with nsenter into the client's namespaces, so
# they pay the same small cost to get there.
in_client() { nsenter --net="$CLIENT_NETNS" "$@"; }
in_wgq() {
	nsenter --target "$WGQ_HOLDER" --mount --net \
		env WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go "$@"
}
fexyn_cli() { in_client "$FEXYN_BIN" --socket "$FX_SOCK" "$@"; }

# The client's routing, links, addresses, firewall and src_valid_mark.
SRC_VALID_MARK=$(ip netns exec "$NS_CLIENT" sysctl -n net.ipv4.conf.all.src_valid_mark)
client_snapshot() {
	for _ in $(seq 100); do
		[ -z "$(ip -n "$NS_CLIENT" addr show tentative)" ] && break
		sleep 0.05
	done
	{
		ip -n "$NS_CLIENT" rule
		ip -n "$NS_CLIENT" -6 rule
		ip -n "$NS_CLIENT" route show table all
		ip -n "$NS_CLIENT" -6 route show table all
		ip -n "$NS_CLIENT" -o link | sed 's/^[0-9]*: //; s/ link\/.*//'
		ip -n "$NS_CLIENT" -o addr | sed 's/^[0-9]*: //'
		ip netns exec "$NS_CLIENT" sysctl -n net.ipv4.conf.all.src_valid_mark
		ip netns exec "$NS_CLIENT" nft list ruleset
	} 2>&1
}
# The processes in the client's namespace: fexynd and the holder; a
# wireguard-go left behind by either tool would show here.
client_pids() { ip netns pids "$NS_CLIENT" | sort -n | tr '\n' ' '; }

client_snapshot >"$LAB_TMP/before"
PIDS_BEFORE=$(client_pids)

# After a teardown: the client as it was before the first run (≤ 5 s for the
# tunnel's process to exit), else abort.
check_clean() { # tool run
	local now=
	for _ in $(seq 100); do
		now=$(client_pids)
		[ "$now" = "$PIDS_BEFORE" ] && break
		sleep 0.05
	done
	[ "$now" = "$PIDS_BEFORE" ] ||
		die "after $1 run $2 the client namespace still runs processes: $now(expected $PIDS_BEFORE)"
	client_snapshot >"$LAB_TMP/after"
	if ! diff -u "$LAB_TMP/before" "$LAB_TMP/after" >"$LAB_TMP/diff"; then
		cat "$LAB_TMP/diff" >&2
		die "after $1 run $2 the client's rules/routes/links/firewall differ from before the first run (diff above)"
	fi
}

# Pings the web host until one reply comes back (≤ 20 s).
wait_traffic() {
	local to=${1:-$WEB} deadline
	now_us
	deadline=$((NOW + 20000000))
	until in_client ping -n -q -c 1 -w 1 -i 0.01 "$to" >/dev/null 2>&1; do
		now_us
		[ "$NOW" -lt "$deadline" ] || return 1
	done
}

up_fexyn() { fexyn_cli connect --interface "$IFACE" "$CONF"; }
down_fexyn() { fexyn_cli disconnect; }
up_wg_quick() { in_wgq wg-quick up "$CONF"; }
down_wg_quick() {
	in_wgq wg-quick down "$CONF"
	# wg-quick turns src_valid_mark on and leaves it on: put back the
	# lab's value so every run starts the same.
	ip netns exec "$NS_CLIENT" sysctl -qw net.ipv4.conf.all.src_valid_mark="$SRC_VALID_MARK"
}

# One run of one tool; leaves MS (total), UP_MS (the up command alone).
one_run() { # tool run-label
	local tool=$1 label=$2 t0 t1 t2 log=$LAB_TMP/$1.log
	web_counters_reset
	echo "=== $tool run $label" >>"$log"
	now_us
	t0=$NOW
	"up_${tool//-/_}" >>"$log" 2>&1 || { cat "$log" >&2; die "$tool up failed (run $label)"; }
	now_us
	t1=$NOW
	wait_traffic || { cat "$log" >&2; die "$tool: no reply from $WEB within 20 s (run $label)"; }
	now_us
	t2=$NOW
	local tunnel leak
	tunnel=$(web_counter tunnel)
	leak=$(web_counter leak)
	[ "$tunnel" -gt 0 ] || die "$tool run $label: the web host saw no packet from the VPN server"
	[ "$leak" -eq 0 ] || die "$tool run $label: the web host saw $leak packets from the client's real address"
	"down_${tool//-/_}" >>"$log" 2>&1 || { cat "$log" >&2; die "$tool down failed (run $label)"; }
	check_clean "$tool" "$label"
	MS=$(ms "$t0" "$t2")
	UP_MS=$(ms "$t0" "$t1")
	TRAFFIC_MS=$(ms "$t1" "$t2")
}

# --- the runs --------------------------------------------------------------

echo "connect benchmark: $RUNS runs per tool (+$WARMUP warm-up), alternating fexyn / wg-quick"
echo "config: the lab's client config without DNS, interface $IFACE; probe: ping $WEB from the client"
echo "time = from the up command's start until the first ping reply (up command + first reply)"
printf '%-6s %-9s %9s   %s\n' run tool ms "(up command + first reply)"

for w in $(seq "$WARMUP"); do
	for tool in fexyn wg-quick; do
		one_run "$tool" "w$w"
		printf '%-6s %-9s %9s   (%s + %s)  warm-up, not counted\n' "w$w" "$tool" "$MS" "$UP_MS" "$TRAFFIC_MS"
	done
done

# What the probe itself costs (nsenter + ping + one round trip), measured
# against the router with no tunnel up: part of every figure, for both tools.
floor=()
for _ in 1 2 3 4 5; do
	now_us
	t0=$NOW
	wait_traffic "$ROUTER_LAN" || die "the router does not answer pings"
	now_us
	floor+=("$(ms "$t0" "$NOW")")
done
PROBE_FLOOR=$(printf '%s\n' "${floor[@]}" | sort -n | sed -n 3p)
echo "probe floor (the same ping loop to the router, no tunnel): median $PROBE_FLOOR ms of ${floor[*]}"

LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average before the timed runs: $LOADAVG ($(nproc) CPUs)"

CSV=$LAB_TMP/connect.csv
echo "run,tool,ms" >"$CSV"
for run in $(seq "$RUNS"); do
	for tool in fexyn wg-quick; do
		one_run "$tool" "$run"
		printf '%-6s %-9s %9s   (%s + %s)\n' "$run" "$tool" "$MS" "$UP_MS" "$TRAFFIC_MS"
		echo "$run,$tool,$MS" >>"$CSV"
	done
done

# --- the summary -----------------------------------------------------------

JSON=$LAB_TMP/connect.json
jq -R -s --argjson runs "$RUNS" --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	--arg kernel "$(uname -r)" --argjson floor "$PROBE_FLOOR" \
	--arg loadavg "$LOADAVG" --argjson cpus "$(nproc)" '
	def r2: . * 100 | round / 100;
	def stats: sort | {min: .[0], median: (if length % 2 == 1 then .[length / 2 | floor]
		else (.[length / 2 - 1] + .[length / 2]) / 2 | r2 end), max: .[-1]};
	[split("\n")[1:][] | select(length > 0) | split(",") | {tool: .[1], ms: (.[2] | tonumber)}] as $rows
	| ([$rows[] | select(.tool == "fexyn") | .ms] | stats) as $f
	| ([$rows[] | select(.tool == "wg-quick") | .ms] | stats) as $w
	| {runs: $runs, fexyn: $f, wg_quick: $w,
	   ratio_median: ($f.median / $w.median | r2),
	   ratio_min: ($f.min / $w.min | r2),
	   ratio_max: ($f.max / $w.max | r2),
	   unit: "ms", probe_floor_ms: $floor,
	   measured: "wall time from the up command (fexyn connect / wg-quick up, wireguard-go) to the first ping reply from the lab web host through the tunnel; same DNS-less config; tools alternated",
	   date: $date, kernel: $kernel, cpus: $cpus, loadavg_at_start: $loadavg}' "$CSV" >"$JSON"

mkdir -p "$RESULTS"
cp "$CSV" "$RESULTS/connect.csv"
cp "$JSON" "$RESULTS/connect.json"

echo
echo "summary ($RUNS runs each, ms):"
jq -r '"  fexyn     min \(.fexyn.min)  median \(.fexyn.median)  max \(.fexyn.max)",
	"  wg-quick  min \(.wg_quick.min)  median \(.wg_quick.median)  max \(.wg_quick.max)",
	"  fexyn / wg-quick: min \(.ratio_min)  median \(.ratio_median)  max \(.ratio_max)"' "$JSON"
echo "results: $RESULTS/connect.csv, $RESULTS/connect.json"
