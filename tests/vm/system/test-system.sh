#!/usr/bin/env bash
# The system test: fexyn's Debian package on a real Debian 12 with systemd as
# PID 1 and Debian's own 6.1 kernel, under QEMU. Install, connect (kernel
# WireGuard), lockdown, reboot, upgrade under a flow, remove and purge — and
# count what leaves the machine all along.
#
#   host (this script, root)            QEMU (no host network: two NICs joined by
#     builds the .deb twice               a QEMU hub, no host backend; the wire
#     (the second one's version           between them is captured to wire.pcap)
#     bumped), the cached image        ┌─────────────────────────────────────────────┐
#     (image.sh), a run directory      │ guest (root ns): systemd, fexynd, eth0       │
#     with a 9p share:                 │   192.168.77.2 ═══ wire ═══ lab-router ──┬── lab-vpn (kernel wg)
#       guest.sh, the .debs, udpflood  │   early sender (systest-early-send)      └── lab-web (counts)
#       out/ (results, logs)           │   systest.service → /systest/guest.sh     │
#                                      └─────────────────────────────────────────────┘
#
# What counts as a leak, and where it is counted:
#   - QEMU's capture of the wire (wire.pcap, outside the guest, from QEMU's
#     start to its exit, across the reboot): every IP packet from the guest's
#     uplink that is neither to a LAN address nor a WireGuard message to the
#     VPN server (wire.py). It sees a packet even before the lab exists (the
#     router's MAC is a static neighbour entry in the guest's network config).
#   - the lab's own counters (web host: packets from the guest's real address;
#     router: anything it forwards from the wire but WireGuard), from the
#     moment the lab is built in each boot, which is before the guest's
#     network is configured (systest-lab.service, Before=network-pre.target);
#   - the early sender's log: what the kernel answered to each datagram.
# The first boot runs the same early sender without fexyn: its packets leave
# and all three count them, which shows that a leak would be counted.
#
# Run as root. Prints PASS/FAIL/INFO/TIME lines and exits non-zero on any
# FAIL; "SKIP system: why" and exit 0 only when QEMU or debootstrap cannot
# run at all. Everything goes to build/vm/system/ (runs/<time>/ keeps the
# logs, the capture, the security report of the last runs).
#
# Environment: FEXYN_VM_ACCEL=kvm|tcg skips the KVM probe;
# FEXYN_VM_KERNEL_SH=path overrides tests/vm/kernel.sh.
set -Eeuo pipefail
# The whole script is one block, read before it runs: editing the file while
# a run goes on (it takes many minutes) cannot change that run.
{
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
OUTROOT=$repo/build/vm/system
GUEST_MAC=52:54:00:77:00:02
WIRE_MAC=52:54:00:77:00:01
RUN=
QEMU_PID=
PROBE_PID=
FAILED=0
T_START=$SECONDS

teardown() {
	local p
	for p in "$PROBE_PID" "$QEMU_PID"; do
		[ -n "$p" ] || continue
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	# The run's disk is a 3 GB (sparse) copy: only the logs are kept.
	[ -z "$RUN" ] || rm -f "$RUN/root.img" "$RUN/probe.log"
	[ -z "${BUILD_TMP:-}" ] || rm -rf "$BUILD_TMP"
}
trap teardown EXIT
trap 'exit 130' INT TERM

say() { echo "--- $*"; }
pass() { echo "PASS system: $*"; }
fail() { echo "FAIL system: $*"; FAILED=1; }
die() { echo "FAIL system: $*"; exit 1; }
skip() { echo "SKIP system: $*"; exit 0; }
trap 'die "line $LINENO: $BASH_COMMAND (exit $?)"' ERR
timing() { echo "TIME system: $1 $2 s"; }

[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap, QEMU, the package build)"

# --- what the host needs ---------------------------------------------------------

packages=(
	qemu-system-x86 debootstrap e2fsprogs python3 gcc libc6-dev
	# the package build, as tests/pkg/test-deb.sh does it
	debhelper dpkg-dev fakeroot meson ninja-build pkg-config
	libmnl-dev libnftnl-dev libcmocka-dev systemd
)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
		>/dev/null 2>&1; then
		for p in qemu-system-x86 debootstrap; do
			dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
				skip "$p is not installed and cannot be installed"
		done
		die "could not install ${missing[*]}"
	fi
fi
qemu-system-x86_64 --version >/dev/null 2>&1 || skip "qemu-system-x86_64 does not run"
debootstrap --version >/dev/null 2>&1 || skip "debootstrap does not run"

mkdir -p "$OUTROOT/runs"
RUN=$OUTROOT/runs/$(date +%Y%m%d-%H%M%S)-$$
SHARE=$RUN/share
mkdir -p "$SHARE/out" "$SHARE/debs/old" "$SHARE/debs/new"
echo "run directory: $RUN"

# --- the kernel: Debian 12's own 6.1 --------------------------------------------

kernel_sh=${FEXYN_VM_KERNEL_SH:-$repo/tests/vm/kernel.sh}
[ -x "$kernel_sh" ] || die "no $kernel_sh (it unpacks Debian's kernel package)"
t=$SECONDS
KROOT=$(FEXYN_VM_CACHE=${FEXYN_VM_CACHE:-$repo/build/vm} "$kernel_sh" 6.1 | tail -n 1)
[ -d "$KROOT/lib/modules" ] || die "kernel.sh gave no kernel ($KROOT)"
echo "kernel: $(basename "$KROOT") ($((SECONDS - t)) s)"

# --- the two packages: the tree's version, and the same with a bumped version ----

BUILD_TMP=$(mktemp -d "$OUTROOT/.debs.XXXXXX")
src=$BUILD_TMP/src
mkdir -p "$src"
# Tracked files and new ones not ignored, as tests/pkg/test-deb.sh copies them,
# but for this test's own directory: not part of the package, and editing it
# must not make the packages (and their cache) new.
(cd "$repo" && git ls-files -z --cached --others --exclude-standard |
	grep -zv '^tests/vm/system/' |
	tar --null -T - --ignore-failed-read --sort=name --mtime=@0 --owner=0 --group=0 \
		--numeric-owner -cf - 2>/dev/null) >"$BUILD_TMP/tree.tar"
tree=$(sha256sum "$BUILD_TMP/tree.tar" | cut -c1-16)
debs=$OUTROOT/debs-$tree
version=$(tar -xOf "$BUILD_TMP/tree.tar" debian/changelog | dpkg-parsechangelog -l - -S Version)
new_version=$version+systest1
build_deb() { # version dir
	local s=$src/fexyn-$1
	rm -rf "$src"
	mkdir -p "$s"
	tar -C "$s" -xf "$BUILD_TMP/tree.tar"
	if [ "$1" != "$version" ]; then
		# A newer version of the same tree, as the next release would be.
		{
			printf 'fexyn (%s) unstable; urgency=medium\n\n' "$1"
			printf '  * The system test'"'"'s upgrade: the same tree, a newer version.\n\n'
			printf ' -- fexyn system test <systest@invalid>  %s\n\n' "$(date -R)"
			cat "$s/debian/changelog"
		} >"$s/debian/changelog.new"
		mv "$s/debian/changelog.new" "$s/debian/changelog"
	fi
	# The unit tests ran in the first build of this tree (tests/pkg does
	# them too); the second build skips them.
	local opts="parallel=$(nproc)"
	[ "$1" = "$version" ] || opts="$opts nocheck"
	if ! (cd "$s" && DEB_BUILD_OPTIONS="$opts" dpkg-buildpackage -us -uc -b) \
		>"$RUN/build-$1.log" 2>&1; then
		tail -n 30 "$RUN/build-$1.log"
		die "dpkg-buildpackage of $1 failed"
	fi
	mkdir -p "$2"
	mv "$src"/fexyn_"$1"_*.deb "$2/"
}
if [ -d "$debs" ]; then
	say "packages of this tree cached ($debs)"
else
	t=$SECONDS
	say "building fexyn $version and $new_version (dpkg-buildpackage, in a copy of the tree)"
	build_deb "$version" "$BUILD_TMP/debs/old"
	build_deb "$new_version" "$BUILD_TMP/debs/new"
	rm -rf "$OUTROOT"/debs-*
	mv "$BUILD_TMP/debs" "$debs"
	timing packages-built "$((SECONDS - t))"
fi
cp "$debs"/old/*.deb "$SHARE/debs/old/"
cp "$debs"/new/*.deb "$SHARE/debs/new/"

# --- the guest's programs and the image --------------------------------------------

payload=$OUTROOT/payload
rm -rf "$payload"
cp -a "$here/guest-root" "$payload"
mkdir -p "$payload/usr/local/bin"
gcc -std=c17 -O2 -Wall -Wextra -Werror -o "$payload/usr/local/bin/earlysend" \
	"$here/earlysend.c"
gcc -std=c17 -O2 -Wall -Wextra -D_GNU_SOURCE -o "$SHARE/udpflood" "$repo/tests/lab/udpflood.c"
cp "$here/guest.sh" "$SHARE/guest.sh"

t=$SECONDS
IMAGE=$("$here/image.sh" "$KROOT" "$payload" 2> >(tee "$RUN/image.log" >&2) | tail -n 1)
timing image "$((SECONDS - t))"
[ -f "$IMAGE/root.img" ] || die "image.sh made no image"
cp --sparse=always "$IMAGE/root.img" "$RUN/root.img"

# --- KVM if it works here, else TCG ----------------------------------------------------

# A KVM guest hung silently on this kind of machine (nested virtualisation):
# boot the kernel alone for a few seconds and look for its first line.
accel=${FEXYN_VM_ACCEL:-}
if [ -z "$accel" ]; then
	accel=tcg
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		qemu-system-x86_64 -machine pc,accel=kvm -m 256 -nodefaults -no-user-config \
			-display none -monitor none -serial "file:$RUN/probe.log" -no-reboot \
			-kernel "$IMAGE/vmlinuz" -append "console=ttyS0 earlyprintk=serial panic=-1" \
			</dev/null >"$RUN/probe.qemu.log" 2>&1 &
		PROBE_PID=$!
		for _ in $(seq 100); do
			grep -q 'Linux version' "$RUN/probe.log" 2>/dev/null && { accel=kvm; break; }
			kill -0 "$PROBE_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$PROBE_PID" 2>/dev/null || true
		wait "$PROBE_PID" 2>/dev/null || true
		PROBE_PID=
	fi
fi
echo "accelerator: $accel$([ "$accel" = tcg ] && [ -z "${FEXYN_VM_ACCEL:-}" ] && echo " (the KVM probe showed no kernel output in 10 s)")"
if [ "$accel" = kvm ]; then
	machine=(-machine pc,accel=kvm -cpu host)
else
	machine=(-machine pc -accel tcg,thread=multi -cpu max)
fi

# --- boot it --------------------------------------------------------------------------------

# Two CPUs: one QEMU at a time. Another test's QEMU (tests/vm) is waited for.
for _ in $(seq 1800); do
	pgrep qemu-system >/dev/null || break
	[ "${waited:-}" ] || { say "waiting for another QEMU on this machine to end"; waited=1; }
	sleep 1
done
say "booting Debian 12 ($(cat "$IMAGE/kernel-version")) under QEMU"
T_QEMU=$SECONDS
qemu-system-x86_64 "${machine[@]}" -m 1536 -smp 2 \
	-nodefaults -no-user-config -display none -monitor none \
	-serial "file:$RUN/serial.log" \
	-kernel "$IMAGE/vmlinuz" -initrd "$IMAGE/initrd.img" \
	-append "console=ttyS0 root=/dev/vda rw net.ifnames=0 loglevel=4 panic=0" \
	-drive "file=$RUN/root.img,format=raw,if=virtio" \
	-virtfs "local,path=$SHARE,mount_tag=systest,security_model=passthrough,id=systest" \
	-netdev hubport,id=uplink,hubid=0 -device "virtio-net-pci,netdev=uplink,mac=$GUEST_MAC" \
	-netdev hubport,id=wire,hubid=0 -device "virtio-net-pci,netdev=wire,mac=$WIRE_MAC" \
	-object "filter-dump,id=capture,netdev=uplink,file=$RUN/wire.pcap,maxlen=256" \
	</dev/null >"$RUN/qemu.log" 2>&1 &
QEMU_PID=$!

# Follows the guest by polling its serial log and the share; prints its
# results as they come, and when each milestone was first seen.
seen_results=0
declare -A at=()
milestone() { # name pattern file
	[ -n "${at[$1]:-}" ] && return 0
	if grep -q "$2" "$3" 2>/dev/null; then
		at[$1]=$((SECONDS - T_QEMU))
		echo "  [$(printf '%4d' "${at[$1]}") s] $1"
	fi
}
deadline=$((SECONDS + ${FEXYN_VM_TIMEOUT:-3600}))
while :; do
	milestone "boot 1: systemd started" 'Welcome to' "$RUN/serial.log"
	milestone "boot 1: driver running" 'SYSTEST: boot 1 at' "$RUN/serial.log"
	milestone "boot 1: rebooting" '^mark reboot' "$SHARE/out/marks"
	milestone "boot 2: driver running" 'SYSTEST: boot 2 at' "$RUN/serial.log"
	milestone "boot 2: fexynd up" '^mark fexynd-up' "$SHARE/out/marks"
	milestone "upgrade done" '^mark upgrade-end' "$SHARE/out/marks"
	milestone "guest done" . "$SHARE/out/done"
	if [ -f "$SHARE/out/results" ]; then
		n=$(wc -l <"$SHARE/out/results")
		if [ "$n" -gt "$seen_results" ]; then
			sed -n "$((seen_results + 1)),${n}p" "$SHARE/out/results" | sed 's/^/  guest: /'
			seen_results=$n
		fi
	fi
	kill -0 "$QEMU_PID" 2>/dev/null || break
	if grep -q 'Kernel panic' "$RUN/serial.log" 2>/dev/null; then
		fail "the guest's kernel panicked (serial.log)"
		break
	fi
	if [ $SECONDS -ge $deadline ]; then
		fail "the guest did not finish within ${FEXYN_VM_TIMEOUT:-3600} s"
		break
	fi
	if [ -n "${at[guest done]:-}" ] && [ $((SECONDS - T_QEMU - at[guest done])) -gt 120 ]; then
		fail "the guest did not power off within 120 s of finishing"
		break
	fi
	sleep 1
done
if kill -0 "$QEMU_PID" 2>/dev/null; then
	kill -KILL "$QEMU_PID" 2>/dev/null || true
fi
wait "$QEMU_PID" 2>/dev/null || true
QEMU_PID=
timing qemu-total "$((SECONDS - T_QEMU))"
[ -n "${at[boot 1: driver running]:-}" ] && timing boot-1 "${at[boot 1: driver running]}"
if [ -n "${at[boot 2: driver running]:-}" ] && [ -n "${at[boot 1: rebooting]:-}" ]; then
	timing reboot-to-driver "$((at[boot 2: driver running] - at[boot 1: rebooting]))"
fi
if [ -n "${at[boot 2: fexynd up]:-}" ] && [ -n "${at[boot 1: rebooting]:-}" ]; then
	timing reboot-to-fexynd-up "$((at[boot 2: fexynd up] - at[boot 1: rebooting]))"
fi

# --- the results -------------------------------------------------------------------------

cp "$RUN/share/out/security-fexynd.txt" "$OUTROOT/security-fexynd.txt" 2>/dev/null || true
if [ ! -f "$SHARE/out/results" ]; then
	tail -n 40 "$RUN/serial.log" || true
	die "the guest wrote no results (serial log: $RUN/serial.log)"
fi
grep -q . "$SHARE/out/done" 2>/dev/null || fail "the guest did not finish (see $RUN/serial.log)"
echo "guest: $(cat "$SHARE/out/done" 2>/dev/null)"
while read -r kind rest; do
	case $kind in
	PASS) pass "$rest" ;;
	FAIL) fail "$rest" ;;
	INFO) echo "INFO system: $rest" ;;
	TIME) echo "TIME system: $rest s" ;;
	esac
done <"$SHARE/out/results"

say "the wire, as QEMU captured it (wire.py)"
python3 "$here/wire.py" "$RUN/wire.pcap" "$GUEST_MAC" | tee "$RUN/wire.txt"
window() { # name field
	awk -v w="$1" -v f="$2" '$1 == "WINDOW" && $2 == w {
		for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) print kv[2] } }' "$RUN/wire.txt"
}
expect_window() { # window field op value description
	local v
	v=$(window "$1" "$2")
	if [ -z "$v" ]; then
		fail "wire: $5: no window $1 in the capture"
	elif [ "$v" "$3" "$4" ]; then
		pass "wire: $5 ($2=$v in $1)"
	else
		fail "wire: $5: $2=$v in $1"
	fi
}
expect_window start..control-end early -gt 0 "control: the capture sees the early sender's packets without fexyn"
expect_window connected..reboot leak -eq 0 "connected, lockdown on, shutdown begins: nothing leaves"
expect_window reboot..fexynd-up leak -eq 0 "reboot until fexynd is up: nothing leaves"
expect_window reboot..fexynd-up frames -gt 0 "reboot until fexynd is up: the capture saw the guest on the wire (ARP, NDP)"
expect_window fexynd-up..upgrade-start leak -eq 0 "tunnel back after the reboot: nothing leaves"
expect_window upgrade-start..upgrade-end leak -eq 0 "upgrade under the flow: nothing leaves"
expect_window upgrade-start..upgrade-end wg -gt 10000 "upgrade under the flow: the flow went through the tunnel"

timing total "$((SECONDS - T_START))"
# Only the last three runs are kept.
ls -1d "$OUTROOT"/runs/*/ 2>/dev/null | sort | head -n -3 | xargs -r rm -rf
if [ "$FAILED" -ne 0 ]; then
	echo "FAIL system: see $RUN"
	exit 1
fi
echo "PASS system"
exit 0
}
