#!/usr/bin/env bash
# What fexynd may touch (security review, issue 11, items 5, 7 and 8):
#
# - A member of group fexyn who names an existing interface (the client's
#   eth0, a wireguard-go device of someone else's) is refused; both are left
#   exactly as they were.
# - Two fexynds in two network namespaces share /var/run/wireguard (it is not
#   per namespace): the second, asking for the same interface name, is
#   refused with the other process named, and the first's tunnel keeps its
#   keys and carries traffic; under another name both run side by side.
# - No descriptor of fexynd reaches wireguard-go: SIGKILL fexynd with a
#   userspace tunnel up, and the restarted fexynd adopts its own table.
# - wireguard-go gets a minimal environment, not fexynd's.
# - The resolver file keeps its mode under fexynd's umask 077.
# - Routes and rules are undone as they were applied, after the config was
#   edited behind fexynd's back (restart, then disconnect) or deleted
#   (SIGKILL, then offline reset).
#
#   client (fexynd, fexyn0) ─┐                        ┌─ vpn (wireguard-go, NAT)
#   lanhost ─────────────────┴─ br0 [router] br1 ─────┴─ web (counts by source)
#   other (a second fexynd, no network)
#
source "$(dirname "$0")/lab-test.sh"
MEMBER_NAME=fxm$$
MADE_GROUP=
OTHER_PID=
lab_on_teardown() {
	[ -z "$OTHER_PID" ] || kill -9 "$OTHER_PID" 2>/dev/null || true
	fx_teardown
	userdel "$MEMBER_NAME" 2>/dev/null || true
	[ -z "$MADE_GROUP" ] || groupdel fexyn 2>/dev/null || true
}

in_client() { ip netns exec "$NS_CLIENT" "$@"; }

# fexyn as the group member, from the client namespace.
as_member() {
	in_client setpriv --reuid "$MEMBER_NAME" --regid "$(id -g "$MEMBER_NAME")" --init-groups \
		"$FEXYN_BIN" --socket "$FX_SOCK" "$@"
}

run() { # command...: leaves OUT and RC
	OUT=$("$@" 2>&1) && RC=0 || RC=$?
}

# A command in fexynd's mount namespace (its private /run/wireguard).
in_fexynd_mounts() {
	nsenter --target "$FEXYND_PID" --mount "$@"
}

# The socket inodes a process holds.
socket_inodes() { # pid
	find "/proc/$1/fd" -maxdepth 1 -type l -printf '%l\n' 2>/dev/null |
		sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' | sort -u
}

if ! getent group fexyn >/dev/null; then
	groupadd --system fexyn
	MADE_GROUP=1
fi
useradd --system --no-create-home --shell /usr/sbin/nologin -G fexyn "$MEMBER_NAME"

lab_init
lab_up_bare
fx_paths
chmod 0644 "$FX_RESOLV"
chmod 755 "$LAB_TMP" # the member reaches the socket here; the state directory stays 0700
chmod 644 "$LAB_TMP/vpn1.conf"
umask 077
FEXYN_TEST_SECRET=from-fexynd fx_start
umask 022
lab_client_snapshot >"$LAB_TMP/before"

echo "--- a config the member cannot read: fexynd does not read it for them"
cp "$LAB_TMP/vpn1.conf" "$LAB_TMP/root-only.conf"
chmod 600 "$LAB_TMP/root-only.conf"
run as_member connect --no-wait "$LAB_TMP/root-only.conf"
echo "  $OUT"
check "refused (exit $RC)" [ "$RC" -eq 1 ]
check "because the member cannot open it" grep -q "root-only.conf: Permission denied" <<<"$OUT"
check_eq "nothing changed" "$(fx_state)" disconnected
run as_member connect --no-wait "$LAB_TMP/vpn1.conf"
check "the member may connect with a config of their own ($OUT)" [ "$RC" -eq 0 ]
fx disconnect >/dev/null
cp "$LAB_TMP/vpn1.conf" "$LAB_TMP/my vpn.conf"
fx connect "$LAB_TMP/my vpn.conf" >/dev/null
check_eq "root may; a path with a space is fine" "$(fx status --json | jq -r .config)" "$LAB_TMP/my vpn.conf"
check "fexynd keeps its own copy, for root only" \
	[ "$(stat -c %a "$FX_STATE/config.0")" = 600 ]
