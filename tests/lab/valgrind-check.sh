#!/usr/bin/env bash
# fexynd under valgrind's memcheck through a whole session in the lab:
# connect with the lab's config, status, rules, a short flow through the
# tunnel, disconnect, guard, garbage on the control socket, SIGTERM. Its
# exit must show 0 errors and 0 bytes definitely lost. Last line:
# "PASS valgrind" or "FAIL valgrind: WHAT".
#
#   client (fexynd under valgrind, fexyn0) ─┐                ┌─ vpn (wireguard-go, NAT)
#   lanhost ────────────────────────────────┴─ br0 [router] br1 ─┴─ web
#
set -euo pipefail
TEST_NAME=valgrind
here=$(cd "$(dirname "$0")" && pwd)
source "$here/netlab.sh"
source "$here/fexyn-lab.sh"
lab_on_teardown() { fx_teardown; }

# Under valgrind fexynd starts 10-50 times slower than natively: fx_start
# gives up polling after 5 s, so keep polling here (the daemon keeps running).
wait_up() { # seconds
	for _ in $(seq $(($1 * 10))); do
		fx status >/dev/null 2>&1 && return 0
		kill -0 "$FEXYND_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "fexynd under valgrind did not come up; its log:" >&2
	cat "$FX_LOG" >&2
	return 1
}

raw_request() {
	ip netns exec "$NS_CLIENT" timeout 20 "$SOCKPIPE_BIN" "$FX_SOCK"
}

command -v valgrind >/dev/null || { echo "FAIL $TEST_NAME: valgrind is not installed"; exit 1; }

lab_init
lab_up_bare
# fx_start runs fexynd under FEXYND_WRAPPER. %p in the log's name: a child
# that fexynd forks (wireguard-go, until its exec) writes a file of its own.
# shellcheck disable=SC2034 # read by fx_start in fexyn-lab.sh
FEXYND_WRAPPER=(valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite
	--error-exitcode=99 --child-silent-after-fork=yes --log-file="$LAB_TMP/valgrind.%p.log")
fx_start || wait_up 60
vg_pid=$FEXYND_PID
vg_log=$LAB_TMP/valgrind.$vg_pid.log
check "valgrind writes its log for fexynd (pid $vg_pid)" [ -s "$vg_log" ]

echo "--- connect, status, rules, a flow, disconnect"
fx connect --wait 60 "$LAB_TMP/vpn1.conf"
check_eq "state after connect" "$(fx_state)" connected
fx status >/dev/null
check "fexyn rules shows the table" grep -q "table inet fexyn" <<<"$(fx rules)"
flow_start 500 1
flow_finish
check_gt "packets reached the web host through the tunnel" "$TUNNEL_COUNT" 100
check_eq "packets with the client's real address" "$LEAK_COUNT" 0
fx disconnect >/dev/null

echo "--- guard a tunnel that is not there, then stop guarding"
fx_guard_lab --dns 10.66.0.1
fx_wait_state connecting
fx status --json >/dev/null
fx disconnect >/dev/null

echo "--- garbage on the control socket"
for garbage in 'hello world' 'guard tunnel=wg0 endpoint=300.1.2.3:1' "$(printf 'status\x01\x02\xff')" \
	'guard tunnel=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa endpoint=1.2.3.4:5' \
	'connect config=relative.conf' 'connect config=/nonexistent.conf' 'reset now=please'; do
	reply=$(printf '%s\n' "$garbage" | raw_request)
	echo "  socket <- $(printf '%q' "$garbage")  ->  $reply"
	check "socket garbage gets an error reply" grep -q '^error ' <<<"$reply"
done
reply=$(head -c 100000 /dev/zero | tr '\0' 'x' | raw_request)
check "an overlong request gets an error reply" grep -q '^error .*longer than' <<<"$reply"
check "fexynd still runs" kill -0 "$vg_pid"

echo "--- SIGTERM; valgrind's verdict"
rc=0
kill -TERM "$vg_pid"
wait "$vg_pid" || rc=$?
FEXYND_PID=
# All of memcheck's report when it found something, else its summary.
if grep -q "ERROR SUMMARY: 0 errors" "$vg_log"; then
	sed -n '/HEAP SUMMARY/,$p' "$vg_log"
else
	sed -n '/^==[0-9]*== Command:/,$p' "$vg_log"
fi | sed 's/^==[0-9]*== /  /'
check "valgrind ran to the end" grep -q "ERROR SUMMARY:" "$vg_log"
check "memcheck: 0 errors (exit $rc, 99 means errors)" grep -q "ERROR SUMMARY: 0 errors" "$vg_log"
check "memcheck: 0 bytes definitely lost" \
	grep -Eq "definitely lost: 0 bytes|no leaks are possible" "$vg_log"
check_eq "fexynd's exit status after SIGTERM" "$rc" 0
echo "PASS $TEST_NAME"
