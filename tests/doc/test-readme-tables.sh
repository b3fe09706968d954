#!/usr/bin/env bash
# The README's generated tables are exactly what their generators make of
# the committed results: the leak scenarios (tests/lab/leak-table.sh from
# docs/results/leak-rows.txt), the kernels tested on (tests/vm/tested-on.sh
# from docs/results/tested-on.tsv) and the benchmarks (bench/report.sh from
# bench/results/). Tests never rewrite them; scripts/gen-docs.sh and
# bench/run do, on purpose, and then this test holds them to it.
# Needs no root; writes nothing tracked. Prints "PASS readme-tables".
set -euo pipefail
cd "$(dirname "$0")/../.."
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failed=0

section() { # name: the README's lines between <!-- name:begin --> and <!-- name:end -->
	awk -v b="<!-- $1:begin -->" -v e="<!-- $1:end -->" '$0 == e { keep = 0 } keep { print } $0 == b { keep = 1 }' README.md
}

compare() { # name generated-file
	section "$1" | sed '/^$/d' >"$TMP/$1.readme"
	sed '/^$/d' "$2" >"$TMP/$1.generated"
	if [ ! -s "$TMP/$1.readme" ]; then
		echo "  README.md has no $1 section"
		failed=1
	elif ! diff -u "$TMP/$1.readme" "$TMP/$1.generated" >"$TMP/$1.diff"; then
		head -n 30 "$TMP/$1.diff"
		echo "  the README's $1 section is not what its generator makes of the committed results"
		failed=1
	else
		echo "  ok: $1 ($(wc -l <"$TMP/$1.readme") lines)"
	fi
}

tests/lab/leak-table.sh --rows docs/results/leak-rows.txt --print >"$TMP/leaks.md"
compare leaks "$TMP/leaks.md"
tests/vm/tested-on.sh --print docs/results/tested-on.tsv >"$TMP/tested-on.md"
compare tested-on "$TMP/tested-on.md"
bench/report.sh --print-section >"$TMP/bench.md"
compare bench "$TMP/bench.md"
if [ "$failed" -ne 0 ]; then
	echo "FAIL readme-tables: run scripts/gen-docs.sh (leaks, kernels) or bench/report.sh (benchmarks) and commit"
	exit 1
fi
echo "PASS readme-tables"
