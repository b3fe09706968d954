# shellcheck shell=bash
# The system test's guest side, run by systest.service (systest-driver) from
# the host's share at /systest on every boot of the guest. Where it is in the
# test is kept in /var/lib/systest/phase, on the guest's own disk:
#
#   boot 1: the early sender without fexyn (the control: its packets leave),
#           a snapshot of the network, install the package, systemd-analyze
#           security, fexyn connect (kernel WireGuard), lockdown on, reboot;
#   boot 2: what left during the boot (early sender's log, the lab's
#           counters; the host adds QEMU's capture of the wire), the tunnel
#           back, the package upgraded under a 20,000 packets/s flow, then
#           removed and purged, the network compared with the snapshot;
#           poweroff.
#
# Results go to /systest/out/results as the host prints them: "PASS what",
# "FAIL what: why", "INFO what", "TIME what seconds". Progress goes to the
# serial console (this unit's output) as "SYSTEST: ..." lines.
set -uo pipefail

S=/systest
OUT=$S/out
LIB=/var/lib/systest
EARLY_LOG=/run/systest/early.log
WEB=198.51.100.20
ROUTER=192.168.77.1
mkdir -p "$OUT" "$LIB"
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

say() { echo "SYSTEST: $*"; }
result() { echo "$*" >>"$OUT/results"; echo "SYSTEST: $*"; }
pass() { result "PASS $1"; }
fail() { result "FAIL $1: ${2:-failed}"; }
info() { result "INFO $*"; }
timing() { result "TIME $1 $2"; }
check() { # what command...
	local what=$1
	shift
	if "$@" >>"$OUT/check.log" 2>&1; then pass "$what"; else fail "$what" "$*"; return 1; fi
}
check_eq() { # what actual expected
	if [ "$2" = "$3" ]; then pass "$1 ($2)"; else fail "$1" "got '$2', expected '$3'"; return 1; fi
}
check_le() { # what actual ceiling
	if [ "$2" -le "$3" ] 2>/dev/null; then pass "$1 ($2)"; else fail "$1" "got '$2', expected at most $3"; return 1; fi
}
check_gt() { # what actual floor
	if [ "$2" -gt "$3" ] 2>/dev/null; then pass "$1 ($2)"; else fail "$1" "got '$2', expected more than $3"; return 1; fi
}
not() { ! "$@"; }

# The end of the test, whatever happened: the host waits for "done".
finish() {
	say "finishing: $1"
	journalctl -b --no-pager >"$OUT/journal-$phase.txt" 2>&1 || true
	echo "$1" >"$OUT/done"
	sync
	REBOOTING=1
	systemctl poweroff
	exit 0
}
abort() { fail "$1" "${2:-}"; finish "aborted: $1"; }

