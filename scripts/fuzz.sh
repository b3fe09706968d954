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

FUZZERS=(wgconf request state conn_state args wg_uapi netlink dispatch)

# A fuzzer that drives daemon code links more than the core library: the
# daemon's own sources (src/) and its harness's (tests/fuzz/), and the core
# without the files whose functions those stand in for, so that no symbol
# is defined twice. Space-separated lists, by fuzzer.
declare -A EXTRA_SOURCES=(
	[dispatch]="src/clients.c src/daemon_cmd.c src/daemon_state.c src/reply.c tests/fuzz/fake_kernel.c"
)
declare -A FAKED_CORE=(
	[dispatch]="log.c nft.c nft_show.c rtnl.c"
)

secs=${1:-}
if [ -z "$secs" ]; then
	secs=10
	[ "${CI:-}" = true ] && secs=60
fi
jobs=${FUZZ_JOBS:-2}
out=$root/build-fuzz
fuzz_dir=$root/tests/fuzz

# The core library's sources, as src/meson.build lists them, so the
# fuzzers test exactly what fexynd links.
core_sources() {
	sed -n "/^core_sources/,/^)/s/.*'\([a-z_0-9]*\.c\)'.*/\1/p" src/meson.build
}

# A small ninja file: incremental, parallel, and rebuilt when a header changes.
write_ninja() {
	local cflags libs objs=() f
	cflags="-std=c17 -g -O1 -D_GNU_SOURCE -Wall -Wextra -Werror -Wvla -I$root/src"
	cflags+=" $(pkg-config --cflags libmnl libnftnl)"
	cflags+=" -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
	libs=$(pkg-config --libs libmnl libnftnl)
	cat <<-EOF
		cflags = $cflags
		libs = $libs
		rule cc
		  command = clang \$cflags -fsanitize=fuzzer-no-link -MD -MF \$out.d -c \$in -o \$out
		  depfile = \$out.d
		  deps = gcc
		  description = CC \$out
		rule ar
		  command = rm -f \$out && ar rcs \$out \$in
		  description = AR \$out
		rule link
		  command = clang \$cflags -fsanitize=fuzzer \$in -o \$out \$libs
		  description = LINK \$out
	EOF
	for f in $(core_sources); do
		echo "build obj/${f%.c}.o: cc $root/src/$f"
		objs+=("obj/${f%.c}.o")
	done
	echo "build libfexyn-core.a: ar ${objs[*]}"
	for f in "${FUZZERS[@]}"; do
		local lib=libfexyn-core.a extra=() src o
		echo "build obj/fuzz_$f.o: cc $fuzz_dir/fuzz_$f.c"
		for src in ${EXTRA_SOURCES[$f]:-}; do
			o=obj/$f/$(basename "${src%.c}").o
			echo "build $o: cc $root/$src"
			extra+=("$o")
		done
		if [ -n "${FAKED_CORE[$f]:-}" ]; then
			lib=libfexyn-core-$f.a
			echo "build $lib: ar $(for o in "${objs[@]}"; do
				[[ " ${FAKED_CORE[$f]} " == *" $(basename "${o%.o}").c "* ]] || echo -n "$o "
			done)"
		fi
		echo "build fuzz_$f: link obj/fuzz_$f.o ${extra[*]} $lib"
	done
	# Not run: it wrote corpus/netlink/, and is built so that it keeps compiling.
	echo "rule exe"
	echo "  command = clang \$cflags \$in -o \$out \$libs"
	echo "build seeds_netlink: exe $fuzz_dir/seeds_netlink.c"
}

build() {
	if ! command -v clang >/dev/null; then
		echo "fuzz: clang is missing (apt-get install clang libclang-rt-14-dev)" >&2
		return 1
	fi
	if [ -z "$(core_sources)" ]; then
		echo "fuzz: no core_sources found in src/meson.build" >&2
		return 1
	fi
	mkdir -p "$out/obj"
	write_ninja >"$out/build.ninja.new"
	mv "$out/build.ninja.new" "$out/build.ninja"
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
		if ! "$out/fuzz_$name" -runs=1 "$f" >"$out/logs/$name.replay.log" 2>&1; then
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
	timeout $((secs + 120)) "$out/fuzz_$name" -max_total_time="$secs" -timeout=10 -max_len=8192 \
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
