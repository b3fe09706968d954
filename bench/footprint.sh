#!/usr/bin/env bash
# fexynd's footprint while connected and idle: `fexyn connect` with the lab's
# config (wireguard-go started by fexynd), then IDLE seconds with no traffic
# but fexynd's own probes. Read from /proc/PID of fexynd (all its threads):
#   peak RSS           VmHWM at the end (the peak over the daemon's life,
#                      connect included), and VmRSS split into RssAnon
#                      (the daemon's own memory) and RssFile (the mapped
#                      binary and shared libraries)
#   CPU time           utime + stime over the idle window
#   wake-ups           voluntary + involuntary context switches over the
#                      idle window, per second
# and the sizes of build/src/fexyn and fexynd, as built and stripped.
#
# Usage: sudo bench/footprint.sh [--seconds N] [--quick]
# Writes bench/results/footprint.json.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

IDLE=60
bench_args seconds IDLE 10 "$@"
bench_need wg wireguard-go nft jq strip getconf "$FEXYN_BIN" "$FEXYND_BIN"
lab_on_teardown() { fx_teardown; }

fx_lab_bare >/dev/null 2>&1
[ "$(cat "/proc/$FEXYND_PID/comm")" = fexynd ] || bench_die "PID $FEXYND_PID is not fexynd"
fx connect "$LAB_TMP/vpn1.conf" >/dev/null || bench_die "fexyn connect failed: $(tail -5 "$FX_LOG")"
fx_wait_state connected
sleep 1 # let the connect settle