fx disconnect >/dev/null
check "disconnect removes the copy" not test -e "$FX_STATE/config.0"

echo "--- a member names the client's own eth0"
eth0_before=$(ip -n "$NS_CLIENT" -o addr show dev eth0)
run as_member connect --no-wait --interface eth0 "$LAB_TMP/vpn1.conf"
echo "  $OUT"
check "refused (exit $RC)" [ "$RC" -eq 1 ]
check "it says the interface exists" grep -q "interface eth0 already exists" <<<"$OUT"
check_eq "nothing changed" "$(fx_state)" disconnected
check_eq "eth0 is untouched" "$(ip -n "$NS_CLIENT" -o addr show dev eth0)" "$eth0_before"

echo "--- a member names someone else's wireguard-go device"
new_key foreign
# Not through a shell function: its PID would be a subshell's, not wireguard-go's.
nsenter --target "$FEXYND_PID" --mount ip netns exec "$NS_CLIENT" env WG_PROCESS_FOREGROUND=1 \
	wireguard-go -f wgx >"$LAB_TMP/wgx.log" 2>&1 &
FOREIGN_PID=$!
LAB_PIDS+=("$FOREIGN_PID")
for _ in $(seq 200); do
	in_fexynd_mounts ip netns exec "$NS_CLIENT" wg show wgx >/dev/null 2>&1 && break
	sleep 0.02
done
in_fexynd_mounts ip netns exec "$NS_CLIENT" wg set wgx private-key "$LAB_TMP/foreign.key" listen-port 5555
foreign_before=$(in_fexynd_mounts ip netns exec "$NS_CLIENT" wg show wgx dump)
run as_member connect --no-wait --interface wgx "$LAB_TMP/vpn1.conf"
echo "  $OUT"
check "refused (exit $RC)" [ "$RC" -eq 1 ]
check "it says the interface exists" grep -q "interface wgx already exists" <<<"$OUT"
check "the foreign device still runs" kill -0 "$FOREIGN_PID"
check "with its own key and port" \
	[ "$(in_fexynd_mounts ip netns exec "$NS_CLIENT" wg show wgx dump)" = "$foreign_before" ]
kill "$FOREIGN_PID"
wait "$FOREIGN_PID" 2>/dev/null || true

echo "--- connected: wireguard-go inherits nothing of fexynd's"
fx connect "$LAB_TMP/vpn1.conf" >/dev/null
check_eq "connected" "$(fx_state)" connected
wg_pid=$(lab_client_wg_pid)
check "one wireguard-go ($wg_pid)" [ "$(wc -w <<<"$wg_pid")" -eq 1 ]
check "wireguard-go has sockets of its own" [ -n "$(socket_inodes "$wg_pid")" ]
shared=$(comm -12 <(socket_inodes "$FEXYND_PID") <(socket_inodes "$wg_pid"))
check "no socket of fexynd's is open in wireguard-go ($shared)" [ -z "$shared" ]
env_of_wg=$(tr '\0' '\n' <"/proc/$wg_pid/environ" | sort)
echo "$env_of_wg" | sed 's/^/  | /'
check "wireguard-go did not get fexynd's environment" not grep -q FEXYN_TEST_SECRET <<<"$env_of_wg"
check_eq "wireguard-go's environment" "$(cut -d= -f1 <<<"$env_of_wg" | tr '\n' ' ')" \
	"LC_ALL PATH WG_PROCESS_FOREGROUND "
check_eq "the resolver file kept its mode under umask 077" "$(stat -c %a "$FX_RESOLV")" 644

echo "--- SIGKILL fexynd with its userspace tunnel up; a new fexynd adopts the table"
fx_kill9
t0=$(date +%s%N)
fx_start
for _ in $(seq 100); do
	[ "$(fx status --json | jq -r .table_owner)" = fexynd ] && break
	sleep 0.05
done
echo "  adopted after $((($(date +%s%N) - t0) / 1000000)) ms"
check_eq "the restarted fexynd owns the table" "$(fx status --json | jq -r .table_owner)" fexynd
fx_wait_state connected

