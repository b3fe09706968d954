#!/usr/bin/env bash
# Runs cppcheck and clang-tidy, with the checked-in configurations
# (cppcheck-suppressions.txt, .clang-tidy), over src/, tests/unit/ and
# tests/fuzz/. Prints every finding and exits 1 if there is any.
# Uses build/compile_commands.json, so the flags are the build's own.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

jobs=${ANALYSIS_JOBS:-2}
status=0

if [ ! -f build/compile_commands.json ]; then
	scripts/build.sh || exit 1
fi
for tool in cppcheck clang-tidy; do
	if ! command -v "$tool" >/dev/null; then
		echo "static-analysis: $tool is missing (apt-get install cppcheck clang-tidy)" >&2
		exit 1
	fi
done

# The files the build compiles from DIR/, as meson lists them.
build_files() { # dir
	jq -r '.[].file' build/compile_commands.json | sed 's|^\.\./||' | grep "^$1/" | sort -u
}

# The fuzz harnesses are built by scripts/fuzz.sh, not meson: give their flags here.
fuzz_flags=(-D_GNU_SOURCE -Isrc/core -Isrc/daemon)

run_cppcheck() {
	# shellcheck disable=SC2054 # the commas belong to --enable
	local common=(--enable=warning,portability,performance --library=posix --inline-suppr
		--suppressions-list=cppcheck-suppressions.txt --error-exitcode=1 -q
		--template='{file}:{line}: cppcheck {severity}: {message} [{id}]')
	cppcheck "${common[@]}" -j "$jobs" --project=build/compile_commands.json \
		--file-filter='src/*' --file-filter='tests/unit/*' || return 1
	cppcheck "${common[@]}" --std=c11 "${fuzz_flags[@]}" tests/fuzz/*.c
}

# clang-tidy prints its findings on stdout and its progress on stderr; a
# finding is any "warning:" or "error:" line (.clang-tidy makes all errors).
run_clang_tidy() {
	local out rc=0
	out=$(build_files src | xargs -r -P "$jobs" -n 4 clang-tidy -p build --quiet 2>/dev/null) || rc=1
	# The unit tests with cmocka's assertions made visible to the analyser.
	out+=$'\n'$(build_files tests/unit | xargs -r -P "$jobs" -n 4 clang-tidy -p build --quiet \
		--extra-arg=-include"$PWD/scripts/cmocka-analysis.h" 2>/dev/null) || rc=1
	out+=$'\n'$(clang-tidy --quiet tests/fuzz/*.c -- -std=c17 "${fuzz_flags[@]}" 2>/dev/null) || rc=1
	if grep -qE '(warning|error):' <<<"$out"; then
		grep -E -A3 '(warning|error):' <<<"$out"
		return 1
	fi
	[ "$rc" -eq 0 ] || { echo "$out"; return 1; }
}

if run_cppcheck; then
	echo "static-analysis: cppcheck: no findings"
else
	echo "static-analysis: cppcheck: findings above"
	status=1
fi
if run_clang_tidy; then
	echo "static-analysis: clang-tidy: no findings"
else
	echo "static-analysis: clang-tidy: findings above"
	status=1
fi
exit "$status"
