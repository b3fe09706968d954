# shellcheck shell=bash
# fexyn in the lab: start, stop and drive fexynd inside the client namespace.
# Source after lib.sh. The daemon's socket and state live in the run's
# temporary directory, so runs never share them.

FEXYN_BUILD=${FEXYN_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}
FEXYND_BIN=$FEXYN_BUILD/src/fexynd
FEXYN_BIN=$FEXYN_BUILD/src/fexyn
FLOOD_BIN=${FLOOD_BIN:-$FEXYN_BUILD/tests/lab/udpflood}
SOCKPIPE_BIN=$FEXYN_BUILD/tests/lab/sockpipe
CONNFLOOD_BIN=$FEXYN_BUILD/tests/lab/connflood
EVENTHOG_BIN=$FEXYN_BUILD/tests/lab/eventhog
FEXYND_PID=
FEXYND_EXTRA_ARGS=()
# A command fexynd runs under, such as valgrind (tests/lab/valgrind-check.sh).
FEXYND_WRAPPER=()

fx_paths() {
	FX_SOCK=$LAB_TMP/fexynd.sock
	FX_STATE=$LAB_TMP/state
	FX_LOG=$LAB_TMP/fexynd.log
	# The client's resolver file: fexynd points it at the tunnel's DNS. Never
	# /etc/resolv.conf, which `ip netns exec` shares with this machine.
	FX_RESOLV=$LAB_TMP/resolv.conf
	[ -e "$FX_RESOLV" ] || echo "nameserver $ROUTER_LAN" >"$FX_RESOLV"
}

# fexyn, run in the client namespace against this run's daemon. With
# FEXYN_LAB_BACKEND set (netlab.sh), `connect` gets --backend from it.
fx() {
	if [ "${1:-}" = connect ] && [ -n "${FEXYN_LAB_BACKEND:-}" ]; then
		shift
		set -- connect --backend "$FEXYN_LAB_BACKEND" "$@"
	fi
	ip netns exec "$NS_CLIENT" "$FEXYN_BIN" --socket "$FX_SOCK" "$@"
}

# fexynd runs in a private mount namespace with its own /run/wireguard, where
# the wireguard-go it starts puts its control socket (not per network
# namespace); the exec chain keeps the PID.
fx_start() {
	fx_paths
	mkdir -p /run/wireguard
	unshare --mount --propagation private sh -c \
		'mount -t tmpfs fexyn-lab /run/wireguard && exec ip netns exec "$@"' sh \
		"$NS_CLIENT" "${FEXYND_WRAPPER[@]}" "$FEXYND_BIN" --socket "$FX_SOCK" --state-dir "$FX_STATE" \
		--resolv-conf "$FX_RESOLV" \
		"${FEXYND_EXTRA_ARGS[@]}" >>"$FX_LOG" 2>&1 &
	FEXYND_PID=$!
	LAB_PIDS+=("$FEXYND_PID")
	for _ in $(seq 100); do
		if fx status >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$FEXYND_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "fexynd did not come up; its log:" >&2
	cat "$FX_LOG" >&2
	return 1
}

# SIGKILL: no chance to clean up, as in a crash.
fx_kill9() {
	[ -n "$FEXYND_PID" ] || return 0
	kill -9 "$FEXYND_PID" 2>/dev/null || true
	wait "$FEXYND_PID" 2>/dev/null || true
	FEXYND_PID=
}

fx_stop() {
	[ -n "$FEXYND_PID" ] || return 0
	kill -TERM "$FEXYND_PID" 2>/dev/null || true
	wait "$FEXYND_PID" 2>/dev/null || true
	FEXYND_PID=
}

fx_guard_lab() {
	fx guard --tunnel "$TUN" --endpoint "$VPN_EP:$VPN_PORT" --fwmark "$FWMARK" "$@"
}

fx_state() {
	fx status --json | jq -r .state
}

# How fexynd holds its table on this kernel (status "protection"):
# "owner+persist" where nftables has the owner and persist table flags
# (Linux 6.9+): no other process can delete or change the table; "monitor"
# before that: anyone root can, and fexynd puts it back from the nftables
# event (tests/vm runs the lab on Debian 12's 6.1, which is such a kernel).
fx_protection() {
	fx status --json | jq -r .protection
}

# The table_owner a running fexynd reports there: itself wherever the
# kernel has the owner flag (owner+persist: inet fexyn; owned+unowned: its
# owned copy); without the flag (monitor) the kernel records no owner.
fx_expected_owner() {
	if [ "$(fx_protection)" = monitor ]; then echo none; else echo fexynd; fi
}

