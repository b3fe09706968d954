#!/usr/bin/env bash
# Run inside a test guest (tests/vm/suite.sh boots it): the lab tests on this
# kernel, once per WireGuard backend, each test's log in logs/<backend>/ of
# the run directory and one row per test in results.tsv there:
#
#   kernel  accel  backend  auto  protection  test  pass|fail  seconds  leaked  log
#
# "auto" is the backend `--backend auto` picks on this kernel, "protection"
# how fexynd guards its table here (tests/vm/probe-backend.sh finds both,
# first, while the wireguard module is not yet loaded). "leaked" adds up the
# packets the test counted with the client's real address while fexyn was
# on (its "(N = 0)" checks; a crash run's running "so far" totals skipped).
#
# Environment: FEXYN_VM_TESTS (lab test names), FEXYN_VM_USERSPACE_TESTS
# (those run with wireguard-go; default the same), FEXYN_VM_BACKENDS (kernel
# userspace), CRASH_ROUNDS (test-crash's rounds), FEXYN_BUILD.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${FEXYN_VM_OUT:?run me in a test guest: tests/vm/run.sh -- $0}
tests=${FEXYN_VM_TESTS:-connect tunnel-kill reconnect daemon-kill tamper lockdown crash}
backends=${FEXYN_VM_BACKENDS:-kernel userspace}
# wireguard-go is the comparison: test.sh gives it a shorter list to fit its time.
userspace_tests=${FEXYN_VM_USERSPACE_TESTS:-$tests}
export CRASH_ROUNDS=${CRASH_ROUNDS:-10}
export FEXYN_BUILD=${FEXYN_BUILD:-$root/build}
kernel=$(uname -r)
accel=$(cat "$out/accel" 2>/dev/null || echo unknown)
# Without KVM the guest runs about 5 times slower than this machine: the
# lab's time limits (not its packet counts) stretch by 3.
if [ "$accel" = tcg ]; then
	export FEXYN_LAB_TIME_SCALE=${FEXYN_LAB_TIME_SCALE:-3}
fi

# The packets a lab log says leaked with fexyn on: its check_eq lines on the
# client's real address or on leaks, "ok" or "FAIL" alike. check prints a
# FAIL twice (stdout and stderr): counted once. A crash run's passing "so
# far" lines repeat its running total (its "all rounds" line has the sum),
# but the "so far" that failed is the total when it stopped.
leaked_in() { # log
	grep -aE "^(  ok: |FAIL [^:]*: ).*(real address|leak).*\(([0-9]+) = 0\)$" "$1" |
		awk '!seen[$0]++' | grep -avE '^  ok: .*so far' |
		sed -E 's/.*\(([0-9]+) = 0\)$/\1/' | awk '{ n += $1 } END { print n + 0 }'
}

probe() {
	local log=$out/logs/probe-backend.log
	mkdir -p "$out/logs"
	if timeout 300 bash "$here/probe-backend.sh" >"$log" 2>&1; then
		IFS='|' read -r _ _ AUTO PROTECTION <<<"$(grep -a '^PROBE|' "$log" | tail -n 1)"
	fi
	AUTO=${AUTO:-unknown}
	PROTECTION=${PROTECTION:-unknown}
	echo "probe: kernel $kernel, auto picks $AUTO, protection $PROTECTION"
}

run_one() { # backend test
	local b=$1 t=$2 log start secs verdict rc
	log=$out/logs/$b/lab-test-$t.log
	mkdir -p "$out/logs/$b"
	start=$(date +%s)
	FEXYN_LAB_BACKEND=$b timeout 1200 bash "$root/tests/lab/test-$t.sh" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	verdict=fail
	[ "$rc" -eq 0 ] && grep -aq "^PASS " "$log" && verdict=pass
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kernel" "$accel" "$b" "$AUTO" \
		"$PROTECTION" "$t" "$verdict" "$secs" "$(leaked_in "$log")" "${log#"$out/"}" \
		>>"$out/results.tsv"
	if [ "$verdict" = pass ]; then
		echo "PASS vm $kernel $b $t (${secs} s): $(grep -a '^PASS ' "$log" | tail -n 1)"
	else
		echo "FAIL vm $kernel $b $t (${secs} s, exit $rc): $(grep -a '^FAIL ' "$log" | head -n 1)"
		tail -n 15 "$log" | sed 's/^/    /'
	fi
}

main() {
	local b t list failed=0
	: >"$out/results.tsv"
	probe
	# After the probe, which wants the wireguard module not yet loaded.
	bash "$here/hold-static-keys.sh"
	for b in $backends; do
		list=$tests
		[ "$b" = userspace ] && list=$userspace_tests
		for t in $list; do
			run_one "$b" "$t"
		done
	done
	failed=$(awk -F'\t' '$7 != "pass"' "$out/results.tsv" | wc -l)
	echo "vm $kernel: $(awk -F'\t' '$7 == "pass"' "$out/results.tsv" | wc -l) passed, $failed failed"
	[ "$failed" -eq 0 ]
}

main
