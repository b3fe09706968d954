#!/usr/bin/env bash
# Bad input gets a clear error, the daemon keeps running, and the ruleset
# does not change: from the command line and written straight to the socket.
source "$(dirname "$0")/lab-test.sh"

# Runs fexyn, expects exit code $1 and a message matching $2 on stderr.
expect_error() { # code pattern args...
	local code=$1 pattern=$2 rc=0 err
	shift 2
	err=$(fx "$@" 2>&1 >/dev/null) || rc=$?
	echo "  fexyn $*  ->  exit $rc: $err"
	check "exit code $code for: $*" [ "$rc" -eq "$code" ]
	check "message names the problem: $pattern" grep -q -- "$pattern" <<<"$err"
}

# Sends raw bytes to the control socket from inside the namespace.
raw_request() {
	ip netns exec "$NS_CLIENT" timeout 5 "$SOCKPIPE_BIN" "$FX_SOCK"
}

fx_lab_connected
before=$(fx_table_snapshot)

expect_error 2 "missing port" guard --tunnel wg0 --endpoint 198.51.100.10
expect_error 2 "40 characters" guard --tunnel aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa --endpoint 198.51.100.10:51820
expect_error 2 "'300.1.2.3' is not an IPv4 or IPv6 address" guard --tunnel wg0 --endpoint 300.1.2.3:51820
expect_error 2 "unknown command 'frobnicate'" frobnicate
expect_error 2 "unknown option" status --colour
expect_error 2 "tunnel: missing" guard --endpoint 198.51.100.10:51820

for garbage in 'hello world' 'guard tunnel=wg0 endpoint=300.1.2.3:1' "$(printf 'status\x01\x02\xff')" \
	'guard tunnel=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa endpoint=1.2.3.4:5' 'reset now=please'; do
	reply=$(printf '%s\n' "$garbage" | raw_request)
	echo "  socket <- $(printf '%q' "$garbage")  ->  $reply"
	check "socket garbage gets an error reply" grep -q '^error ' <<<"$reply"
done
reply=$(head -c 100000 /dev/zero | tr '\0' 'x' | raw_request)
echo "  socket <- 100000 bytes without a newline  ->  $reply"
check "an overlong request gets an error reply" grep -q '^error .*longer than' <<<"$reply"

rc=0
ip netns exec "$NS_CLIENT" "$FEXYND_BIN" --socket "$FX_SOCK" --state-dir "$FX_STATE" \
	2>"$LAB_TMP/second.log" || rc=$?
echo "  a second fexynd on the same socket -> exit $rc: $(tail -n 1 "$LAB_TMP/second.log")"
check "a second fexynd refuses to start" [ "$rc" -ne 0 ]
check "and says why" grep -q "already listening" "$LAB_TMP/second.log"

check "fexynd still runs" kill -0 "$FEXYND_PID"
check_eq "still connected" "$(fx_state)" connected
check "ruleset unchanged" [ "$before" = "$(fx_table_snapshot)" ]
echo "PASS $TEST_NAME"
