#!/usr/bin/env bash
# tests/vm/suite.sh [--can-run] [SERIES...]
#
# The lab tests on Debian 12's own kernels: for each kernel series (default
# "6.1 6.12", or FEXYN_VM_KERNELS) one guest boots (tests/vm/run.sh) and runs
# tests/vm/guest-suite.sh: which backend `auto` picks and which table
# protection the kernel allows, then the lab tests once with the kernel's
# WireGuard and once with wireguard-go. Prints a PASS or FAIL line per kernel,
# backend and test; the rows go to build/vm/results.tsv (a kernel's old rows
# replaced) and the table to build/tested-on.md (tests/vm/tested-on.sh).
#
#   --can-run   only say whether this machine can run the suite (exit 0/1)
#
# Environment: FEXYN_VM_TESTS, FEXYN_VM_BACKENDS, CRASH_ROUNDS (see
# guest-suite.sh), FEXYN_VM_TIMEOUT (seconds per guest, default 1800),
# FEXYN_VM_ACCEL (see accel.sh). Needs a built tree (FEXYN_BUILD or build/).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
vmdir=${FEXYN_VM_CACHE:-$root/build/vm}
export FEXYN_BUILD=${FEXYN_BUILD:-$root/build}

# Whether QEMU, a static busybox and kmod are here, and the kernels can be
# fetched or are cached; the reason on stderr when not.
can_run() {
	local s
	command -v qemu-system-x86_64 >/dev/null || { echo "vm: no qemu-system-x86_64" >&2; return 1; }
	dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' ||
		{ echo "vm: no static /bin/busybox (busybox-static)" >&2; return 1; }
	PATH=$PATH:/usr/sbin:/sbin command -v depmod >/dev/null || { echo "vm: no depmod (kmod)" >&2; return 1; }
	[ -x "$FEXYN_BUILD/src/fexynd" ] || { echo "vm: $FEXYN_BUILD is not built" >&2; return 1; }
	for s in "$@"; do
		"$here/kernel.sh" "$s" >/dev/null || return 1
	done
}

# Replaces a kernel's rows in build/vm/results.tsv with a run's, log paths
# made relative to the top of the tree.
merge_results() { # run-dir
	local run=$1 kver rel
	[ -s "$run/results.tsv" ] || return 0
	kver=$(cut -f1 "$run/results.tsv" | head -n 1)
	rel=${run#"$root/"}
	touch "$vmdir/results.tsv"
	{
		awk -F'\t' -v k="$kver" '$1 != k' "$vmdir/results.tsv"
		awk -F'\t' -v OFS='\t' -v rel="$rel" '{ $10 = rel "/" $10; print }' "$run/results.tsv"
	} >"$vmdir/results.tsv.new"
	mv "$vmdir/results.tsv.new" "$vmdir/results.tsv"
}

# Boots one guest for a kernel series into run-dir and runs the suite there.
boot_suite() { # series run-dir: run.sh's exit status
	local s=$1 run=$2 knobs=() v
	for v in FEXYN_VM_TESTS FEXYN_VM_USERSPACE_TESTS FEXYN_VM_BACKENDS CRASH_ROUNDS \
		FEXYN_LAB_TIME_SCALE FEXYN_BUILD; do
		[ -z "${!v:-}" ] || knobs+=("$v=${!v}")
	done
	# The guest starts with an empty environment: the knobs go on the command.
	"$here/run.sh" --kernel "$s" --timeout "${FEXYN_VM_TIMEOUT:-1800}" --out "$run" --quiet -- \
		env "${knobs[@]}" bash "$here/guest-suite.sh"
}

# Whether a guest died before its command started: no boot time recorded,
# and the console ends in an oops or a panic.
died_booting() { # run-dir
	[ ! -s "$1/boot-seconds" ] && grep -aqE 'Oops:|Kernel panic' "$1/console.log" 2>/dev/null
}

run_kernel() { # series: 0 when every test passed
	local s=$1 run rc=0
	run=$vmdir/runs/$s-$(date +%Y%m%d-%H%M%S)
	echo "=== vm $s: $(basename "$("$here/kernel.sh" "$s")"), accelerator $("$here/accel.sh" "$s")"
	boot_suite "$s" "$run" || rc=$?
	# Emulated CPUs now and then trap on a breakpoint the kernel patched
	# while booting (tests/vm/README.md, "Known emulator failure"). No
	# test has run then: say so and boot once more. A guest that dies
	# twice, or after it came up, fails.
	if [ "$rc" -eq 125 ] && died_booting "$run"; then
		echo "vm $s: the guest died while booting, before any test ($(grep -aE -m1 'RIP:|Oops:' "$run/console.log")); booting it once more"
		run=$run-boot2
		rc=0
		boot_suite "$s" "$run" || rc=$?
	fi
	grep -aE '^(probe:|static keys:|PASS|FAIL|vm )' "$run/output" 2>/dev/null || true
	echo "vm $s: guest booted in $(cat "$run/boot-seconds" 2>/dev/null || echo '?') s, ran $(cat "$run/seconds" 2>/dev/null || echo '?') s, exit $rc ($run)"
	merge_results "$run"
	# 124 timeout, 125 no status (panic), 130 interrupted: whatever had not
	# run yet is a failure too, not silently fewer tests.
	if [ ! -s "$run/results.tsv" ] || [ "$rc" -ge 124 ]; then
		echo "FAIL vm $s: the guest did not finish (exit $rc); the console's end:"
		tail -n 20 "$run/console.log" 2>/dev/null | sed 's/^/    /'
	fi
	return "$rc"
}

main() {
	local series=() s failed=0
	if [ "${1:-}" = --can-run ]; then
		shift
		read -r -a series <<<"${*:-${FEXYN_VM_KERNELS:-6.1 6.12}}"
		can_run "${series[@]}"
		return
	fi
	read -r -a series <<<"${*:-${FEXYN_VM_KERNELS:-6.1 6.12}}"
	can_run "${series[@]}" || return 1
	mkdir -p "$vmdir/runs"
	for s in "${series[@]}"; do
		run_kernel "$s" || failed=1
	done
	"$here/tested-on.sh" >/dev/null || true
	return "$failed"
}

main "$@"
