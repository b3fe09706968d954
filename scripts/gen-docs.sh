#!/usr/bin/env bash
# Rewrites the generated parts of the documentation: docs/security.md's
# per-state allow-list, from the code (tools/policy-doc), and, when a test
# run left its lab logs in build/, the leak scenarios' rows
# (docs/results/leak-rows.txt) and the README's table of them
# (tests/lab/leak-table.sh), and the README's "Tested on" table of kernels
# (tests/vm/tested-on.sh, from the VM suite's results, docs/results/tested-on.tsv).
# The tests only check; they never write: tests/doc/test-readme-tables.sh
# compares the README's tables with the committed rows.
#   scripts/gen-docs.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
doc=docs/security.md

[ -x "$build/tools/policy-doc" ] || scripts/build.sh
generated=$("$build/tools/policy-doc")
# Everything between the markers is replaced; the markers stay.
awk -v gen="$generated" '
	/^<!-- policy:begin -->$/ { print; print gen; skip = 1; next }
	/^<!-- policy:end -->$/ { skip = 0 }
	!skip { print }
' "$doc" >"$doc.new"
mv "$doc.new" "$doc"
echo "gen-docs: $doc rewritten"
# The "Tested on" table, from the VM suite's last results (tests/vm), kept
# in docs/results/tested-on.tsv so that the README can be checked against it.
if [ -s "$build/vm/results.tsv" ]; then
	cp "$build/vm/results.tsv" docs/results/tested-on.tsv
	echo "gen-docs: docs/results/tested-on.tsv rewritten from $build/vm/results.tsv"
fi
tests/vm/tested-on.sh --readme README.md docs/results/tested-on.tsv >/dev/null
echo "gen-docs: README.md's Tested on table rewritten from docs/results/tested-on.tsv"
if ls "$build"/lab-test-leak-*.log >/dev/null 2>&1; then
	tests/lab/leak-table.sh --save-rows docs/results/leak-rows.txt --print >/dev/null
	echo "gen-docs: docs/results/leak-rows.txt rewritten from $build/lab-*.log"
fi
tests/lab/leak-table.sh --rows docs/results/leak-rows.txt --readme README.md >/dev/null
echo "gen-docs: README.md's leak table rewritten from docs/results/leak-rows.txt"