# Polls (≤ 2 s) until table inet fexyn is loaded in the client namespace.
fx_wait_table() {
	for _ in $(seq 100); do
		ip netns exec "$NS_CLIENT" nft list table inet fexyn >/dev/null 2>&1 && return 0
		sleep 0.02
	done
	return 1
}

# Polls the daemon's state (≤ 5 s, or $2 s); events, not timers, move it,
# but noticing a dead server takes it up to a few seconds.
fx_wait_state() { # state [seconds]
	local want=$1 got=
	for _ in $(seq $((${2:-5} * 20))); do
		got=$(fx_state 2>/dev/null) || true
		[ "$got" = "$want" ] && return 0
		sleep 0.05
	done
	echo "state is '$got', expected '$want'" >&2
	return 1
}

# The table as the kernel holds it, without counter values and metadata, so
# two snapshots compare equal when the rules are the same. The table's own
# flags are left out: the kernel clears "owner" when the daemon dies (nft
# 1.0.6 cannot even name "persist"). With --no-handles, rule handles are left
# out too: a restarted daemon refills the table with new ones.
fx_table_snapshot() {
	local drop_handles=false
	[ "${1:-}" = --no-handles ] && drop_handles=true
	ip netns exec "$NS_CLIENT" nft -j list table inet fexyn |
		jq -S --argjson dh "$drop_handles" '
			del(.nftables[] | select(.metainfo))
			| del(.nftables[].table.flags?)
			| walk(if type == "object" and has("counter") then .counter = "-" else . end)
			| if $dh then walk(if type == "object" then del(.handle) else . end) else . end'
}

# The start of a connect test: the lab without a client tunnel, and fexynd.
fx_lab_bare() {
	lab_init
	lab_up_bare
	fx_start
}

# Every wireguard-go in the client's namespace.
lab_client_wg_pids() {
	local p
	for p in $(ip netns pids "$NS_CLIENT"); do
		if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = wireguard-go ]; then
			echo "$p"
		fi
	done
}

# The wireguard-go that drives the client's interface $1 (default fexyn0,
# fexyn connect's first tunnel; its hot standby has one of its own).
lab_client_wg_pid() { # [ifname]
	local p want=${1:-fexyn0}
	for p in $(lab_client_wg_pids); do
		[ "$(tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null | tail -n 1)" = "$want" ] && echo "$p"
	done
	return 0
}

# The tunnel `fexyn connect` made (fexyn0): its backend, read from the
# kernel, not from fexynd: "kernel" (a wireguard link), "userspace" (a tun
# driven by wireguard-go), or empty when there is none.
FX_TUN=fexyn0
fx_tunnel_backend() {
	case $(lab_link_kind "$NS_CLIENT" "$FX_TUN") in
	wireguard) echo kernel ;;
	tun) echo userspace ;;
	esac
}

# Kills fexyn's tunnel under it, as a crash would: wireguard-go is SIGKILLed;
# a kernel link has no process, so it is deleted. Fails if there is none.
fx_tunnel_kill() {
	local pid
	case $(fx_tunnel_backend) in
	kernel) ip -n "$NS_CLIENT" link del "$FX_TUN" ;;
	userspace)
		pid=$(lab_client_wg_pid)
		[ -n "$pid" ] && kill -9 "$pid"
		;;
	*) return 1 ;;
	esac
}

# `wg show fexyn0 ARGS`: through netlink for the kernel's WireGuard, through
# wireguard-go's UAPI socket (in its private /run/wireguard) otherwise.
fx_wg_show() { # wg-show-args...
	local pid
	if [ "$(fx_tunnel_backend)" = kernel ]; then
		ip netns exec "$NS_CLIENT" wg show "$FX_TUN" "$@"
	else
		pid=$(lab_client_wg_pid)
		[ -n "$pid" ] || return 1
		nsenter --target "$pid" --mount --net wg show "$FX_TUN" "$@"
	fi
}

# The client namespace's routing, links, resolver and firewall, to compare
# before connect and after disconnect.
lab_client_snapshot() {
	# Link-local IPv6 addresses finish duplicate detection in their own time.
	for _ in $(seq 100); do
		[ -z "$(ip -n "$NS_CLIENT" addr show tentative)" ] && break
		sleep 0.05
	done
	{
		ip -n "$NS_CLIENT" rule
		ip -n "$NS_CLIENT" route show table all
		ip -n "$NS_CLIENT" -6 route show table all
		ip -n "$NS_CLIENT" -o link | sed 's/^[0-9]*: //; s/ link\/.*//'
		ip -n "$NS_CLIENT" -o addr | sed 's/^[0-9]*: //'
		ip netns exec "$NS_CLIENT" cat /etc/resolv.conf
		[ -z "${FX_RESOLV:-}" ] || cat "$FX_RESOLV"
		ip netns exec "$NS_CLIENT" sysctl -n net.ipv4.conf.all.src_valid_mark
		ip netns exec "$NS_CLIENT" nft list ruleset
	} 2>&1
}

