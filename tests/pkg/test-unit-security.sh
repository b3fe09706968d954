#!/usr/bin/env bash
# fexynd's systemd unit, as `systemd-analyze security` judges it (offline,
# from the unit file, as systemd 252 in Debian 12 does): every exposure it
# still lists is named in the unit's "Left open, and why" comment, so none
# can appear, through a change of the unit or of systemd's checks, without
# someone saying why it must stay. Prints the overall exposure.
# Needs no root. Prints "PASS unit-security" or "FAIL unit-security: why".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() {
	echo "FAIL unit-security: $*"
	exit 1
}

command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (package systemd)"
unit=$TMP/fexynd.service
sed 's|@sbindir@|/usr/sbin|g' "$repo/systemd/fexynd.service.in" >"$unit"
systemd-analyze security --offline=true --no-pager "$unit" >"$TMP/report" 2>&1 ||
	{ cat "$TMP/report"; fail "systemd-analyze security could not judge the unit"; }

# The comment block's lines, "#   NAME: why" and continuations.
sed -n '/^# Left open, and why/,/^[^#]/p' "$unit" >"$TMP/explained"
[ -s "$TMP/explained" ] || fail "the unit has no \"Left open, and why\" comment"

unexplained=()
while read -r name; do
	# A name may be listed alone or as one of several after a comma.
	grep -qF -- "$name" "$TMP/explained" || unexplained+=("$name")
	echo "  open: $name"
done < <(sed -n 's/^✗ \([^ ]*\) .*/\1/p' "$TMP/report")
overall=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$TMP/report")
echo "  overall exposure: $overall (systemd $(systemd-analyze --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p'))"
[ "${#unexplained[@]}" -eq 0 ] || fail "exposures the unit does not explain: ${unexplained[*]}"
# What was closed stays closed: the figure with the explained exposures.
awk -v o="$overall" 'BEGIN { exit !(o != "" && o <= 3.0) }' ||
	fail "overall exposure $overall is above 3.0"
echo "PASS unit-security"
