#!/usr/bin/env bash
# Replaces what stands between the lines <!-- NAME:begin --> and
# <!-- NAME:end --> of FILE with standard input, a blank line either side;
# the markers and everything outside them stay. The file is replaced whole
# (a temporary file renamed over it), keeping its mode. Used by the
# generators of the README's tables (tests/lab/leak-table.sh,
# tests/vm/tested-on.sh). Exit status 1 when FILE has no such section.
#   scripts/readme-section.sh NAME FILE <content
set -euo pipefail
name=$1 file=$2
begin="<!-- $name:begin -->"
end="<!-- $name:end -->"
if ! grep -qxF "$begin" "$file" || ! grep -qxF "$end" "$file"; then
	echo "readme-section: $file has no $begin ... $end section" >&2
	exit 1
fi
content=$(cat)
tmp=$(mktemp "$file.XXXXXX")
trap 'rm -f "$tmp"' EXIT
CONTENT=$content awk -v begin="$begin" -v end="$end" '
	$0 == begin { print; print ""; print ENVIRON["CONTENT"]; print ""; skip = 1; next }
	$0 == end { skip = 0 }
	!skip { print }' "$file" >"$tmp"
chmod --reference="$file" "$tmp"
mv "$tmp" "$file"
trap - EXIT