# The usual start of a test: the lab, fexynd, the tunnel guarded and up.
fx_lab_connected() {
	lab_init
	lab_up
	fx_start
	fx_guard_lab
	fx_wait_state connected
}

# A UDP flow from the client to the web host, in the background.
flow_start() { # rate seconds
	web_counters_reset
	ip netns exec "$NS_CLIENT" "$FLOOD_BIN" --to "$WEB:9999" --rate "$1" --seconds "$2" \
		>"$LAB_TMP/flow.out" &
	FLOW_PID=$!
}

# Polls (≤ 5 s) until the web host has counted more than $1 packets via the tunnel.
flow_wait_tunnel() {
	for _ in $(seq 100); do
		[ "$(web_counter tunnel)" -gt "$1" ] && return 0
		sleep 0.05
	done
	echo "the flow did not reach the web host through the tunnel" >&2
	return 1
}

# Waits for the flow to end; leaves FLOW_OUT, TUNNEL_COUNT and LEAK_COUNT.
flow_finish() {
	wait "$FLOW_PID"
	FLOW_OUT=$(cat "$LAB_TMP/flow.out")
	TUNNEL_COUNT=$(web_counter tunnel)
	LEAK_COUNT=$(web_counter leak)
	echo "  flow: $FLOW_OUT; at the web host: tunnel=$TUNNEL_COUNT leak=$LEAK_COUNT"
}

# Routing, links, addresses, resolver: what a finished disconnect restores
# (the kernel's own routes left out: they come and go with addresses).
fx_routing_snapshot() {
	ip -n "$NS_CLIENT" rule
	ip -n "$NS_CLIENT" route show table all | grep -v ' proto kernel ' || true
	ip -n "$NS_CLIENT" -6 route show table all | grep -v ' proto kernel ' || true
	ip -n "$NS_CLIENT" -o link | sed 's/^[0-9]*: //; s/ link\/.*//; s/state [A-Z]* //'
	cat "$FX_RESOLV"
}

# Real users for the access tests, made by the test and removed by
# fx_teardown. Create them (and group fexyn, which fexynd looks up when it
# starts) before fx_start.
FX_USERS=()
FX_MADE_GROUP=
fx_user_add() { # name [--fexyn]: a system user without home or shell, maybe in group fexyn
	local groups=()
	if [ "${2:-}" = --fexyn ]; then
		if ! getent group fexyn >/dev/null; then
			groupadd --system fexyn
			FX_MADE_GROUP=1
		fi
		groups=(-G fexyn)
	fi
	useradd --system --no-create-home --shell /usr/sbin/nologin "${groups[@]}" "$1"
	FX_USERS+=("$1")
}

# A program run as a user, with that user's groups, from the host.
fx_as() { # user program args...
	local u=$1
	shift
	setpriv --reuid "$u" --regid "$(id -g "$u")" --init-groups "$@"
}

# The same in the background; the program's own PID (setpriv execs it) in
# AS_PID and LAB_PIDS, so that killing it kills the program, not a subshell.
fx_as_bg() { # user program args...
	local u=$1
	shift
	setpriv --reuid "$u" --regid "$(id -g "$u")" --init-groups "$@" &
	AS_PID=$!
	LAB_PIDS+=("$AS_PID")
}

# fexyn run as a user against this run's daemon.
as_user() { # user fexyn-args...
	local u=$1
	shift
	fx_as "$u" "$FEXYN_BIN" --socket "$FX_SOCK" "$@"
}

# Exit status and output of a command, without stopping the test.
run() { # command...
	OUT=$("$@" 2>&1) && RC=0 || RC=$?
}

# The connection flood of test-stall.sh and bench/attack.sh: 8 unprivileged
# users hold 10 connections each and open them again whenever fexynd
# refuses or drops them (connflood --reconnect).
FLOODERS=()
FLOOD_PIDS=()
fx_flooders_add() {
	local i
	for i in 1 2 3 4 5 6 7 8; do
		fx_user_add "fxf$$-$i"
		FLOODERS+=("fxf$$-$i")
	done
}

fx_flood_reported() {
	local u
	for u in "${FLOODERS[@]}"; do
		grep -q '^open=' "$LAB_TMP/flood-$u.out" 2>/dev/null || return 1
	done
}

