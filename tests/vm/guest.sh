#!/bin/bash
# PID 1 of the test guest, on the host's filesystem (read-only over 9p), after
# tests/vm/init. It makes a system the lab tests can run in — tmpfs where
# programs write, the kernel's own modules reachable as /lib/modules/$(uname -r),
# /dev/fd and /dev/net/tun — runs the run directory's "cmd" script, records
# its exit status in "status" there, and powers off.
#
# Kernel command line: fexyn.out=DIR (the run directory, writable, shared
# with the host), fexyn.kroot=DIR (the unpacked kernel package).
set -uo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8

param() { # name: the value of name= on the kernel command line
	local w
	for w in $(</proc/cmdline); do
		case $w in "$1"=*) echo "${w#*=}" ;; esac
	done
}

OUT=$(param fexyn.out)
KROOT=$(param fexyn.kroot)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KVER=$(uname -r)

log() { echo "fexyn-vm: $*" >/dev/console; }

# Never return: PID 1 exiting is a kernel panic. sysrq is the fallback for a
# poweroff that cannot run.
power_off() {
	sync
	/bin/busybox poweroff -f
	echo 1 >/proc/sys/kernel/sysrq
	echo o >/proc/sysrq-trigger
	while :; do sleep 60; done
}

# Makes a read-only directory of the host writable in the guest: an overlay
# with a tmpfs upper layer over it (the host's files stay underneath,
# untouched), or a tmpfs copy if overlayfs refuses 9p as a lower layer.
overlay_dir() { # dir
	local d=$1 w
	w=/run/fexyn-vm/overlay/${d//\//_}
	mkdir -p "$w/upper" "$w/work" "$w/lower"
	mount --bind "$d" "$w/lower"
	if ! mount -t overlay overlay -o "lowerdir=$w/lower,upperdir=$w/upper,workdir=$w/work" "$d"; then
		log "overlayfs refused $d; copying it to tmpfs"
		mount -t tmpfs tmpfs "$d"
		cp -a "$w/lower/." "$d/"
	fi
}

# Covers a directory with tmpfs. The tree under test, the kernel package and
# the run directory can live below it (a clone in /tmp or /root, as CI's may
# be): each stays reachable through a bind of the host's copy, kept first.
cover_with_tmpfs() { # dir
	local d=$1 p top held=/run/fexyn-vm/host$1 under=()
	for p in "$ROOT" "$KROOT" "$OUT"; do
		case $p in "$d"/*) under+=("$p") ;; esac
	done
	if [ ${#under[@]} -gt 0 ]; then
		mkdir -p "$held"
		mount --rbind "$d" "$held"
	fi
	mount -t tmpfs -o mode=0755 tmpfs "$d"
	for p in "${under[@]}"; do
		top=${p#"$d"/}
		top=${top%%/*}
		[ -e "$d/$top" ] && continue
		mkdir -p "$d/$top"
		mount --rbind "$held/$top" "$d/$top"
	done
}

# tmpfs wherever a running system (and the lab) writes; the host stays untouched.
mount_writable() {
	local d
	mount -t tmpfs -o mode=0755 tmpfs /run
	setup_modprobe
	for d in /tmp /var/tmp /var/lib /var/log /var/cache /root /home /srv /mnt /media; do
		[ -d "$d" ] && [ ! -L "$d" ] && cover_with_tmpfs "$d"
	done
	chmod 1777 /tmp /var/tmp
	mkdir -p /run/lock /run/netns /run/wireguard /run/user
	# The lab writes /etc/netns/<ns>/hosts, and useradd /etc/passwd.
	overlay_dir /etc
}

# The kernel asks for modules (overlay, nf_tables, wireguard, tun, veth, ...)
# through /proc/sys/kernel/modprobe: a wrapper that runs modprobe on the
# unpacked package (-d, so it works before /lib/modules resolves) and logs
# each request, so a run shows what the kernel loaded on demand. Needs /run.
setup_modprobe() {
	mkdir -p /run/fexyn-vm
	cat >/run/fexyn-vm/modprobe <<-EOF
	#!/bin/sh
	echo "\$*" >>/run/fexyn-vm/modprobe.log
	exec /sbin/modprobe -d "$KROOT" "\$@"
	EOF
	chmod 755 /run/fexyn-vm/modprobe
	echo /run/fexyn-vm/modprobe >/proc/sys/kernel/modprobe
}

# /lib/modules/$(uname -r) must resolve too, for a plain modprobe or lsmod:
# the package's tree bound there, over a tmpfs on the host's /lib/modules,
# or, where the host has none, into an overlay of /usr/lib.
setup_libmodules() {
	local libmod
	libmod=$(readlink -f /lib)/modules
	if [ -d "$libmod" ]; then
		mount -t tmpfs tmpfs "$libmod"
	else
		overlay_dir "$(dirname "$libmod")"
	fi
	mkdir -p "$libmod/$KVER"
	mount --bind "$KROOT/lib/modules/$KVER" "$libmod/$KVER"
}

# devtmpfs has no /dev/fd (bash's process substitution needs it), no pts, no shm.
setup_dev() {
	ln -sfn /proc/self/fd /dev/fd
	ln -sfn /proc/self/fd/0 /dev/stdin
	ln -sfn /proc/self/fd/1 /dev/stdout
	ln -sfn /proc/self/fd/2 /dev/stderr
	mkdir -p /dev/pts /dev/shm /dev/net
	mount -t devpts -o ptmxmode=0666,newinstance devpts /dev/pts
	ln -sfn pts/ptmx /dev/ptmx
	mount -t tmpfs -o mode=1777 tmpfs /dev/shm
	# Opening it makes the kernel load tun (char-major-10-200).
	[ -e /dev/net/tun ] || mknod -m 666 /dev/net/tun c 10 200
	mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null || true
	mount -t bpf bpf /sys/fs/bpf 2>/dev/null || true
}

main() {
	local rc start
	[ -n "$OUT" ] && [ -n "$KROOT" ] || { log "fexyn.out or fexyn.kroot missing"; power_off; }
	mount_writable
	setup_dev
	setup_libmodules
	hostname fexyn-vm
	ip link set lo up
	log "up: kernel $KVER, $(nproc) CPUs, $(($(awk '/MemTotal/ { print $2 }' /proc/meminfo) / 1024)) MiB, $(awk '{ print $1 }' /proc/uptime) s since boot"
	echo "$KVER" >"$OUT/kernel"
	awk '{ print $1 }' /proc/uptime >"$OUT/boot-seconds"
	start=$(date +%s)
	# The payload runs as a child (PID 1 must outlive it), in the run
	# directory, its output both on the console and in the run's log.
	(cd "$OUT" && exec bash "$OUT/cmd") 2>&1 | tee "$OUT/output" >/dev/console
	rc=${PIPESTATUS[0]}
	echo "$rc" >"$OUT/status"
	log "done: status $rc after $(($(date +%s) - start)) s"
	cp /run/fexyn-vm/modprobe.log "$OUT/modprobe.log" 2>/dev/null || true
	power_off
}

main
