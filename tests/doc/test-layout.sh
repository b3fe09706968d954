#!/usr/bin/env bash
# The source tree's shape, as issue 13 set it: src/core/ is the library the
# daemon, the CLI, the tests and the fuzzers share; src/daemon/ is fexynd,
# src/cli/ is fexyn. daemon/ and cli/ include core/, never each other, and
# core/ includes only itself; and no file depends on another that depends
# back on it (a module is NAME.c with NAME.h; an edge is an #include).
# Needs no root. Prints "PASS layout" or "FAIL layout: why".
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() {
	echo "FAIL layout: $*"
	exit 1
}

# "DIR/FILE HEADER" for every local include in src/.
includes() {
	grep -o '^#include "[^"]*"' src/*/*.[ch] | sed 's|^\(src/[a-z]*/[^:]*\):#include "\(.*\)"|\1 \2|'
}

bad=()
while read -r file header; do
	dir=${file%/*}
	if [ -e "$dir/$header" ]; then
		continue
	fi
	case $dir in
	src/core) bad+=("$file includes $header from outside core/") ;;
	src/daemon | src/cli)
		[ -e "src/core/$header" ] || bad+=("$file includes $header, neither in ${dir#src/}/ nor core/")
		;;
	esac
done < <(includes)
[ "${#bad[@]}" -eq 0 ] || fail "${bad[*]}"
echo "  ok: core/ includes only core/; daemon/ and cli/ only themselves and core/"

# Module edges, "FROM TO" with both as DIR/NAME, for tsort: it says "loop"
# on a cycle.
edges=$(includes | while read -r file header; do
	dir=${file%/*}
	from=$dir/$(basename "${file%.*}")
	to=src/core/${header%.h}
	[ -e "$dir/$header" ] && to=$dir/${header%.h}
	[ "$from" = "$to" ] || echo "$from $to"
done)
if ! order=$(tsort <<<"$edges" 2>&1) || grep -q "loop" <<<"$order"; then
	fail "the include graph has a cycle: $(grep -A4 loop <<<"$order" | tr '\n' ' ')"
fi
echo "  ok: no include cycle among $(wc -l <<<"$edges") edges"
for dir in core daemon cli; do
	[ -f "src/$dir/meson.build" ] || fail "src/$dir has no meson.build"
done
echo "PASS layout"
