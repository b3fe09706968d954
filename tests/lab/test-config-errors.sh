#!/usr/bin/env bash
# Broken wg-quick configs: each gets a clear error naming the file, the line
# and the key, from `fexyn connect` and from fexynd itself (a request
# written straight to the socket, the file passed open with it), and nothing
# changes in the client. fexynd opens no path for a client: a request that
# names a config without passing the file is refused.
#
#   client (fexynd) ── br0 [router] ── vpn, web
#
source "$(dirname "$0")/lab-test.sh"

fx_lab_bare
lab_client_snapshot >"$LAB_TMP/before"
good=$LAB_TMP/vpn1.conf
key=$(sed -n 's/^PrivateKey = //p' "$good")

# Writes a variant of the good config: sed expression → file.
variant() { # name sed-expression
	sed "$2" "$good" >"$LAB_TMP/$1.conf"
	echo "$LAB_TMP/$1.conf"
}

expect_error() { # description file expected-text
	local out rc=0
	out=$(fx connect --wait 1 "$2" 2>&1) || rc=$?
	check "$1: refused ($out)" [ "$rc" -eq 1 ]
	check "$1: says '$3'" grep -qF -- "$3" <<<"$out"
	check "$1: the key is never echoed" not grep -qF -- "$key" <<<"$out"
	# The daemon checks the same file itself, passed open as fexyn passes it.
	[ -e "$2" ] || return 0
	out=$(printf 'connect config=%s\n' "$2" |
		ip netns exec "$NS_CLIENT" "$SOCKPIPE_BIN" --fd "$2" "$FX_SOCK")
	check "$1: fexynd refuses too" grep -qF -- "$3" <<<"$out"
}

f=$(variant badb64 's/^PrivateKey = .*/PrivateKey = not*base64!!/')
expect_error "bad base64 key" "$f" "$f:3: PrivateKey"
f=$(variant short 's/^PrivateKey = .*/PrivateKey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==/')
expect_error "key of the wrong length" "$f" "$f:3: PrivateKey"
f=$(variant nopub '/^PublicKey/d')
expect_error "missing PublicKey" "$f" "$f:7: [Peer]: PublicKey missing"
f=$(variant section 's/^\[Peer\]/[Pear]/')
expect_error "unknown section" "$f" "$f:7: [Pear]"
f=$(variant noport "s/^Endpoint = .*/Endpoint = $VPN_EP/")
expect_error "Endpoint without port" "$f" "$f:10: Endpoint: missing port"
f=$(variant postup '/^DNS/a PostUp = iptables -F')
expect_error "PostUp present" "$f" "$f:6: PostUp: refused"
f=$LAB_TMP/huge.conf
head -c 1048576 /dev/zero | tr '\0' '#' >"$f"
expect_error "a 1 MiB file" "$f" "larger than"
f=$LAB_TMP/binary.conf
head -c 4096 /dev/urandom >"$f"
expect_error "a binary file" "$f" "not a text file"
expect_error "a file that is not there" "$LAB_TMP/nothing.conf" "$LAB_TMP/nothing.conf"
mkfifo "$LAB_TMP/fifo.conf"
out=$(printf 'connect config=%s\n' "$LAB_TMP/fifo.conf" |
	ip netns exec "$NS_CLIENT" "$SOCKPIPE_BIN" --fd "$LAB_TMP/fifo.conf" "$FX_SOCK")
check "a FIFO passed as a config is refused ($out)" grep -q "not a regular file" <<<"$out"

echo "--- a config named by path alone: fexynd does not open it"
out=$(printf 'connect config=%s\n' "$good" | ip netns exec "$NS_CLIENT" "$SOCKPIPE_BIN" "$FX_SOCK")
check "refused ($out)" grep -q "fexynd opens no file for a client" <<<"$out"
check_eq "nothing changed" "$(fx_state)" disconnected
out=$(printf 'connect config=%s config=%s\n' "$good" "$good" |
	ip netns exec "$NS_CLIENT" "$SOCKPIPE_BIN" --fd "$good" "$FX_SOCK")
check "two named, one passed: refused ($out)" grep -q "2 configs named but 1 open file passed" <<<"$out"
out=$(printf 'status\n' | ip netns exec "$NS_CLIENT" "$SOCKPIPE_BIN" --fd "$good" "$FX_SOCK")
check "a file passed to a verb that takes none is refused ($out)" \
	grep -q "unexpected file descriptors" <<<"$out"

echo "--- while a tunnel is guarded, a broken config takes nothing away"
fx_guard_lab >/dev/null
fx_wait_state connecting # wg0 does not exist here
out=$(printf 'connect config=%s\n' "$LAB_TMP/nopub.conf" |
	ip netns exec "$NS_CLIENT" "$SOCKPIPE_BIN" --fd "$LAB_TMP/nopub.conf" "$FX_SOCK")
check "fexynd refuses it ($out)" grep -q "nothing changed" <<<"$out"
fx lan block >/dev/null # the next event: the state machine runs again
check_eq "still guarded after the next change" "$(fx_state)" connecting
check "the table is still there" quiet ip netns exec "$NS_CLIENT" nft list table inet fexyn
fx lan allow >/dev/null
fx disconnect >/dev/null

check "fexynd still runs" kill -0 "$FEXYND_PID"
check_eq "fexynd is still disconnected" "$(fx_state)" disconnected
check "nothing changed in the client" diff -u "$LAB_TMP/before" <(lab_client_snapshot)
echo "PASS $TEST_NAME"
