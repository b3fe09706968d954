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
	ninja -C "$dir" >/dev/null
}

setup build
if [ "${1:-}" = "--sanitize" ]; then
	setup build-san -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
fi
