# shellcheck shell=bash
# shellcheck disable=SC2034 # variables for the scripts that source this
# Shared by bench/run and its parts (bench/leak.sh, latency.sh, throughput.sh,
# footprint.sh): the paths, the clock, statistics, the small C tools, and
# the lab's extensions for the leak matrix (IPv6, a DNS counter at the
# router, a container behind the client, the kill-switch strategies).
#
# Source it from a script in bench/; it sources tests/lab/netlab.sh and
# tests/lab/fexyn-lab.sh. Nothing here runs in this machine's own network
# namespace except creating and deleting the lab's namespaces.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
export FEXYN_BUILD=${FEXYN_BUILD:-$REPO/build}
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
QUICK=${BENCH_QUICK:-0}

# shellcheck source=../tests/lab/netlab.sh
source "$REPO/tests/lab/netlab.sh"
# shellcheck source=../tests/lab/fexyn-lab.sh
source "$REPO/tests/lab/fexyn-lab.sh"

# The options most parts take: --NAME N into VAR, and --quick (a smoke run:
# VAR=QUICK_VALUE). Anything else prints the script's Usage line.
bench_args() { # NAME VAR QUICK_VALUE ARGS...
	local name=$1 var=$2 quick=$3
	shift 3
	while [ $# -gt 0 ]; do
		case $1 in
		--quick) QUICK=1; shift ;;
		"--$name")
			[ $# -ge 2 ] || bench_usage
			printf -v "$var" '%s' "$2"
			shift 2
			;;
		*) bench_usage ;;
		esac
	done
	if [ "$QUICK" = 1 ]; then printf -v "$var" '%s' "$quick"; fi
}
bench_usage() {
	sed -n 's/^# Usage: /usage: /p' "$0" >&2
	exit 2
}

bench_log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
bench_die() {
	echo "${0##*/}: ABORT: $*" >&2
	exit 1
}
[ "$(id -u)" = 0 ] || bench_die "run as root (it builds network namespaces)"

