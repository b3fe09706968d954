#!/usr/bin/env bash
# Rewrites the generated parts of the documentation from the code:
# docs/security.md's per-state allow-list (tools/policy-doc). The tests only
# check that they agree (tests/doc/test-security-doc.sh); they never write.
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