uptime_s() { cut -d' ' -f1 /proc/uptime; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# A line in the wire's capture: a UDP datagram to the router (a LAN address,
# which fexyn allows in every state) whose payload names the moment. The host
# splits the capture of the wire at these marks.
mark() {
	say "mark $1"
	echo "mark $1 $(uptime_s)" >>"$OUT/marks"
	printf 'fexyn-systest mark %s' "$1" 2>/dev/null >"/dev/udp/$ROUTER/7" || true
}

counter() { # namespace counter
	ip netns exec "lab-$1" nft -j list counter inet lab "$2" |
		jq '.nftables[] | select(.counter) | .counter.packets'
}
counters_reset() {
	ip netns exec lab-web nft reset counters table inet lab >/dev/null
	ip netns exec lab-router nft reset counters table inet lab >/dev/null
}

state() { fexyn status --json 2>/dev/null | jq -r .state 2>/dev/null; }
wait_state() { # state seconds
	local end=$((SECONDS + $2))
	while [ $SECONDS -lt $end ]; do
		[ "$(state)" = "$1" ] && return 0
		sleep 0.2
	done
	return 1
}
wait_for() { # seconds command...: polls a condition
	local end=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $end ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# What fexyn may change and must put back: routes, rules, links,
# addresses, the firewall, the resolver, the sysctl it sets.
snapshot() { # dir
	mkdir -p "$1"
	ip -4 route show table all >"$1/route4"
	ip -6 route show table all >"$1/route6"
	ip -4 rule >"$1/rule4"
	ip -6 rule >"$1/rule6"
	ip -br link | awk '{ print $1 }' >"$1/links"
	ip -br addr >"$1/addrs"
	nft list ruleset >"$1/ruleset"
	cat /etc/resolv.conf >"$1/resolv.conf"
	stat -c '%F %a %U:%G' /etc/resolv.conf >"$1/resolv.stat"
	sysctl -n net.ipv4.conf.all.src_valid_mark >"$1/src_valid_mark"
}

# Monotonic microseconds of a unit's timestamp property (0: never).
mono() { systemctl show -P "$2" "$1"; }
ms() { echo $(($1 / 1000)); }

# The early sender's log, after it stopped: each outcome's first time.
early_stop() {
	touch /run/systest/early.stop
	wait_for 10 grep -q '^summary' "$EARLY_LOG" || info "the early sender did not stop"
	cp "$EARLY_LOG" "$OUT/$1-early.log"
}
early_first() { # outcome: ms of its first occurrence, or "-"
	awk -v o="$1" '$2 == o { print $1; found = 1; exit } END { if (!found) print "-" }' "$EARLY_LOG"
}
early_summary() { # field
	sed -n "s/^summary.* $1=\([^ ]*\).*/\1/p" "$EARLY_LOG"
}

# ---------------------------------------------------------------------------

boot1() {
	local t0 t deb_old conf
	say "boot 1 at uptime $(uptime_s) s"
	info "boot 1: driver started at uptime $(uptime_s) s"
	systemd-analyze time >"$OUT/boot1-analyze.txt" 2>&1 || true
	systemd-analyze critical-chain >>"$OUT/boot1-analyze.txt" 2>&1 || true
	check "boot 1: systemd is PID 1" test "$(cat /proc/1/comm)" = systemd
	check "boot 1: Debian 12" grep -q 'VERSION_ID="12"' /etc/os-release
	info "boot 1: kernel $(uname -r)"
	check "boot 1: the lab came up in early boot" systemctl is-active systest-lab.service

	# --- the control: without fexyn, the early sender's packets leave ---
	wait_for 60 grep -q ' sent$' "$EARLY_LOG" || true
	wait_for 20 test "$(counter web leak)" -gt 0 || true
	early_stop boot1
	check_gt "control: without fexyn the early sender's datagrams are sent" \
		"$(early_summary sent)" 0
	check_gt "control: and the lab's web host counts them from the guest's real address" \
		"$(counter web leak)" 0
	info "control: first datagram sent at $(early_first sent) ms, systemd-networkd started at $(ms "$(mono systemd-networkd ExecMainStartTimestampMonotonic)") ms"
	mark control-end

	snapshot "$LIB/before"
	cp -r "$LIB/before" "$OUT/snapshot-before"
	check "before install: no nftables ruleset in the guest" test ! -s "$LIB/before/ruleset"

	# --- install ---
	deb_old=$(ls "$S"/debs/old/fexyn_*.deb)
	t0=$(now)
	check "install: dpkg -i $(basename "$deb_old")" dpkg -i "$deb_old" ||
		abort "install" "dpkg -i failed"
	timing install "$(since "$t0")"
	wait_for 20 systemctl is-active fexynd.service || true
	check "install: fexynd.service is active" systemctl is-active fexynd.service
	check "install: fexynd.service is enabled" systemctl is-enabled fexynd.service
	check "install: fexyn-early-boot.service is enabled" systemctl is-enabled fexyn-early-boot.service
	check "install: fexyn-early-boot.service was not started" \
		test "$(systemctl show -P ActiveState fexyn-early-boot.service)" = inactive
	check "install: the group fexyn exists" getent group fexyn
	check "install: fexyn status answers" fexyn status
	check_eq "install: nothing blocked before a connect (no table)" \
		"$(nft list tables | grep -c fexyn)" 0
	systemctl status --no-pager fexynd.service >"$OUT/fexynd-status.txt" 2>&1 || true
	systemd-analyze security --no-pager fexynd.service >"$OUT/security-fexynd.txt" 2>&1 || true
	systemd-analyze security --no-pager fexyn-early-boot.service \
		>"$OUT/security-fexyn-early-boot.txt" 2>&1 || true
	info "systemd-analyze security fexynd: $(grep -o 'Overall exposure level.*' "$OUT/security-fexynd.txt")"

	# --- connect with kernel WireGuard ---
	conf=$LIB/vpn1.conf
	(umask 077 && cat >"$conf") <<-CONF
	[Interface]
	PrivateKey = $(cat "$LIB/keys/client.key")
	Address = 10.66.0.2/32
	DNS = 10.66.0.1

	[Peer]
	PublicKey = $(cat "$LIB/keys/server.pub")
	AllowedIPs = 0.0.0.0/0, ::/0
	Endpoint = 198.51.100.10:51820
	CONF
	t0=$(now)
	check "connect: fexyn connect --backend kernel" fexyn connect --backend kernel "$conf" ||
		{ journalctl -u fexynd -b --no-pager >"$OUT/fexynd-boot1.log"; abort connect; }
	timing connect "$(since "$t0")"
	check_eq "connect: state" "$(state)" connected
	check "connect: fexyn0 is kernel WireGuard" sh -c 'ip -d link show fexyn0 | grep -qw wireguard'
	check "connect: the resolver is the tunnel's" grep -qx 'nameserver 10.66.0.1' /etc/resolv.conf
	check "connect: table inet fexyn is loaded" nft list table inet fexyn
	counters_reset
	ping -c 3 -i 0.3 -W 2 "$WEB" >>"$OUT/check.log" 2>&1 || true
	check_gt "connect: pings reach the web host through the tunnel" "$(counter web tunnel)" 0
	check_eq "connect: none from the real address" "$(counter web leak)" 0
	mark connected

	check "lockdown: fexyn lockdown on" fexyn lockdown on
	check "lockdown: the setting is saved" grep -qx 'lockdown=on' /var/lib/fexyn/settings
	fexyn status >"$OUT/status-before-reboot.txt" 2>&1 || true
	nft list ruleset >"$OUT/ruleset-before-reboot.txt" 2>&1 || true
	journalctl -b --no-pager >"$OUT/journal-boot1.txt" 2>&1 || true

	# For the next boot only: fexynd starts once the guest's uplink has its
	# address and default route. Unordered, fexynd started before the network
	# in this guest, and then it is fexynd that blocks; held back, the
	# network is up and sending while only fexyn-early-boot's table stands in
	# the way: the window this test is about. boot 2 removes this again.
	mkdir -p /etc/systemd/system/fexynd.service.d
	cat >/etc/systemd/system/fexynd.service.d/systest-after-network.conf <<-'UNIT'
	[Unit]
	After=systemd-networkd.service
	[Service]
	ExecStartPre=/bin/sh -c 'for i in $$(seq 900); do ip -4 route show default | grep -q . && exit 0; sleep 0.2; done'
	UNIT
	echo boot2 >"$LIB/phase"
	sync
	mark reboot
	info "boot 1: reboot at uptime $(uptime_s) s"
	REBOOTING=1
	systemctl reboot
	exit 0
}

boot2() {
	local t0 fexynd_ms eb_start eb_exit nd_start lab_up es_start first_sent first_eperm v_old v_new
	local pid_old pid_new flood_pid tun_before tun_after tun_end deb_new
	say "boot 2 at uptime $(uptime_s) s"
	info "boot 2: driver started at uptime $(uptime_s) s"
	systemd-analyze time >"$OUT/boot2-analyze.txt" 2>&1 || true
	systemd-analyze critical-chain fexynd.service >>"$OUT/boot2-analyze.txt" 2>&1 || true

	wait_for 120 systemctl is-active fexynd.service ||
		abort "boot 2: fexynd.service is active" "$(systemctl is-active fexynd.service)"
	wait_for 20 fexyn status || true
	mark fexynd-up
	pass "boot 2: fexynd.service is active"

	# --- what left during the boot ---
	early_stop boot2
	fexynd_ms=$(ms "$(mono fexynd.service ExecMainStartTimestampMonotonic)")
	eb_start=$(ms "$(mono fexyn-early-boot.service ExecMainStartTimestampMonotonic)")
	eb_exit=$(ms "$(mono fexyn-early-boot.service ExecMainExitTimestampMonotonic)")
	nd_start=$(ms "$(mono systemd-networkd.service ExecMainStartTimestampMonotonic)")
	lab_up=$(ms "$(mono systest-lab.service ActiveEnterTimestampMonotonic)")
	es_start=$(ms "$(mono systest-early-send.service ExecMainStartTimestampMonotonic)")
	first_sent=$(early_first sent)
	first_eperm=$(early_first eperm)
	{
		echo "boot 2, CLOCK_MONOTONIC ms since the kernel started:"
		echo "  early sender started          $es_start"
		echo "  fexyn-early-boot started      $eb_start"
		echo "  fexyn-early-boot done         $eb_exit"
		echo "  lab up (far end of the wire)  $lab_up"
		echo "  systemd-networkd started      $nd_start"
		echo "  early sender: first EPERM     $first_eperm"
		echo "  fexynd started                $fexynd_ms"
		echo "  early sender: first sent      $first_sent"
		echo "  early sender: $(grep '^summary' "$EARLY_LOG")"
	} | tee "$OUT/boot2-timeline.txt"
	info "boot 2 timeline (ms): sender $es_start, fexyn-early-boot $eb_start-$eb_exit, lab $lab_up, networkd $nd_start, first EPERM $first_eperm, fexynd $fexynd_ms, first sent $first_sent"
	check_eq "boot 2: fexyn-early-boot ran and succeeded" \
		"$(systemctl show -P Result fexyn-early-boot.service)/$(systemctl show -P ActiveState fexyn-early-boot.service)" \
		success/active
	check "boot 2: fexyn-early-boot was done before systemd-networkd started" \
		test "$eb_exit" -gt 0 -a "$eb_exit" -le "$nd_start"
	check "boot 2: the early sender ran before the network was configured" \
		test "$es_start" -gt 0 -a "$es_start" -lt "$nd_start"
	check "boot 2: the network was configured before fexynd started (the test's drop-in)" \
		test "$nd_start" -lt "$fexynd_ms"
	check "boot 2: it was refused (EPERM) before fexynd started: the network was up and blocked" \
		test "$first_eperm" != - -a "${first_eperm/-/0}" -lt "$fexynd_ms"
	check "boot 2: no datagram of the early sender was sent before fexynd started" \
		test "$first_sent" = - -o "${first_sent/-/0}" -gt "$fexynd_ms"
	check_eq "boot 2: packets from the real address at the web host since the lab came up" \
		"$(counter web leak)" 0
	check_eq "boot 2: packets the router forwarded from the wire (not WireGuard) since the lab came up" \
		"$(counter router uplink)" 0
	check "boot 2: lockdown is still on" grep -qx 'lockdown=on' /var/lib/fexyn/settings
	journalctl -b -u fexyn-early-boot -u fexynd --no-pager >"$OUT/fexyn-boot2.log" 2>&1 || true
	rm -rf /etc/systemd/system/fexynd.service.d
	systemctl daemon-reload

	# --- the tunnel after the reboot ---
	t0=$(now)
	if wait_state connected 60; then
		pass "boot 2: fexynd brought the tunnel back by itself ($(since "$t0") s after fexynd-up)"
	else
		info "boot 2: not connected by itself after 60 s (state $(state)); fexyn connect again"
		check "boot 2: fexyn connect" fexyn connect --backend kernel "$LIB/vpn1.conf" ||
			abort "boot 2: connect"
	fi
	counters_reset
	ping -c 3 -i 0.3 -W 2 "$WEB" >>"$OUT/check.log" 2>&1 || true
	check_gt "boot 2: traffic goes through the tunnel" "$(counter web tunnel)" 0
	mark upgrade-start

	# --- upgrade under a 20,000 packets/s flow ---
	counters_reset
	deb_new=$(ls "$S"/debs/new/fexyn_*.deb)
	v_old=$(dpkg-query -W -f='${Version}' fexyn)
	pid_old=$(systemctl show -P MainPID fexynd.service)
	# udpflood sends rate x seconds datagrams however long it takes, so the
	# flow is a loop of 1 s runs (20,000 datagrams each) until the test says stop; each run prints
	# what it sent, which gives the rate the emulated guest reached.
	rm -f /run/systest/flood.stop
	(
		while [ ! -e /run/systest/flood.stop ]; do
			s=$(now)
			/systest/udpflood --to "$WEB:9999" --rate 20000 --seconds 1
			echo " in $(since "$s") s"
		done
	) >"$OUT/flood.out" 2>&1 &
	flood_pid=$!
	t0=$(now)
	wait_for 30 test "$(counter web tunnel)" -gt 1000 ||
		info "upgrade: the flow did not reach 1000 packets through the tunnel in 30 s"
	info "upgrade: the flow's first 1000 packets through the tunnel took $(since "$t0") s"
	tun_before=$(counter web tunnel)
	t0=$(now)
	check "upgrade: dpkg -i $(basename "$deb_new")" sh -c "dpkg -i '$deb_new' >'$OUT/upgrade.log' 2>&1"
	timing upgrade-dpkg "$(since "$t0")"
	if wait_state connected 30; then
		timing upgrade-until-connected "$(since "$t0")"
	fi
	tun_after=$(counter web tunnel)
	# The flow goes on until 5000 more packets came through the tunnel
	# after the restart (or 60 s), then stops.
	wait_for 60 test "$(counter web tunnel)" -gt $((tun_after + 5000)) || true
	touch /run/systest/flood.stop
	wait "$flood_pid"
	tun_end=$(counter web tunnel)
	info "upgrade: udpflood runs (sent, failed, seconds): $(tr '\n' ' ' <"$OUT/flood.out")"
	v_new=$(dpkg-query -W -f='${Version}' fexyn)
	pid_new=$(systemctl show -P MainPID fexynd.service)
	info "upgrade: through the tunnel: $tun_before before dpkg, $tun_after after, $tun_end at the end"
	check "upgrade: the version changed ($v_old -> $v_new)" test "$v_old" != "$v_new"
	check "upgrade: fexynd was restarted (PID $pid_old -> $pid_new)" \
		test "$pid_new" != "$pid_old" -a "$pid_new" != 0
	check "upgrade: the restart is in the journal" \
		sh -c "journalctl -b -u fexynd --no-pager | grep -q 'Stopp'"
	check_eq "upgrade: fexyn status after" "$(state)" connected
	check_gt "upgrade: the flow goes on through the tunnel after the restart" \
		"$((tun_end - tun_after))" 0
	check_eq "upgrade: packets from the real address at the web host" "$(counter web leak)" 0
	check_eq "upgrade: packets the router forwarded from the wire (not WireGuard)" \
		"$(counter router uplink)" 0
	mark upgrade-end
	journalctl -b -u fexynd --no-pager >"$OUT/fexynd-boot2.log" 2>&1 || true

	# --- remove and purge ---
	t0=$(now)
	check "remove: dpkg -r fexyn" sh -c "dpkg -r fexyn >'$OUT/remove.log' 2>&1"
	check_eq "remove: no fexyn table (nft list tables)" "$(nft list tables | grep -c fexyn)" 0
	check "remove: the tunnel link is gone" not ip link show fexyn0
	check "purge: dpkg -P fexyn" sh -c "dpkg -P fexyn >>'$OUT/remove.log' 2>&1"
	timing remove-purge "$(since "$t0")"
	check_eq "purge: no fexyn table (nft list tables)" "$(nft list tables | grep -c fexyn)" 0
	check "purge: /var/lib/fexyn is gone" test ! -e /var/lib/fexyn
	snapshot "$LIB/after"
	cp -r "$LIB/after" "$OUT/snapshot-after"
	local f
	for f in route4 route6 rule4 rule6 links addrs ruleset resolv.conf resolv.stat src_valid_mark; do
		if diff -u "$LIB/before/$f" "$LIB/after/$f" >"$OUT/diff-$f" 2>&1; then
			pass "purge: $f as before install"
			rm -f "$OUT/diff-$f"
		else
			fail "purge: $f as before install" "$(tr '\n' ' ' <"$OUT/diff-$f")"
		fi
	done
	mark end
	finish "boot 2 complete"
}

# An unexpected exit (a failed command under set -u, say) still ends the
# test and powers off; only the reboot at the end of boot 1 leaves otherwise.
REBOOTING=0
on_exit() {
	local rc=$?
	[ "$REBOOTING" = 1 ] || finish "guest.sh exited early (status $rc)"
}
trap on_exit EXIT
phase=$(cat "$LIB/phase" 2>/dev/null || echo boot1)
case $phase in
boot1) boot1 ;;
boot2) boot2 ;;
*) finish "already done (phase $phase)" ;;
esac