# The clock in µs, without starting a process.
if [ -n "${EPOCHREALTIME:-}" ]; then
	now_us() { NOW=${EPOCHREALTIME//[.,]/}; }
else
	now_us() { NOW=$(($(date +%s%N) / 1000)); }
fi

# Numbers on stdin (one a line) -> {"n","min","median","max","p50","p99"}.
# p50/p99 by nearest rank.
stats_json() {
	jq -s '
		def r2: . * 100 | round / 100;
		sort as $s | ($s | length) as $n
		| if $n == 0 then {n: 0} else
		{n: $n, min: ($s[0] | r2),
		 median: (if $n % 2 == 1 then $s[($n - 1) / 2] else ($s[$n / 2 - 1] + $s[$n / 2]) / 2 end | r2),
		 max: ($s[-1] | r2),
		 p50: ($s[((0.50 * $n) | ceil) - 1] | r2),
		 p99: ($s[((0.99 * $n) | ceil) - 1] | r2)} end'
}

# The C tools: txn_bench (against the project's core library), pktcost, appks.
# bench/run builds them once and exports BENCH_BIN; a part run alone builds
# them into its own temporary directory.
bench_tools() {
	if [ -n "${BENCH_BIN:-}" ] && [ -x "$BENCH_BIN/txn_bench" ] && [ -x "$BENCH_BIN/pktcost" ] &&
		[ -x "$BENCH_BIN/appks" ]; then
		return 0
	fi
	BENCH_BIN=${BENCH_BIN:-$LAB_TMP/bin}
	mkdir -p "$BENCH_BIN"
	[ -f "$FEXYN_BUILD/src/libfexyn-core.a" ] ||
		bench_die "no $FEXYN_BUILD/src/libfexyn-core.a (build first: ninja -C $FEXYN_BUILD)"
	local cflags=(-std=c17 -O2 -g -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Wall -Wextra -Werror -Wvla)
	# shellcheck disable=SC2046 # pkg-config's words
	cc "${cflags[@]}" -I"$REPO/src/core" "$BENCH_DIR/txn_bench.c" "$FEXYN_BUILD/src/libfexyn-core.a" \
		$(pkg-config --cflags --libs libmnl libnftnl) -o "$BENCH_BIN/txn_bench" ||
		bench_die "cannot build bench/txn_bench.c"
	local t
	for t in pktcost appks; do
		cc "${cflags[@]}" "$BENCH_DIR/$t.c" -o "$BENCH_BIN/$t" || bench_die "cannot build bench/$t.c"
	done
}

bench_need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || bench_die "'$t' is missing (see bench/README.md for the packages)"
	done
}

# A scratch namespace of this run, removed by the lab's teardown.
scratch_ns() { # suffix
	local ns=fx$$-$1
	ip netns del "$ns" 2>/dev/null || true
	ns_add "$ns"
	SCRATCH=$ns
}

# --- the leak lab's extensions ---------------------------------------------

CLIENT6=2001:db8:77::2
ROUTER6_LAN=2001:db8:77::1
ROUTER6_UP=2001:db8:ff::1
WEB6=2001:db8:ff::20
CTR_NET=172.17.0.0/16
CTR_GW=172.17.0.1
CTR_ADDR=172.17.0.2

# IPv6 on the home LAN and the internet (the tunnel stays IPv4-only, as the
# lab's wg-quick-style tunnel is), a DNS counter at the router, an IPv6 leak
# counter at the web host, and a container namespace behind the client with
# NAT, as Docker sets it up.
bench_lab_extras() {
	ip netns exec "$NS_ROUTER" sysctl -qw net.ipv6.conf.all.forwarding=1
	ip -n "$NS_ROUTER" addr add "$ROUTER6_LAN/64" dev br0 nodad
	ip -n "$NS_ROUTER" addr add "$ROUTER6_UP/64" dev br1 nodad
	ip -n "$NS_CLIENT" addr add "$CLIENT6/64" dev eth0 nodad
	ip -n "$NS_CLIENT" -6 route add default via "$ROUTER6_LAN"
	ip -n "$NS_WEB" addr add "$WEB6/64" dev eth0 nodad
	ip -n "$NS_WEB" -6 route add default via "$ROUTER6_UP"
	ip netns exec "$NS_WEB" nft -f - <<-NFT
	table inet bench {
		counter leak6 { }
		chain pre {
			type filter hook prerouting priority -300;
			ip6 saddr $CLIENT6 counter name leak6
		}
		chain in {
			type filter hook input priority 0;
			udp dport 9999 drop
		}
	}
	NFT
	ip netns exec "$NS_ROUTER" nft -f - <<-NFT
	table inet bench {
		counter dns { }
		chain pre {
			type filter hook prerouting priority -300;
			ip saddr $CLIENT_REAL udp dport 53 counter name dns
		}
		chain in {
			type filter hook input priority 0;
			udp dport 53 drop
		}
	}
	NFT
	NS_CTR=fx$$-ctr
	ns_add "$NS_CTR"
	ip -n "$NS_CLIENT" link add ctr0 type veth peer name eth0 netns "$NS_CTR"
	ip -n "$NS_CLIENT" addr add "$CTR_GW/16" dev ctr0
	ip -n "$NS_CLIENT" link set ctr0 up
	ip -n "$NS_CTR" link set eth0 up
	ip -n "$NS_CTR" addr add "$CTR_ADDR/16" dev eth0
	ip -n "$NS_CTR" route add default via "$CTR_GW"
	ip netns exec "$NS_CLIENT" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$NS_CLIENT" nft -f - <<-NFT
	table ip benchnat {
		chain post {
			type nat hook postrouting priority srcnat;
			ip saddr $CTR_NET oifname != "ctr0" masquerade
		}
	}
	NFT
}

# One of the lab's counters: web leak|tunnel|tunnel2 (netlab's), web leak6,
# router dns.
bench_counter() { # ns-var table counter
	ip netns exec "${!1}" nft list counter inet "$2" "$3" |
		sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

bench_counters_reset() {
	web_counters_reset
	ip netns exec "$NS_WEB" nft reset counter inet bench leak6 >/dev/null
	ip netns exec "$NS_ROUTER" nft reset counter inet bench dns >/dev/null
}

# Removes whatever is left of the client's tunnel (process and interface).
bench_tunnel_gone() {
	if [ -n "${CLIENT_WG_PID:-}" ]; then kill -9 "$CLIENT_WG_PID" 2>/dev/null || true; fi
	for _ in $(seq 200); do
		ip -n "$NS_CLIENT" link show wg0 >/dev/null 2>&1 || return 0
		[ "$_" = 100 ] && ip -n "$NS_CLIENT" link del wg0 2>/dev/null
		sleep 0.01
	done
	bench_die "the client's wg0 does not go away"
}

# --- the kill-switch strategies --------------------------------------------
# none   the wg-quick-style tunnel of lab_client_tunnel_up, nothing else
# app    bench/appks.c: polls the tunnel every 200 ms, blocks when it is down
# wgq    wg-quick's PostUp REJECT recipe with iptables (iptables-nft) and ip6tables
# fexyn  fexynd + fexyn guard on the same tunnel

STRATEGIES=(none app wgq fexyn)
APPKS_PID=
WGQ_RULE=

strategy_arm() {
	case $1 in
	none) ;;
	app)
		ip netns exec "$NS_CLIENT" "$BENCH_BIN/appks" wg0 200 120 \
			>"$LAB_TMP/appks.log" 2>&1 &
		APPKS_PID=$!
		disown "$APPKS_PID" # killed on purpose; spare the job notice
		LAB_PIDS+=("$APPKS_PID")
		for _ in $(seq 200); do
			grep -q watching "$LAB_TMP/appks.log" 2>/dev/null && return 0
			sleep 0.01
		done
		bench_die "appks did not start: $(cat "$LAB_TMP/appks.log")"
		;;
	wgq)
		local mark
		mark=$(wg_in "$CLIENT_WG_PID" show wg0 fwmark)
		WGQ_RULE="OUTPUT ! -o wg0 -m mark ! --mark $mark -m addrtype ! --dst-type LOCAL -j REJECT"
		# shellcheck disable=SC2086 # the rule's words
		ip netns exec "$NS_CLIENT" iptables -I $WGQ_RULE
		# shellcheck disable=SC2086
		ip netns exec "$NS_CLIENT" ip6tables -I $WGQ_RULE
		;;
	fexyn)
		[ -n "$FEXYND_PID" ] || fx_start
		# shellcheck disable=SC2119 # no extra guard arguments
		fx_guard_lab >/dev/null
		fx_wait_state connected
		;;
	esac
}

