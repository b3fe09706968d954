#!/usr/bin/env bash
# Turns the LEAKROW lines the lab tests print into the README's table of leak
# scenarios, so that the table always comes from a test run, never by hand.
#
#   tests/lab/leak-table.sh [--print] [--readme FILE] [--save-rows FILE] [LOG ...]
#   tests/lab/leak-table.sh [--print] [--readme FILE] --rows FILE
#
# LOGs default to build/lab-*.log (what test.sh writes), the leak tests in the
# issue's order first. A LEAKROW line is
#   LEAKROW|scenario|what is attempted|packets leaked with fexyn|packets leaked without
# ("n/a" when a scenario is not a leak attempt). The table replaces whatever
# is between the lines <!-- leaks:begin --> and <!-- leaks:end --> in the
# README (README.md at the top of the tree by default); --print writes it to
# stdout instead. --save-rows keeps the LEAKROW lines found (the committed
# docs/results/leak-rows.txt, written by scripts/gen-docs.sh); --rows reads
# them from such a file instead of logs. Exit status: 0 done, 1 no rows or
# no markers, 2 usage.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
readme=$root/README.md
print=false
logs=()
rows_in=
rows_out=

while [ $# -gt 0 ]; do
	case $1 in
	--print) print=true ;;
	--rows | --save-rows)
		[ $# -ge 2 ] || { echo "leak-table: $1 needs a file" >&2; exit 2; }
		if [ "$1" = --rows ]; then rows_in=$2; else rows_out=$2; fi
		shift
		;;
	--readme)
		[ $# -ge 2 ] || { echo "leak-table: --readme needs a file" >&2; exit 2; }
		readme=$2
		shift
		;;
	-h | --help)
		sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	-*) echo "leak-table: unknown option $1" >&2; exit 2 ;;
	*) logs+=("$1") ;;
	esac
	shift
done
if [ -z "$rows_in" ] && [ "${#logs[@]}" -eq 0 ]; then
	# The leak tests in the issue's order, then any other lab log.
	for t in dns ipv6 dhcp lan forward hostile netchange bypass tamper injection tunnel-prefixes; do
		[ -e "$root/build/lab-test-leak-$t.log" ] && logs+=("$root/build/lab-test-leak-$t.log")
	done
	shopt -s nullglob
	for log in "$root"/build/lab-*.log; do
		case " ${logs[*]} " in *" $log "*) ;; *) logs+=("$log") ;; esac
	done
	shopt -u nullglob
fi

# The LEAKROW lines, from the logs or from a saved rows file.
rows() {
	if [ -n "$rows_in" ]; then
		grep -a '^LEAKROW|' "$rows_in"
		return
	fi
	for log in "${logs[@]}"; do
		[ -r "$log" ] || { echo "leak-table: cannot read $log" >&2; exit 1; }
		grep -a '^LEAKROW|' "$log" || true
	done
}
if [ -n "$rows_out" ]; then
	rows >"$rows_out.new"
	[ -s "$rows_out.new" ] || { rm -f "$rows_out.new"; echo "leak-table: no LEAKROW lines" >&2; exit 1; }
	mv "$rows_out.new" "$rows_out"
fi

# The rows in log order, a scenario named twice keeping its first place and
# its last values; numbers with thousands separators, "n/a" as a dash.
table=$(
	rows | awk -F'|' '
		function num(s,   out) {
			if (s == "n/a") return "—"
			if (s !~ /^[0-9]+$/) return s
			out = ""
			while (length(s) > 3) {
				out = "," substr(s, length(s) - 2) out
				s = substr(s, 1, length(s) - 3)
			}
			return s out
		}
		NF >= 5 {
			if (!($2 in row)) order[n++] = $2
			row[$2] = "| " $2 " | " $3 " | " num($4) " | " num($5) " |"
		}
		END {
			if (n == 0) exit 1
			print "| scenario | what is attempted | packets leaked with fexyn | packets leaked without |"
			print "| --- | --- | ---: | ---: |"
			for (i = 0; i < n; i++) print row[order[i]]
		}'
) || { echo "leak-table: no LEAKROW lines in ${logs[*]:-build/lab-*.log}" >&2; exit 1; }

if $print; then
	echo "$table"
	exit 0
fi

"$root/scripts/readme-section.sh" leaks "$readme" <<<"$table"
echo "leak-table: $(($(wc -l <<<"$table") - 2)) scenarios written to $readme"
