#!/usr/bin/env bash
# Draws the plots (gnuplot, SVG and PNG) from bench/results/*.json|csv and
# rewrites the README's results section, between the lines
# `<!-- bench:begin -->` and `<!-- bench:end -->` (appended at the end of
# README.md if they are missing; nothing outside them changes).
# Needs no root and no lab: it only reads the results.
#
# Usage: bench/report.sh [--no-readme | --print-section]
#   --print-section  print the README section only (no plots, nothing
#                    written): tests/doc/test-readme-tables.sh compares it
# shellcheck disable=SC2016 # jq programs in single quotes
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
RESULTS=${BENCH_RESULTS:-$here/results}
README=${BENCH_README:-$repo/README.md}
WRITE_README=1
PRINT_SECTION=0
[ "${1:-}" = --no-readme ] && WRITE_README=0
[ "${1:-}" = --print-section ] && PRINT_SECTION=1 WRITE_README=0
tools=(jq awk)
[ "$PRINT_SECTION" = 1 ] || tools+=(gnuplot)
for t in "${tools[@]}"; do
	command -v "$t" >/dev/null || { echo "report.sh: '$t' is missing" >&2; exit 1; }
done
R=$RESULTS
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
have() { [ -s "$R/$1" ]; }

# --- plots ------------------------------------------------------------------
draw_plots() {

# Writes NAME.svg and NAME.png from one gnuplot script (stdin), the terminal
# lines prepended.
plot() { # name
	local script
	script=$(cat)
	gnuplot <<-GP
	set terminal svg size 800,450 dynamic enhanced font "sans,12" background "white"
	set output "$R/$1.svg"
	$script
	set terminal pngcairo size 800,450 enhanced font "sans,10" background "white"
	set output "$R/$1.png"
	replot
	GP
}

LABEL_none="no kill switch"
LABEL_app="app-level (polls 200 ms)"
LABEL_wgq="wg-quick REJECT recipe"
LABEL_fexyn="fexyn"

if have leak_timeline.csv; then
	for s in none app wgq fexyn; do
		awk -F, -v s="$s" 'NR > 1 && $1 == s && $2 == 1 { print $3, $4 }' "$R/leak_timeline.csv" >"$tmp/tl-$s"
	done
	plot leak_timeline <<-GP
	set title "Leaked packets around the tunnel's death (wireguard-go SIGKILLed at 0 ms, 20,000 packets/s)"
	set xlabel "ms after the kill"
	set ylabel "packets from the real address at the web host"
	set key right center box opaque
	set grid
	set offsets 0, 0, graph 0.05, graph 0.03
	set arrow from 0, graph 0 to 0, graph 1 nohead dt 2
	plot "$tmp/tl-none" using 1:2 with steps lw 2 title "$LABEL_none", \
	     "$tmp/tl-app" using 1:2 with steps lw 2 title "$LABEL_app", \
	     "$tmp/tl-wgq" using 1:2 with steps lw 4 dt 2 title "$LABEL_wgq", \
	     "$tmp/tl-fexyn" using 1:2 with steps lw 2 title "$LABEL_fexyn"
	GP
fi

if have latency.csv; then
	# The distribution of each headline: connect (connect direction only),
	# swap and lockdown (both directions), fexyn and nft -f.
	for tool in fexyn nft-f; do
		for kind in connect swap lockdown; do
			awk -F, -v t="$tool" -v k="$kind" \
				'NR > 1 && $1 == t && $2 == k && (k != "connect" || $3 == "connect") { print $4 / 1000 }' \
				"$R/latency.csv" | sort -g | awk '{ v[NR] = $1 } END { for (i = 1; i <= NR; i++) print v[i], i / NR }' \
				>"$tmp/lat-$tool-$kind"
		done
	done
	plot latency <<-GP
	set title "Firewall transaction latency: fexyn (one netlink transaction) against nft -f"
	set xlabel "ms (log scale)"
	set ylabel "fraction of transactions"
	set logscale x
	set key at 9, 0.8 right top box opaque
	set grid
	set arrow from 0.5, graph 0 to 0.5, graph 1 nohead dt 2
	set label "goal: p99 < 0.5 ms" at 0.55, 0.05
	plot "$tmp/lat-fexyn-connect" using 1:2 with lines lw 2 lc 1 title "fexyn connect", \
	     "$tmp/lat-fexyn-swap" using 1:2 with lines lw 2 lc 2 title "fexyn endpoint swap", \
	     "$tmp/lat-fexyn-lockdown" using 1:2 with lines lw 2 lc 3 title "fexyn lockdown toggle", \
	     "$tmp/lat-nft-f-connect" using 1:2 with lines lw 2 dt 2 lc 1 title "nft -f connect", \
	     "$tmp/lat-nft-f-swap" using 1:2 with lines lw 2 dt 2 lc 2 title "nft -f endpoint swap", \
	     "$tmp/lat-nft-f-lockdown" using 1:2 with lines lw 2 dt 2 lc 3 title "nft -f lockdown toggle"
	GP
fi

if have failover_arrivals.csv; then
	for w in standby cold wgquick; do
		awk -F, -v w="$w" 'NR > 1 && $1 == w { print $2, $3 }' "$R/failover_arrivals.csv" >"$tmp/fo-$w"
	done
	plot failover <<-GP
	set title "Arrivals at the web host around the server's death (2,000 packets/s; wireguard-go SIGKILLed at 0 ms)"
	set xlabel "ms after the kill"
	set ylabel "packets per 10 ms"
	set xrange [-500:2000]
	set yrange [0:30]
	set key right center
	set grid
	plot "$tmp/fo-standby" using 1:2 with steps lw 2 title "fexyn, hot standby", \
	     "$tmp/fo-cold" using 1:2 with steps lw 2 dt 2 title "fexyn --no-standby (cold reconnect)", \
	     "$tmp/fo-wgquick" using 1:2 with steps lw 2 dt 3 title "wg-quick-style tunnel"
	GP
fi

if have throughput.json; then
	jq -r '.per_packet[] | "\(.ruleset) \(.size) \(.ns_per_packet.median) \(.ns_per_packet.min) \(.ns_per_packet.max)"' \
		"$R/throughput.json" >"$tmp/cost"
	base=$(awk '$1 == "baseline" { print $3 }' "$tmp/cost")
	for k in set iptables legacy; do
		awk -v k="$k" '$1 == k { print $2, $3, $4, $5 }' "$tmp/cost" >"$tmp/cost-$k"
	done
	plot setcost <<-GP
	set title "Per-packet cost on the output path, by number of endpoints (packet matches none)"
	set xlabel "endpoints"
	set ylabel "sender CPU ns per packet (log scale)"
	set logscale xy
	set xrange [5:20000]
	set key left top
	set grid
	plot "$tmp/cost-set" using 1:2:3:4 with yerrorlines lw 2 title "nft set (fexyn's shape)", \
	     "$tmp/cost-iptables" using 1:2:3:4 with yerrorlines lw 2 title "iptables rules (iptables-nft)", \
	     "$tmp/cost-legacy" using 1:2:3:4 with yerrorlines lw 2 title "iptables rules (iptables-legacy)", \
	     ${base:-0} with lines dt 2 title "no ruleset"
	GP
	jq -r '(.iperf | map({("\(.target) \(.rules)"): .mbit_s.median}) | add) as $m
		| "tunnel \($m["tunnel none"]) \($m["tunnel conntrack"] // "NaN") \($m["tunnel fexyn"])\nLAN \($m["lan none"]) \($m["lan conntrack"] // "NaN") \($m["lan fexyn"])"' \
		"$R/throughput.json" >"$tmp/thru"
	plot throughput <<-GP
	set title "iperf3 throughput from the client (medians), without and with fexyn's rules"
	set ylabel "Mbit/s (log scale)"
	set logscale y
	set style data histograms
	set style histogram clustered gap 1
	set style fill solid 0.8 border -1
	set key left top
	set grid y
	plot "$tmp/thru" using 2:xtic(1) title "no rules", "" using 3 title "conntrack only", "" using 4 title "fexyn's rules"
	GP
fi

}