# Sums over the threads of $1: voluntary and involuntary context switches,
# utime + stime (clock ticks).
proc_sample() { # pid
	local vol=0 invol=0 ticks=0 t f
	for t in /proc/"$1"/task/*; do
		while read -r f v; do
			case $f in
			voluntary_ctxt_switches:) vol=$((vol + v)) ;;
			nonvoluntary_ctxt_switches:) invol=$((invol + v)) ;;
			esac
		done <"$t/status"
		read -r -a f <"$t/stat"
		# Fields 14 and 15 (utime, stime); comm has no spaces here.
		ticks=$((ticks + f[13] + f[14]))
	done
	echo "$vol $invol $ticks"
}
status_kb() { # pid field
	sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"
}

bench_log "footprint: fexynd connected and idle for ${IDLE}s"
read -r vol0 invol0 ticks0 < <(proc_sample "$FEXYND_PID")
now_us
t0=$NOW
sleep "$IDLE"
read -r vol1 invol1 ticks1 < <(proc_sample "$FEXYND_PID")
now_us
t1=$NOW
[ "$(fx_state)" = connected ] || bench_die "fexynd is no longer connected after the idle window"
hwm=$(status_kb "$FEXYND_PID" VmHWM)
rss_anon=$(status_kb "$FEXYND_PID" RssAnon)
rss_file=$(status_kb "$FEXYND_PID" RssFile)
rss_shmem=$(status_kb "$FEXYND_PID" RssShmem)
rss=$(status_kb "$FEXYND_PID" VmRSS)
tasks=("/proc/$FEXYND_PID"/task/*)
threads=${#tasks[@]}
wgpid=$(lab_client_wg_pid)
wg_rss=
[ -n "$wgpid" ] && wg_rss=$(status_kb "$wgpid" VmRSS)
hz=$(getconf CLK_TCK)

# What wakes fexynd's event loop: a short strace of the idle daemon (after
# the window above, which strace would have disturbed), each return of
# epoll_wait attributed to the file descriptors it reported.
LOOP_S=$(( QUICK == 1 ? 3 : 10 ))
loop_json=null
if command -v strace >/dev/null; then
	timeout "$LOOP_S" strace -f -e trace=epoll_wait,epoll_pwait -p "$FEXYND_PID" \
		-o "$LAB_TMP/strace.out" 2>/dev/null || true
	loop_json=$(grep -o 'u32=[0-9]*' "$LAB_TMP/strace.out" | sed 's/u32=//' | sort -n | uniq -c |
		while read -r count fd; do
			name=$(readlink "/proc/$FEXYND_PID/fd/$fd" 2>/dev/null || echo "fd $fd")
			jq -n --arg n "$name" --argjson c "$count" --argjson s "$LOOP_S" '{source: $n, per_s: ($c / $s * 100 | round / 100)}'
		done | jq -s --argjson s "$LOOP_S" --argjson n "$(grep -c 'epoll_wait\|epoll_pwait' "$LAB_TMP/strace.out" || true)" \
			'{seconds: $s, loop_wakeups_per_s: ($n / $s * 100 | round / 100), by_source: .}')
fi

size_of() { stat -c %s "$1"; }
strip -o "$LAB_TMP/fexyn.stripped" "$FEXYN_BIN"
strip -o "$LAB_TMP/fexynd.stripped" "$FEXYND_BIN"

mkdir -p "$RESULTS"
jq -n --argjson idle "$IDLE" --argjson wall_us "$((t1 - t0))" \
	--argjson vol "$((vol1 - vol0))" --argjson invol "$((invol1 - invol0))" \
	--argjson ticks "$((ticks1 - ticks0))" --argjson hz "$hz" \
	--argjson hwm "$hwm" --argjson rss "$rss" --argjson threads "$threads" \
	--argjson anon "$rss_anon" --argjson file "$rss_file" --argjson shmem "$rss_shmem" \
	--arg wg_rss "$wg_rss" \
	--argjson fexyn "$(size_of "$FEXYN_BIN")" --argjson fexynd "$(size_of "$FEXYND_BIN")" \
	--argjson fexyn_s "$(size_of "$LAB_TMP/fexyn.stripped")" \
	--argjson fexynd_s "$(size_of "$LAB_TMP/fexynd.stripped")" \
	--arg buildtype "$(jq -r '.[] | select(.name == "buildtype") | .value' "$FEXYN_BUILD/meson-info/intro-buildoptions.json" 2>/dev/null || true)" \
	--argjson loop "$loop_json" \
	--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg kernel "$(uname -r)" '
	def r2: . * 100 | round / 100;
	($wall_us / 1e6) as $secs
	| {idle_seconds: ($secs | r2), threads: $threads,
	   peak_rss_kb: $hwm, rss_kb: $rss,
	   rss_split_kb: {anon: $anon, file: $file, shmem: $shmem},
	   libraries: "libc, libmnl, libnftnl (their mapped pages count in RssFile)",
	   cpu_ms: ($ticks * 1000 / $hz), cpu_ms_per_minute: ($ticks * 1000 / $hz / $secs * 60 | r2),
	   context_switches: {voluntary: $vol, involuntary: $invol},
	   wakeups_per_s: (($vol + $invol) / $secs | r2),
	   event_loop: $loop,
	   expected_loop_wakeups_per_s: 4,
	   expected_means: "the tunnel timer ticks every 250 ms while connected (4/s); each tick asks wireguard-go for its counters over the UAPI socket (a blocking round trip: one more context switch) and, once a second without traffic, sends an echo probe",
	   wireguard_go_rss_kb: (if $wg_rss == "" then null else ($wg_rss | tonumber) end),
	   binaries: {fexyn: {bytes: $fexyn, stripped: $fexyn_s}, fexynd: {bytes: $fexynd, stripped: $fexynd_s},
	              buildtype: $buildtype},
	   measured: "fexynd (all threads) from /proc/PID/status and /proc/PID/task/*/stat, connected with fexyn connect to the lab server, idle",
	   date: $date, kernel: $kernel}' >"$RESULTS/footprint.json"
jq -r '"fexynd idle \(.idle_seconds)s: peak RSS \(.peak_rss_kb) kB, CPU \(.cpu_ms) ms, \(.wakeups_per_s) wake-ups/s (\(.context_switches.voluntary) voluntary, \(.context_switches.involuntary) involuntary)",
	"event loop: \(.event_loop.loop_wakeups_per_s // "n/a") wake-ups/s (strace): \([.event_loop.by_source[]? | "\(.source) \(.per_s)/s"] | join(", "))",
	"binaries: fexyn \(.binaries.fexyn.bytes) B (\(.binaries.fexyn.stripped) stripped), fexynd \(.binaries.fexynd.bytes) B (\(.binaries.fexynd.stripped) stripped)"' \
	"$RESULTS/footprint.json"