echo "--- a second fexynd in another network namespace, the same /var/run/wireguard"
lab_ns_extra NS_OTHER other
new_key other
sed "s|^PrivateKey = .*|PrivateKey = $(cat "$LAB_TMP/other.key")|" "$LAB_TMP/vpn1.conf" >"$LAB_TMP/other.conf"
ours_before=$(in_fexynd_mounts ip netns exec "$NS_CLIENT" wg show fexyn0 private-key)
# fexynd's mount namespace predates the new network namespace's name, so
# nsenter opens it by path before it enters the mounts.
nsenter --target "$FEXYND_PID" --mount --net="/run/netns/$NS_OTHER" "$FEXYND_BIN" --socket "$LAB_TMP/other.sock" \
	--state-dir "$LAB_TMP/other-state" --resolv-conf "$LAB_TMP/other-resolv.conf" \
	>"$LAB_TMP/other.log" 2>&1 &
OTHER_PID=$!
LAB_PIDS+=("$OTHER_PID")
other() { ip netns exec "$NS_OTHER" "$FEXYN_BIN" --socket "$LAB_TMP/other.sock" "$@"; }
for _ in $(seq 100); do
	other status >/dev/null 2>&1 && break
	sleep 0.05
done
other connect --no-wait "$LAB_TMP/other.conf" >/dev/null
for _ in $(seq 100); do
	other_status=$(other status)
	grep -q "belongs to another wireguard-go" <<<"$other_status" && break
	sleep 0.05
done
echo "$other_status" | sed 's/^/  | /'
check "the other fexynd is told the name is taken, and by whom" \
	grep -q "fexyn0.sock belongs to another wireguard-go (pid $(lab_client_wg_pid))" <<<"$other_status"
check "our tunnel kept its key" \
	[ "$(in_fexynd_mounts ip netns exec "$NS_CLIENT" wg show fexyn0 private-key)" = "$ours_before" ]
flow_start 1000 1
flow_finish
check_gt "our tunnel still carries traffic" "$TUNNEL_COUNT" 500
check_eq "packets with the client's real address" "$LEAK_COUNT" 0
run other connect --no-wait --interface fexyn1 "$LAB_TMP/other.conf"
for _ in $(seq 100); do
	nsenter --target "$OTHER_PID" --mount --net wg show fexyn1 >/dev/null 2>&1 && break
	sleep 0.05
done
check "under another name, the other tunnel has its own key" \
	[ "$(nsenter --target "$OTHER_PID" --mount --net wg show fexyn1 private-key)" = "$(cat "$LAB_TMP/other.key")" ]
check "and ours kept its own" \
	[ "$(in_fexynd_mounts ip netns exec "$NS_CLIENT" wg show fexyn0 private-key)" = "$ours_before" ]
other disconnect >/dev/null
kill -9 "$OTHER_PID"
OTHER_PID=

echo "--- the config edited while fexynd was down: the restarted fexynd undoes what it applied"
fx disconnect >/dev/null
sed 's|^AllowedIPs = .*|AllowedIPs = 0.0.0.0/0, ::/0, 10.200.0.0/16|' "$LAB_TMP/vpn1.conf" >"$LAB_TMP/edited.conf"
fx connect "$LAB_TMP/edited.conf" >/dev/null
check "the extra route is in place" grep -q "10.200.0.0/16" <<<"$(ip -n "$NS_CLIENT" route show table all)"
fx_kill9
sed -i 's|^AllowedIPs = .*|AllowedIPs = 10.99.0.0/16|' "$LAB_TMP/edited.conf"
fx_start
fx disconnect >/dev/null
check "after disconnect, everything is as before" diff -u "$LAB_TMP/before" <(lab_client_snapshot)

echo "--- the config deleted while fexynd was dead: the offline reset undoes what was applied"
cp "$LAB_TMP/vpn1.conf" "$LAB_TMP/gone.conf"
sed -i 's|^AllowedIPs = .*|AllowedIPs = 0.0.0.0/0, ::/0, 10.200.0.0/16|' "$LAB_TMP/gone.conf"
fx connect "$LAB_TMP/gone.conf" >/dev/null
fx_kill9
rm "$LAB_TMP/gone.conf"
fx reset --state-dir "$FX_STATE" >/dev/null
check "after the offline reset, everything is as before" diff -u "$LAB_TMP/before" <(lab_client_snapshot)
check_eq "the resolver file has its mode back" "$(stat -c %a "$FX_RESOLV")" 644
echo "PASS $TEST_NAME"