# --- the README section ------------------------------------------------------

j() { jq -r "$@"; }
# "met" or "missed by ..." lines are built in jq, next to the figures.
section() {
	local mode date
	mode=$(j 'if .quick then "quick (`bench/run --quick`: one repetition, short flows)" else "full" end' "$R/leak.json" 2>/dev/null || echo "?")
	date=$(j .date "$R/leak.json" 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)
	cat <<-EOF
	## Benchmarks

	Generated by \`sudo bench/run\` ($mode run, $date, kernel $(j .kernel "$R/leak.json" 2>/dev/null || uname -r),
	$(j .cpus "$R/connect.json" 2>/dev/null || nproc) CPUs, in the lab's network namespaces); the figures are in
	\`bench/results/\`, the method in \`bench/README.md\`. Each figure is min / median / max over
	repeated runs; every comparison was taken side by side in the same run. Benchmarks report; the
	tests judge.

	### Against the goals

	| goal | figure | result |
	| --- | --- | --- |
	EOF
	goals
	echo
	if have leak.json; then
		cat <<-EOF
		### Leak matrix

		Packets that reached the web host with the client's real address (for DNS: that reached the
		router) during a $(j '.rate_pps' "$R/leak.json" | sed 's/000$/,000/') packets/s UDP flow of $(j .flow_s "$R/leak.json") s, the event
		$(j .event_at_s "$R/leak.json") s into it; median (min–max) of $(j .reps "$R/leak.json") run(s).

		| scenario | no kill switch | app-level, polls 200 ms | wg-quick REJECT recipe | fexyn |
		| --- | ---: | ---: | ---: | ---: |
		EOF
		j '.scenarios[] as $s | .cells[$s.id] as $c
			| "| \($s.label) | " + ([("none", "app", "wgq", "fexyn") as $k | $c[$k]
				| if . == null then "n/a" elif .min == .max then "\(.median)"
				  else "\(.median) (\(.min)–\(.max))" end] | join(" | ")) + " |"' "$R/leak.json"
		echo
		j '"The app-level kill switch blocked \(.cells["tunnel-kill"].app.blocked_after_ms.median // "?") ms (median; \(.cells["tunnel-kill"].app.blocked_after_ms.min // "?")–\(.cells["tunnel-kill"].app.blocked_after_ms.max // "?")) after the tunnel process died: half a poll interval on average, plus starting `nft`, on a machine whose two CPUs are busy carrying the flow."' "$R/leak.json"
		echo
		echo '![leaked packets over time](bench/results/leak_timeline.svg)'
		echo
	fi
	if have latency.json; then
		cat <<-EOF
		### Latency

		Firewall transactions in scratch namespaces, µs: fexyn = compile + one netlink transaction
		(\`bench/txn_bench.c\`), $(j .runs_per_direction "$R/latency.json") each way; \`nft -f\` = the same ruleset
		loaded by nft, process start included, $(j '.nft_f_runs_per_direction // .runs_per_direction' "$R/latency.json") each way.

		| transaction | fexyn p50 | fexyn p99 | fexyn max | \`nft -f\` p50 | \`nft -f\` p99 |
		| --- | ---: | ---: | ---: | ---: | ---: |
		EOF
		j '[["connect", "connect (no table → connecting policy)"], ["swap", "endpoint swap"], ["lockdown", "lockdown toggle (both ways)"]][] as [$k, $l]
			| "| \($l) | \(.fexyn[$k].p50) | \(.fexyn[$k].p99) | \(.fexyn[$k].max) | \(.nft_f[$k].p50) | \(.nft_f[$k].p99) |"' "$R/latency.json"
		echo
		j '"Of fexyn'"'"'s figures, compiling the policy (the pure function, no I/O) takes p50 \(.fexyn.connect.compile_us.p50 // "?") µs, p99 \(.fexyn.connect.compile_us.p99 // "?") µs (connect); the rest is building the netlink batch and the kernel committing it: the tails are the kernel'"'"'s commit (and the other work on this 2-CPU machine), not user space."' "$R/latency.json"
		echo
		echo '![transaction latency](bench/results/latency.svg)'
		echo
	fi
	failover_section
	if have connect.json; then
		j '"`fexyn connect` until the tunnel carries traffic: median \(.fexyn.median) ms (\(.fexyn.min)–\(.fexyn.max)); `wg-quick up`: \(.wg_quick.median) ms (\(.wg_quick.min)–\(.wg_quick.max)); ratio \(.ratio_median) over \(.runs) runs each (`bench/connect.sh`; both include a ping probe floor of \(.probe_floor_ms) ms)."' "$R/connect.json"
		echo
	fi
	if have throughput.json; then
		cat <<-EOF
		### Throughput

		iperf3 (TCP, $(j .iperf_seconds "$R/throughput.json") s, $(j '.iperf_reps // .reps' "$R/throughput.json") run(s) each, alternating), Mbit/s, median (min–max);
		"conntrack only" is a table with nothing but \`ct state established,related accept\` on input,
		which turns connection tracking on as fexyn's rules do. Ratios: fexyn / no rules, of the
		medians and, in brackets, within each run (min–max).

		| path | no rules | conntrack only | fexyn's rules | ratio |
		| --- | ---: | ---: | ---: | ---: |
		EOF
		j 'def f: if . == null then "n/a" else "\(.median) (\(.min)–\(.max))" end;
			(.iperf | map({("\(.target) \(.rules)"): .mbit_s}) | add) as $m
			| [["tunnel", "through the tunnel (wireguard-go both ends)"], ["lan", "to the LAN host"]][] as [$t, $l]
			| "| \($l) | \($m["\($t) none"] | f) | \($m["\($t) conntrack"] | f) | \($m["\($t) fexyn"] | f) | \(.ratio[$t])" +
			  (if .ratio_per_rep[$t] then " (\(.ratio_per_rep[$t].min * 1000 | round / 1000)–\(.ratio_per_rep[$t].max * 1000 | round / 1000))" else "" end) + " |"' \
			"$R/throughput.json"
		echo
		cat <<-EOF
		Per-packet cost of the endpoint lookup: sender CPU ns per UDP packet on the output path, for a
		packet that matches no endpoint (median of $(j .reps "$R/throughput.json")):

		| endpoints | nft set (fexyn's shape) | iptables rules (iptables-nft) | iptables rules (legacy) |
		| ---: | ---: | ---: | ---: |
		EOF
		j '(.per_packet | map({("\(.ruleset)-\(.size)"): .ns_per_packet.median}) | add) as $m
			| "| none | \($m["baseline-0"]) | | |",
			  ([10, 1000, 10000][] | "| \(.) | \($m["set-\(.)"]) | \($m["iptables-\(.)"]) | \($m["legacy-\(.)"]) |")' \
			"$R/throughput.json"
		echo
		echo '![per-packet cost](bench/results/setcost.svg)'
		echo
	fi
	if have footprint.json; then
		cat <<-EOF
		### Footprint

		EOF
		j '"fexynd connected (`fexyn connect`) and idle for \(.idle_seconds) s: peak RSS (VmHWM) \(.peak_rss_kb) kB, RSS \(.rss_kb) kB, \(.threads) thread(s); " + (if .rss_split_kb then "RssAnon \(.rss_split_kb.anon) kB, RssFile \(.rss_split_kb.file) kB (the binary, libc, libmnl, libnftnl); " else "" end) + "CPU time \(.cpu_ms) ms (\(.cpu_ms_per_minute) ms a minute); \(.wakeups_per_s) context switches a second: \(.context_switches.voluntary / .idle_seconds * 10 | round / 10)/s voluntary, \(.context_switches.involuntary / .idle_seconds * 10 | round / 10)/s involuntary (preempted: the machine was busy with other work). The event loop woke \(.event_loop.loop_wakeups_per_s // "?") times a second (strace): " + ([.event_loop.by_source[]? | "\(.source) \(.per_s)/s"] | join(", ")) + ". On each tick fexynd asks wireguard-go for its counters over the UAPI socket and waits for the answer, which adds voluntary switches to the loop'"'"'s own. (wireguard-go itself: \(.wireguard_go_rss_kb // "?") kB RSS.)"' "$R/footprint.json"
		echo
		j '"Binaries (\(.binaries.buildtype) build): `fexyn` \(.binaries.fexyn.bytes / 1024 | floor) KiB (\(.binaries.fexyn.stripped / 1024 | floor) KiB stripped), `fexynd` \(.binaries.fexynd.bytes / 1024 | floor) KiB (\(.binaries.fexynd.stripped / 1024 | floor) KiB stripped)."' "$R/footprint.json"
		echo
	fi
	if have attack.json; then
		cat <<-EOF
		### Control socket under attack

		Root's \`fexyn status\` (wall time, process start included), $(j .calls_per_condition "$R/attack.json") calls per condition, ms,
		while unprivileged users attack fexynd's socket (\`bench/attack.sh\`): a subscriber that never
		reads while root changes a setting in a loop, and 8 users holding 10 connections each.

		| condition | p50 | p99 | max | fexynd CPU over the window |
		| --- | ---: | ---: | ---: | ---: |
		EOF
		j '[["none", "nothing else"], ["toggle", "root changing a setting in a loop"], ["subscriber", "… and a subscriber that never reads"], ["flood", "8 users × 10 connections, reopened"], ["both", "subscriber and flood"]][] as [$k, $l]
			| .conditions[$k] as $c | select($c)
			| "| \($l) | \($c.status_ms.p50) | \($c.status_ms.p99) | \($c.status_ms.max) | \($c.fexynd_cpu_ms) ms in \($c.window_ms) ms |"' "$R/attack.json"
		echo
		j '"The flooders held \(.flood_connections_held_at_start) connections (unprivileged users may hold 48 of 64); fexynd dropped the subscriber \(.conditions.subscriber.subscriber_drops // 0) time(s) in the subscriber condition. Before issue 11 was fixed, root was refused outright under the flood (every slot taken), and a subscriber that did not read held each reply up to 2 s. Root'"'"'s own setting changes cost more than either attack: each is a firewall transaction."' "$R/attack.json"
		echo
	fi
	tamper_section
	notes
}

# bench/failover.sh: the gap in the flow when the server dies, each way.
failover_section() {
	have failover.json || return 0
	cat <<-EOF
	### Failover

	The longest gap between two arrivals at the web host when the first of two VPN servers dies
	(its wireguard-go SIGKILLed) during a $(j .rate "$R/failover.json" | sed 's/000$/,000/') packets/s flow, ms, over $(j .runs "$R/failover.json") run(s) of each way,
	alternating (\`bench/failover.sh\`). A tunnel that never comes back counts the rest of its
	$(j .flow_seconds "$R/failover.json") s run.

	| way | min | median | max |
	| --- | ---: | ---: | ---: |
	EOF
	j '[["standby", "fexyn, hot standby"], ["cold", "fexyn --no-standby (a new tunnel to the next server)"], ["wgquick", "wg-quick-style tunnel (never recovers)"]][] as [$k, $l]
		| "| \($l) | \(.[$k].min) | \(.[$k].median) | \(.[$k].max) |"' "$R/failover.json"
	echo
	echo "Both fexyn ways spend most of the gap noticing the death (150 ms of silence, then a round of"
	echo "20 probes 20 ms apart, then 100 ms for the last answer; shorter when a probe was already"
	echo "unanswered at the kill). The switch to the standby took about 25 ms; in the lab a new"
	echo "wireguard-go and its handshake take little more, so the two ways differ by less than the"
	echo "detection's own spread. The standby saves the process start and a handshake's round trip,"
	echo "which grow with a distant server and a busy machine."
	echo
	echo '![arrivals around the kill](bench/results/failover.svg)'
	echo
}

# The tamper figures of every kernel they were measured on (bench/tamper.sh,
# on this machine and in the guests of tests/vm/), one row a kernel and mode.
tamper_section() {
	local files=("$R"/tamper-*.json)
	[ -e "${files[0]}" ] || return 0
	cat <<-EOF
	### The firewall attacked from inside the machine

	Packets that reached the web host with the client's real address during a 20,000 packets/s
	flow, fexyn guarding a tunnel whose process died (\`bench/tamper.sh\`): another root process
	flushes the ruleset 20 times and deletes the table; fexynd is SIGKILLed and restarted; both at
	once. min / median / max over the runs; a mode the kernel lacks is not measured. Debian 12's
	own 6.1 and 6.12 ran in QEMU guests without KVM (one run of each, \`--quick\`; the command is
	in \`bench/README.md\`): a guest is about five times slower, which widens the window in "both"
	(no fexynd and no table owner while another process flushes).

	| kernel | protection | flush + delete | kill + restart | both |
	| --- | --- | ---: | ---: | ---: |
	EOF
	jq -s -r '.[] | .kernel as $k | .modes | to_entries[]
		| "| \($k) | \(.key) | " + ([.value.flush, .value.kill, .value.both]
			| map(if . then "\(.min) / \(.median) / \(.max)" else "—" end) | join(" | ")) + " |"' "${files[@]}"
	echo
}

# One row per goal: the figure, and met / missed by how much.
goals() {
	if have leak.json; then
		j '[.cells[] | .fexyn.max // empty] | max as $m
			| "| 0 leaked packets in fexyn'"'"'s column | at most \($m) packets in any run of any scenario | " +
			  (if $m == 0 then "met" else "missed by \($m) packets" end) + " |"' "$R/leak.json"
	fi
	if have latency.json; then
		j '[["connect", "connect"], ["swap", "endpoint swap"], ["lockdown", "lockdown toggle"]][] as [$k, $l]
			| .fexyn[$k].p99 as $p
			| "| transaction p99 < 0.5 ms (\($l)) | p99 \($p / 1000 * 100 | round / 100) ms (p50 \(.fexyn[$k].p50 / 1000 * 100 | round / 100) ms) | " +
			  (if $p < 500 then "met" else "missed by \(($p - 500) / 1000 * 100 | round / 100) ms (\($p / 500 * 10 | round / 10)× the goal)" end) + " |"' \
			"$R/latency.json"
	fi
	if have failover.json; then
		j '.standby as $s | "| failover: median gap < 1 s, max < 1.5 s (hot standby) | median \($s.median) ms, max \($s.max) ms | " +
			(if $s.median < 1000 and $s.max < 1500 then "met" else "missed (median \($s.median) ms, max \($s.max) ms)" end) + " |"' "$R/failover.json"
	fi
	if have connect.json; then
		j '"| connect ≤ 0.2× wg-quick | \(.ratio_median)× (median \(.fexyn.median) ms against \(.wg_quick.median) ms) | " +
			(if .ratio_median <= 0.2 then "met" else "missed by \(.ratio_median - 0.2 | . * 100 | round / 100)× (\(.fexyn.median - .wg_quick.median * 0.2 | round) ms slower than the goal)" end) + " |"' \
			"$R/connect.json"
	fi
	if have throughput.json; then
		j '[["tunnel", "through the tunnel"], ["lan", "to the LAN host"]][] as [$t, $l] | .ratio[$t] as $r
			| "| ≥ 98 % of no-rules throughput (\($l)) | \($r * 1000 | round / 10) % of the median" +
			  (if .ratio_per_rep[$t] then "; per run \(.ratio_per_rep[$t].min * 1000 | round / 10)–\(.ratio_per_rep[$t].max * 1000 | round / 10) %" else "" end) +
			  (if .ratio_conntrack_only[$t] then "; conntrack alone: \(.ratio_conntrack_only[$t] * 1000 | round / 10) %" else "" end) + " | " +
			  (if $r >= 0.98 then "met" else "missed by \((0.98 - $r) * 1000 | round / 10) points" end) + " |"' \
			"$R/throughput.json"
		j '.growth_10_to_10000.set as $g
			| "| per-packet cost flat from 10 to 10,000 endpoints (within 10 %) | \($g)× (iptables-nft rules: \(.growth_10_to_10000.iptables)×) | " +
			  (if $g <= 1.10 then "met" else "missed: +\(($g - 1) * 100 | round) %" end) + " |"' "$R/throughput.json"
	fi
	if have footprint.json; then
		j '.peak_rss_kb as $k | "| RSS < 3 MB | peak \($k / 1024 * 100 | round / 100) MiB (\($k) kB)" +
			(if .rss_split_kb then "; at the end \(.rss_split_kb.anon) kB its own (RssAnon), \(.rss_split_kb.file) kB mapped binary and libraries (RssFile)" else "" end) + " | " +
			(if $k < 3072 then "met" else "missed by \(($k - 3072) / 1024 * 100 | round / 100) MiB" end) + " |"' \
			"$R/footprint.json"
		j '(.event_loop.by_source // []) as $src
			| ([$src[] | select(.source != "anon_inode:[timerfd]")] | map(.per_s) | add // 0) as $other
			| "| no periodic wake-ups beyond the tunnel checks | event loop \(.event_loop.loop_wakeups_per_s // "?")/s: " +
			  ([$src[] | "\(.source) \(.per_s)/s"] | join(", ")) + " (the tunnel timer ticks 4/s) | " +
			  (if .event_loop == null then "not measured (no strace)" elif $other < 0.5 then "met" else "missed: \($other)/s from other sources" end) + " |"' \
			"$R/footprint.json"
	fi
}

notes() {
	cat <<-'EOF'
	### How the leak scenarios are made, and what is missing

	- The tunnel is the lab's wg-quick-style one (wireguard-go, `ip rule not fwmark 51820 table
	  51820`, `suppress_prefixlength 0` on main); IPv4 only, as a config without `::/0` makes it.
	- "A better route" is `0.0.0.0/1` and `128.0.0.0/1` via the home router in the client's main
	  table: more specific than the default, so wg-quick's `suppress_prefixlength 0` does not hide
	  them. A second uplink with a lower-metric *default* route would not leak through wg-quick's
	  policy routing at all, so it is not the row.
	- The option-121 row adds the route by hand (`ip route add 198.51.100.0/24 via 192.168.77.1`),
	  as a DHCP client would on receiving it; no DHCP server runs.
	- DNS is counted at the router (udp/53 from the client's real address), not at the web host.
	- Container: a namespace behind the client (veth, 172.17.0.0/16, masquerade as Docker does) sends
	  the flow; the tunnel process is then killed. The wg-quick recipe filters OUTPUT only, so
	  forwarded traffic passes it.
	- Daemon killed: the kill switch's own process is SIGKILLed (fexynd; the app-level poller), then
	  the tunnel process. The plain tunnel and the wg-quick recipe have no process of their own: for
	  them the row is the tunnel kill again.
	- The wg-quick recipe is the usual `PostUp = iptables -I OUTPUT ! -o %i -m mark ! --mark $(wg show
	  %i fwmark) -m addrtype ! --dst-type LOCAL -j REJECT` and the same with `ip6tables`, run with
	  Debian's iptables (the nf_tables backend).
	- fexyn guards the same hand-made tunnel (`fexyn guard --tunnel wg0 --endpoint … --fwmark
	  51820`), so all four columns share one tunnel; `fexyn connect` is used for the footprint.
	- The machine is shared: other work running at the same time widens the latency tails and
	  moves the throughput figures; the min–max ranges show it. `wg-quick up` runs many processes
	  and slows the most when the machine is busy: the connect ratio moves with the load
	  (`results/connect.json` records the load average).
	- The lockdown toggle is timed as fexynd applies it, without the socket round trip: the compiler's lockdown setting
	  (disconnected, blocked policy) as fexynd applies any policy.
	- Transaction latency moved from run to run far more than within a run. In the five runs made
	  while writing the benchmark, connect's p50 was either about 0.3–0.5 ms or about 3 ms, the
	  same all through a run, and lockdown's followed; the endpoint swap stayed near 0.4 ms in
	  all of them. Connect and lockdown create the table's base chains (netfilter hooks are
	  registered), the swap only replaces rules and set elements; which kernel wait makes the
	  slow mode is not known yet. Compiling the policy takes about 1 µs of it (median).
	- Figures close to a goal's threshold (the connect ratio, the per-packet growth from 10 to
	  10,000 endpoints, the throughput ratios) fell on either side of it from one full run to
	  the next on this shared 2-CPU machine: read them with their ranges. The endpoint set's
	  growth stayed within 0.9–1.4× in every run, the rule lists' within 55–105×.
	- Kernel WireGuard is not on this machine: every tunnel here is wireguard-go.
	EOF
}

if [ "$PRINT_SECTION" = 1 ]; then
	section
	exit 0
fi
draw_plots
if [ "$WRITE_README" = 1 ]; then
	section >"$tmp/section.md"
	if ! grep -q '^<!-- bench:begin -->$' "$README" || ! grep -q '^<!-- bench:end -->$' "$README"; then
		printf '\n<!-- bench:begin -->\n<!-- bench:end -->\n' >>"$README"
	fi
	awk -v f="$tmp/section.md" '
		/^<!-- bench:begin -->$/ { print; while ((getline line < f) > 0) print line; skip = 1; next }
		/^<!-- bench:end -->$/ { skip = 0 }
		!skip { print }' "$README" >"$tmp/README.md"
	cat "$tmp/README.md" >"$README"
	echo "report.sh: rewrote the results section of $README"
fi
svgs=("$R"/*.svg)
echo "report.sh: plots in $R: ${svgs[*]##*/}"
