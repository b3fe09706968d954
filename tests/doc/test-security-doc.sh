#!/usr/bin/env bash
# docs/security.md's allow-list is what the policy compiler produces: the
# section between the policy markers must equal tools/policy-doc's output
# now. When the policy changes, run scripts/gen-docs.sh and commit the
# document with the change. Needs no root; writes nothing tracked.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${FEXYN_BUILD:-$PWD/build}
doc=docs/security.md

in_doc=$(awk '/^<!-- policy:end -->$/ { keep = 0 } keep { print } /^<!-- policy:begin -->$/ { keep = 1 }' "$doc")
[ -n "$in_doc" ] || { echo "FAIL security-doc: no generated section in $doc"; exit 1; }
generated=$("$build/tools/policy-doc")
if ! diff -u <(echo "$in_doc") <(echo "$generated") >"$build/security-doc.diff"; then
	head -n 60 "$build/security-doc.diff"
	echo "FAIL security-doc: $doc does not match the policy compiler; run scripts/gen-docs.sh"
	exit 1
fi
echo "PASS security-doc: $(grep -c '^| [0-9]' <<<"$in_doc") rules across the states match the compiler"
