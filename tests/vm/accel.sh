#!/usr/bin/env bash
# tests/vm/accel.sh [SERIES] — which accelerator the test guests use: prints
# "kvm:<machine>:<cpu>" when a short KVM boot of the kernel finishes in time,
# else "tcg". The answer is cached in build/vm/accel (delete it, or set
# FEXYN_VM_ACCEL=tcg|kvm:pc:max|..., to decide again or by hand); why it
# chose what it chose is in build/vm/accel.log.
#
# Why probe: /dev/kvm can open and still be useless. On the machine this was
# written on (nested, AMD EPYC, no svm flag in cpuinfo) -cpu max and host
# abort on MSR 0x10a (ARCH_CAPABILITIES), and other CPU models do boot but
# so slowly that the kernel has not reached its first console line when TCG
# has run the whole command (the "hangs after Probing EDD" seen by hand).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
vmdir=${FEXYN_VM_CACHE:-$root/build/vm}
series=${1:-6.1}
# A KVM boot must finish `true` faster than TCG does (about 40 s here), or it
# is no gain.
PROBE_SECONDS=${FEXYN_VM_PROBE_SECONDS:-30}
# MSR 0x10a is left out of "max" because KVM in nested setups often refuses it.
CANDIDATES=("kvm:pc:max,arch-capabilities=off" "kvm:q35:kvm64")

log() { echo "$(date '+%F %T') $*" >>"$vmdir/accel.log"; }

probe() { # spec: 0 when a guest boots and runs `true` within PROBE_SECONDS
	local spec=$1 dir=$vmdir/runs/accel-probe-$$ rc=0
	rm -rf "$dir"
	"$here/run.sh" --kernel "$series" --accel "$spec" --timeout "$PROBE_SECONDS" --quiet \
		--out "$dir" -- true >/dev/null 2>&1 || rc=$?
	log "probe $spec ($series): exit $rc after $(cat "$dir/seconds" 2>/dev/null || echo "$PROBE_SECONDS+") s$(
		grep -m1 -E 'error|Assertion' "$dir/qemu.log" 2>/dev/null | sed 's/^/: /' || true)"
	rm -rf "$dir"
	return "$rc"
}

main() {
	local spec
	if [ -n "${FEXYN_VM_ACCEL:-}" ]; then
		echo "$FEXYN_VM_ACCEL"
		return 0
	fi
	mkdir -p "$vmdir"
	if [ -s "$vmdir/accel" ]; then
		cat "$vmdir/accel"
		return 0
	fi
	spec=tcg
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		for c in "${CANDIDATES[@]}"; do
			if probe "$c"; then
				spec=$c
				break
			fi
		done
	else
		log "no usable /dev/kvm"
	fi
	log "chose $spec"
	echo "$spec" >"$vmdir/accel"
	echo "$spec"
}

main "$@"