# Starts the flood for SECONDS and polls (≤ 10 s) until every flooder has
# said what it holds; leaves the number of connections held in FLOOD_HELD.
fx_flood_start() { # seconds
	local u
	for u in "${FLOODERS[@]}"; do
		fx_as_bg "$u" "$CONNFLOOD_BIN" "$FX_SOCK" 10 "$1" --reconnect >"$LAB_TMP/flood-$u.out" 2>&1
		FLOOD_PIDS+=("$AS_PID")
	done
	for _ in $(seq 200); do
		fx_flood_reported && break
		sleep 0.05
	done
	FLOOD_HELD=$(cat "$LAB_TMP"/flood-*.out | awk -F'[= ]' '/^open=/ { n += $2 } END { print n + 0 }')
	fx_flood_reported
}

# A user cannot be deleted while a process runs as it: the test's own
# processes (by PID, from LAB_PIDS) that run as one of its users go first.
fx_users_remove() {
	local pid u uid
	for u in "${FX_USERS[@]}"; do
		uid=$(id -u "$u" 2>/dev/null) || continue
		for pid in "${LAB_PIDS[@]}"; do
			if [ "$(stat -c %u "/proc/$pid" 2>/dev/null)" = "$uid" ]; then
				kill -9 "$pid" 2>/dev/null || true
				wait "$pid" 2>/dev/null || true # and no "Killed" notice
			fi
		done
	done
	for u in "${FX_USERS[@]}"; do
		for _ in $(seq 100); do
			userdel "$u" 2>/dev/null && break
			id "$u" >/dev/null 2>&1 || break
			sleep 0.02
		done
	done
	FX_USERS=()
	[ -z "$FX_MADE_GROUP" ] || groupdel fexyn 2>/dev/null || true
	FX_MADE_GROUP=
}

fx_teardown() {
	fx_kill9
	fx_users_remove
}

# A check that prints what it asserts and fails the test when false.
check() { # description command...
	local what=$1
	shift
	if "$@"; then
		echo "  ok: $what"
	else
		echo "FAIL $TEST_NAME: $what" >&2
		echo "FAIL $TEST_NAME: $what"
		exit 1
	fi
}

# For checks that something must fail: `check "…" not cmd`.
not() { ! "$@"; }

check_eq() { # description actual expected
	check "$1 ($2 = $3)" [ "$2" = "$3" ]
}

check_gt() { # description actual floor
	check "$1 ($2 > $3)" [ "$2" -gt "$3" ]
}

# Polls (≤ 10 s) until fexynd's hot standby has made its handshake.
fx_wait_standby() {
	for _ in $(seq 200); do
		[ "$(fx status --json | jq -r .standby_state)" = ready ] && return 0
		sleep 0.05
	done
	echo "the standby is '$(fx status --json | jq -r .standby_state)', not ready" >&2
	return 1
}

# gapmeter on the web host: the flow's arrivals through either server
# (the tunnel's packets, never a leak's), timed where they arrive.
GAPMETER_BIN=$FEXYN_BUILD/tests/lab/gapmeter
gapmeter_start() { # [csv-file]
	ip netns exec "$NS_WEB" nft insert rule inet lab in \
		ip saddr "{ $VPN_EP, $VPN2_EP }" udp dport 9999 accept
	rm -f "$LAB_TMP/gapmeter.ready"
	ip netns exec "$NS_WEB" "$GAPMETER_BIN" --port 9999 --ready "$LAB_TMP/gapmeter.ready" \
		--from "$VPN_EP" --from "$VPN2_EP" ${1:+--csv "$1"} >"$LAB_TMP/gapmeter.out" &
	GAPMETER_PID=$!
	LAB_PIDS+=("$GAPMETER_PID")
	for _ in $(seq 100); do
		[ -f "$LAB_TMP/gapmeter.ready" ] && return 0
		sleep 0.02
	done
	return 1
}

# Stops gapmeter; leaves GAP_MS (the longest gap) and GAP_END_MS.
gapmeter_finish() {
	kill "$GAPMETER_PID"
	wait "$GAPMETER_PID" || true
	GAP_MS=$(sed -n 's/.*longest_gap_ms=\([0-9]*\).*/\1/p' "$LAB_TMP/gapmeter.out")
	GAP_END_MS=$(sed -n 's/.*gap_end_ms=\([0-9]*\).*/\1/p' "$LAB_TMP/gapmeter.out")
	echo "  gapmeter: $(cat "$LAB_TMP/gapmeter.out")"
}

# Polls (≤ $2 s) until fexynd has switched to a standby $1 times.
fx_wait_switches() { # count seconds
	for _ in $(seq $(($2 * 20))); do
		[ "$(fx status --json | jq -r .switches)" = "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