# The kill-switch's own process SIGKILLed (the daemon-kill row).
strategy_kill_process() {
	case $1 in
	app) kill -9 "$APPKS_PID" 2>/dev/null || true ;;
	fexyn) fx_kill9 ;;
	none | wgq) ;; # no process of its own
	esac
}

strategy_disarm() {
	case $1 in
	none) ;;
	app)
		kill -9 "$APPKS_PID" 2>/dev/null || true
		APPKS_PID=
		sleep 0.05 # an nft it had started ends
		ip netns exec "$NS_CLIENT" nft delete table inet appks 2>/dev/null || true
		;;
	wgq)
		# shellcheck disable=SC2086
		ip netns exec "$NS_CLIENT" iptables -D $WGQ_RULE
		# shellcheck disable=SC2086
		ip netns exec "$NS_CLIENT" ip6tables -D $WGQ_RULE
		ip netns exec "$NS_CLIENT" nft delete table ip filter 2>/dev/null || true
		ip netns exec "$NS_CLIENT" nft delete table ip6 filter 2>/dev/null || true
		;;
	fexyn)
		[ -n "$FEXYND_PID" ] || fx_start # a restarted daemon adopts the table
		fx disconnect >/dev/null
		;;
	esac
}

# The client's firewall must hold nothing but the container's NAT between cells.
bench_client_clean() {
	local tables
	tables=$(ip netns exec "$NS_CLIENT" nft list tables | tr '\n' ' ')
	[ "$tables" = "table ip benchnat " ] ||
		bench_die "the client's firewall is not clean between cells: $tables"
}
