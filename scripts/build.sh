#!/usr/bin/env bash
# Builds fexyn into build/ (and, with --sanitize, a second tree build-san/
# with AddressSanitizer and UndefinedBehaviorSanitizer).
set -euo pipefail
cd "$(dirname "$0")/.."

setup() {
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >/dev/null
	fi
	# Quiet when it works; the compiler's words when it does not.
	if ! ninja -C "$dir" >"$dir/ninja.log" 2>&1; then
		grep -v '^\[' "$dir/ninja.log" >&2
		return 1
	fi
}

setup build
if [ "${1:-}" = "--sanitize" ]; then
	setup build-san -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
fi
