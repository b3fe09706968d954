#!/usr/bin/env bash
# tests/vm/run.sh [options] -- COMMAND [ARG...]
#
# Boots one of Debian's own kernels (tests/vm/kernel.sh) under QEMU with this
# machine's filesystem shared read-only over 9p, runs COMMAND inside the guest
# as root (in the current directory; the run directory is in FEXYN_VM_OUT),
# and exits with its exit status.
#
#   --kernel SERIES   6.1 (default) or 6.12
#   --out DIR         the run directory (default build/vm/runs/<series>-<time>-<pid>);
#                     shared writable with the guest: COMMAND's output is in
#                     DIR/output, the serial console in DIR/console.log
#   --timeout S       kill the guest after S seconds (default 600): exit 124
#   --accel A         kvm, tcg or auto (default: tests/vm/accel.sh decides)
#   --mem MiB         guest memory (default 2048)
#   --quiet           do not copy the guest's output to stdout
#
# The guest has no network device at all (-nic none): everything it does on
# a network happens inside its own kernel. Only the QEMU process this script
# started is ever killed. Exit status: COMMAND's; 124 timeout; 125 the guest
# ended without reporting a status (kernel panic, boot failure).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
vmdir=${FEXYN_VM_CACHE:-$root/build/vm}

series=6.1
out=
timeout_s=600
accel=auto
mem=2048
quiet=false
QEMU_PID=
TAIL_PID=

die() { echo "vm: $*" >&2; exit 2; }

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--kernel) series=$2; shift ;;
		--out) out=$2; shift ;;
		--timeout) timeout_s=$2; shift ;;
		--accel) accel=$2; shift ;;
		--mem) mem=$2; shift ;;
		--quiet) quiet=true ;;
		--) shift; break ;;
		*) die "unknown option $1 (see the top of $0)" ;;
		esac
		shift
	done
	[ $# -gt 0 ] || die "no command (usage: $0 [options] -- COMMAND...)"
	CMD=("$@")
}

teardown() {
	local rc=$?
	if [ -n "$QEMU_PID" ] && kill -0 "$QEMU_PID" 2>/dev/null; then
		kill -TERM "$QEMU_PID" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$QEMU_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$QEMU_PID" 2>/dev/null || true
	fi
	[ -z "$TAIL_PID" ] || kill "$TAIL_PID" 2>/dev/null || true
	return "$rc"
}

# TCG gives each guest CPU a thread of its own (thread=multi). Known cost: a
# CPU now and then traps on the int3 of code the kernel patched on another
# CPU after the patch is done, which real hardware's serialising IPIs rule
# out ("Oops: int3"; tests/vm/README.md). The guest suite holds the static
# keys the lab would flip (hold-static-keys.sh) and suite.sh boots a guest
# that died while booting once more. thread=single (FEXYN_VM_TCG_THREAD=single)
# rules the race out but runs about 1.4x slower, and then fexynd's real-time
# deadlines flapped: 6.1's reconnect counted 5 attempts instead of 1.
accel_arg() { # accel
	if [ "$1" = tcg ]; then
		echo "tcg,thread=${FEXYN_VM_TCG_THREAD:-multi}"
	else
		echo "$1"
	fi
}

# The QEMU command line for kernel root $1 into run dir $2 with accel $3
# ("kvm:<machine>:<cpu>" or "tcg"); exported for tests/vm/accel.sh's probes.
qemu_cmdline() { # kroot outdir accel-spec
	local kroot=$1 dir=$2 spec=$3 kver machine cpu accel_opt append
	kver=$(ls -1 "$kroot/lib/modules" | head -n 1)
	IFS=: read -r accel_opt machine cpu <<<"$spec"
	machine=${machine:-pc}
	cpu=${cpu:-max}
	# edd=off: the BIOS EDD probe is where KVM guests were seen to stop.
	append="console=ttyS0 earlyprintk=ttyS0 edd=off panic=-1 quiet loglevel=4"
	append+=" fexyn.out=$dir fexyn.kroot=$kroot fexyn.guest=$here/guest.sh"
	QEMU_ARGS=(
		qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot
		-machine "$machine" -accel "$(accel_arg "$accel_opt")" -cpu "$cpu" -smp "$(nproc)" -m "$mem"
		-kernel "$kroot/boot/vmlinuz-$kver" -initrd "$("$here/initramfs.sh" "$kroot")"
		-append "$append"
		-serial "file:$dir/console.log"
		# No network device: the guest never reaches this machine's network.
		-nic none
		-virtfs "local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap"
		-virtfs "local,path=$dir,mount_tag=out,security_model=none,multidevs=remap"
	)
}

# Waits for QEMU to end, at most $1 seconds; 0 ended, 1 timed out.
wait_qemu() {
	local deadline=$((SECONDS + $1))
	while kill -0 "$QEMU_PID" 2>/dev/null; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.2
	done
	wait "$QEMU_PID" 2>/dev/null || true
	return 0
}

main() {
	parse_args "$@"
	local kroot spec started rc
	kroot=$("$here/kernel.sh" "$series")
	[ -n "$out" ] || out=$vmdir/runs/$series-$(date +%Y%m%d-%H%M%S)-$$
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	rm -f "$out/status" "$out/output" "$out/console.log"
	# COMMAND runs in this directory, as it would here; it finds the run
	# directory in FEXYN_VM_OUT.
	{
		printf 'export FEXYN_VM_OUT=%q\n' "$out"
		printf 'cd %q || exit 125\n' "$PWD"
		printf 'exec'
		printf ' %q' "${CMD[@]}"
		echo
	} >"$out/cmd"
	if [ "$accel" = auto ]; then
		spec=$("$here/accel.sh" "$series")
	elif [ "$accel" = kvm ]; then
		spec=kvm:pc:max
	else
		spec=$accel
	fi
	echo "$spec" >"$out/accel"
	qemu_cmdline "$kroot" "$out" "$spec"
	trap teardown EXIT
	trap 'exit 130' INT TERM
	started=$SECONDS
	"${QEMU_ARGS[@]}" >"$out/qemu.log" 2>&1 &
	QEMU_PID=$!
	if ! $quiet; then
		# Follow the guest's output as it is written (--pid: tail ends with QEMU).
		tail -n +1 -F --pid="$QEMU_PID" "$out/output" 2>/dev/null &
		TAIL_PID=$!
	fi
	if ! wait_qemu "$timeout_s"; then
		echo "vm: timed out after $timeout_s s ($series, $spec); console: $out/console.log" >&2
		exit 124
	fi
	[ -z "$TAIL_PID" ] || wait "$TAIL_PID" 2>/dev/null || true
	TAIL_PID=
	echo "$((SECONDS - started))" >"$out/seconds"
	if [ ! -s "$out/status" ]; then
		echo "vm: the guest reported no status ($series, $spec); the console's end:" >&2
		tail -n 30 "$out/console.log" >&2
		cat "$out/qemu.log" >&2
		exit 125
	fi
	rc=$(cat "$out/status")
	echo "vm: $series ($(cat "$out/kernel" 2>/dev/null)) on $spec: booted in $(cat "$out/boot-seconds" 2>/dev/null) s, status $rc after $((SECONDS - started)) s; $out" >&2
	exit "$rc"
}

main "$@"
