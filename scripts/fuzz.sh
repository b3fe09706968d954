#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz/ with clang (AddressSanitizer
# and UndefinedBehaviorSanitizer) into build-fuzz/, replays every saved
# regression input, then runs each fuzzer for SECONDS (default 10; 60 when
# CI=true), FUZZ_JOBS (2) at a time. The seed corpora are copied, never
# written. A crash's input is kept in tests/fuzz/regressions/NAME/ (commit
# it: it is replayed on every run from then on) and printed.
#
#   scripts/fuzz.sh [SECONDS]       one line per fuzzer:
#   fuzz NAME: ok (runs=N)          or   fuzz NAME: CRASH FILE
#
# Exit status 0 when every fuzzer ran clean, 1 otherwise. Needs no root.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

FUZZERS=(wgconf request state conn_state args wg_uapi netlink proc dispatch)

secs=${1:-}
if [ -z "$secs" ]; then
	secs=10
	[ "${CI:-}" = true ] && secs=60
fi
jobs=${FUZZ_JOBS:-2}
out=$root/build-fuzz
fuzz_dir=$root/tests/fuzz

# The harnesses are meson targets (tests/fuzz/meson.build), in a build
# directory of their own: clang, -Dfuzzers=true, ASan and UBSan.
build() {
	if ! command -v clang >/dev/null; then
		echo "fuzz: clang is missing (apt-get install clang libclang-rt-14-dev)" >&2
		return 1
	fi
	if [ ! -f "$out/build.ninja" ] || ! grep -q "fuzz_dispatch" "$out/build.ninja"; then
		rm -rf "$out"
		if ! CC=clang meson setup "$out" -Dfuzzers=true -Db_sanitize=address,undefined \
			-Db_lundef=false -Dbuildtype=debug -Doptimization=1 >"$FUZZ_TMP/setup.log" 2>&1; then
			cat "$FUZZ_TMP/setup.log" >&2
			echo "fuzz: meson setup failed" >&2
			return 1
		fi
	fi
	if ! ninja -C "$out" >"$out/ninja.log" 2>&1; then
		grep -v '^\[' "$out/ninja.log" >&2
		echo "fuzz: build failed (libFuzzer needs clang and libclang-rt-14-dev)" >&2
		return 1
	fi
}

# Harnesses that need files (dispatch: fexynd's state directory) make them
# in TMPDIR: a tmpfs where there is one, removed at the end, with whatever a
# crashed harness left behind.
FUZZ_TMP=$(mktemp -d /dev/shm/fexyn-fuzz.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$FUZZ_TMP"' EXIT
export TMPDIR=$FUZZ_TMP

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

# The input, readable even when it is binary.
show_input() { # file
	echo "  input ($(stat -c %s "$1") bytes):"
	od -A d -c "$1" | head -n 24 | sed 's/^/    /'
}

# Replays tests/fuzz/regressions/NAME/*: each must now run clean.
replay() { # name; writes results/NAME on failure
	local name=$1 f
	for f in "$fuzz_dir/regressions/$name"/*; do
		[ -f "$f" ] || continue
		if ! "$out/tests/fuzz/fuzz_$name" -runs=1 "$f" >"$out/logs/$name.replay.log" 2>&1; then
			echo "fuzz $name: CRASH ${f#"$root"/} (a saved regression)" >"$out/results/$name"
			{ tail -n 30 "$out/logs/$name.replay.log"; show_input "$f"; } >"$out/results/$name.detail"
			return 1
		fi
	done
}

# One fuzzer for secs seconds, on a fresh copy of its corpus.
run_one() { # name
	local name=$1 work=$out/work/$1 art=$out/artifacts/$1 log=$out/logs/$1.log
	local regress=$fuzz_dir/regressions/$name crash dict=() runs rc=0
	replay "$name" || return 0
	rm -rf "$work" "$art"
	mkdir -p "$work" "$art" "$regress"
	cp -r "$fuzz_dir/corpus/$name/." "$work/"
	[ -f "$fuzz_dir/$name.dict" ] && dict=(-dict="$fuzz_dir/$name.dict")
	timeout $((secs + 120)) "$out/tests/fuzz/fuzz_$name" -max_total_time="$secs" -timeout=10 -max_len=8192 \
		-print_final_stats=1 -artifact_prefix="$art/" "${dict[@]}" "$work" "$regress" \
		>"$log" 2>&1 || rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	crash=$(find "$art" -maxdepth 1 -type f -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2-)
	if [ "$rc" -eq 0 ] && [ -z "$crash" ]; then
		echo "fuzz $name: ok (runs=${runs:-?})" >"$out/results/$name"
		return 0
	fi
	if [ -n "$crash" ]; then
		cp "$crash" "$regress/"
		echo "fuzz $name: CRASH ${regress#"$root"/}/$(basename "$crash")" >"$out/results/$name"
		{ tail -n 40 "$log"; show_input "$crash"; } >"$out/results/$name.detail"
	else
		echo "fuzz $name: CRASH (exit $rc, no input saved; see ${log#"$root"/})" >"$out/results/$name"
		tail -n 40 "$log" >"$out/results/$name.detail"
	fi
}

build
rm -rf "$out/results" "$out/logs"
mkdir -p "$out/results" "$out/logs"
running=0
for name in "${FUZZERS[@]}"; do
	if [ "$running" -ge "$jobs" ]; then
		wait -n || true
		running=$((running - 1))
	fi
	run_one "$name" &
	running=$((running + 1))
done
wait

status=0
for name in "${FUZZERS[@]}"; do
	if [ ! -f "$out/results/$name" ]; then
		echo "fuzz $name: CRASH (the runner itself failed)"
		status=1
		continue
	fi
	cat "$out/results/$name"
	if [ -f "$out/results/$name.detail" ]; then
		sed 's/^/  /' "$out/results/$name.detail"
		status=1
	fi
done
exit "$status"
