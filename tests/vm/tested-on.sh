#!/usr/bin/env bash
# tests/vm/tested-on.sh [--print] [--readme FILE] [RESULTS.tsv]
#
# Renders the "Tested on" table from the VM suite's results (build/vm/results.tsv,
# written by tests/vm/suite.sh; the columns are described in
# tests/vm/guest-suite.sh): one row per kernel and WireGuard backend, with the
# protection fexynd had for its table there, the tests passed, and the packets
# leaked with fexyn on. Writes build/tested-on.md; --print writes to stdout
# instead; --readme FILE replaces what is between <!-- tested-on:begin -->
# and <!-- tested-on:end --> in FILE (scripts/gen-docs.sh does that: tests
# never write tracked files). Exit status: 0 done, 1 no results or no
# markers, 2 usage.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
results=$root/build/vm/results.tsv
mode=file
readme=

while [ $# -gt 0 ]; do
	case $1 in
	--print) mode=print ;;
	--readme)
		[ $# -ge 2 ] || { echo "tested-on: --readme needs a file" >&2; exit 2; }
		mode=readme
		readme=$2
		shift
		;;
	-h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "tested-on: unknown option $1" >&2; exit 2 ;;
	*) results=$1 ;;
	esac
	shift
done
[ -s "$results" ] || { echo "tested-on: no results in $results (run tests/vm/suite.sh)" >&2; exit 1; }

# Kernels in version order, the kernel backend before wireguard-go; the
# accelerator and the date say where the numbers come from.
table=$(sort -t$'\t' -k1,1V -k3,3 "$results" | awk -F'\t' '
	function backend(b) { return b == "kernel" ? "kernel WireGuard" : b == "userspace" ? "wireguard-go" : b }
	{
		key = $1 SUBSEP $3
		if (!(key in total)) { order[n++] = key; kern[key] = $1; be[key] = $3; auto[$1] = $4 }
		prot[key] = $5
		total[key]++
		if ($7 == "pass") passed[key]++
		leaked[key] += $9
		if ($7 != "pass") failed[key] = failed[key] (failed[key] ? ", " : "") $6
		how[key] = $2
	}
	END {
		print "| kernel | WireGuard backend | protection mode | tests passed | packets leaked |"
		print "| --- | --- | --- | ---: | ---: |"
		for (i = 0; i < n; i++) {
			k = order[i]
			b = backend(be[k])
			if (be[k] == auto[kern[k]]) b = b " (auto)"
			t = (passed[k] + 0) "/" total[k]
			if (failed[k]) t = t " (failed: " failed[k] ")"
			printf "| Debian %s | %s | %s | %s | %d |\n", kern[k], b, prot[k], t, leaked[k]
		}
	}')
accels=$(cut -f2 "$results" | sort -u | paste -sd, | sed 's/,/, /g')
# The run's date is in its directory's name (runs/SERIES-YYYYMMDD-HHMMSS[-boot2]), so a
# committed copy of the rows renders the same in any checkout.
day=$(cut -f10 "$results" | sed -nE 's|.*-([0-9]{4})([0-9]{2})([0-9]{2})-[0-9]{6}[^/]*/.*|\1-\2-\3|p' |
	sort | tail -n 1)
note="Debian 12's own kernel packages booted under QEMU ($accels), lab tests $(cut -f6 "$results" |
	awk '!s[$0]++' | paste -sd' ' | sed 's/ /, /g'); ${day:-$(date -u -r "$results" +%F)}."
table=$(printf '%s\n\n%s\n' "$table" "$note")

case $mode in
print) echo "$table" ;;
file)
	mkdir -p "$root/build"
	echo "$table" >"$root/build/tested-on.md"
	echo "tested-on: $root/build/tested-on.md"
	;;
readme)
	"$root/scripts/readme-section.sh" tested-on "$readme" <<<"$table"
	echo "tested-on: table written to $readme"
	;;
esac
