#!/usr/bin/env bash
# Lockdown and the settings: with lockdown on, disconnected means blocked —
# through SIGTERM, SIGKILL and a fresh boot (fexynd --boot in a new
# namespace, before any link is up) — until a tunnel is up or lockdown goes
# off. LAN as set. The kill switch can be turned off (tunnels without
# rules), never together with lockdown. Damaged settings or state files
# block, name the file and line, and stay as evidence. With fexynd stopped,
# `fexyn reset` opens the machine.
#
#   client (fexynd) ─┐                 ┌─ vpn (wireguard-go, NAT)
#   lanhost ─────────┴─ br0 [router] ──┴─ web (counts by source)
#   boot (a fresh namespace) ── veth ── bootpeer (counts what arrives)
#
source "$(dirname "$0")/lab-test.sh"

# One second of traffic to the web host; leaves LEAK_COUNT.
try_web() {
	flow_start 1000 1
	flow_finish >/dev/null
}
lan_answers() { ip netns exec "$NS_CLIENT" ping -c 1 -W 1 "$LAN_HOST" >/dev/null 2>&1; }
table_loaded() { ip netns exec "$NS_CLIENT" nft list table inet fexyn >/dev/null 2>&1; }

fx_lab_bare

echo "--- lockdown on while disconnected"
fx lockdown on >/dev/null
check_eq "status shows lockdown" "$(fx status --json | jq -r .lockdown)" on
try_web
check_eq "packets with the client's real address" "$LEAK_COUNT" 0
check "the LAN host answers (LAN allowed)" lan_answers
fx lan block >/dev/null
check "the LAN host does not answer (LAN blocked)" not lan_answers
fx lan allow >/dev/null
check "the LAN host answers again" lan_answers

echo "--- the kill switch and lockdown exclude each other"
out=$(fx killswitch off 2>&1) && rc=0 || rc=$?
check_eq "kill switch off refused under lockdown" "$rc" 1
check "it says why ($out)" grep -q "lockdown is on" <<<"$out"

echo "--- fexynd stopped (SIGTERM), then killed (SIGKILL): still blocked"
fx_stop
try_web
check_eq "leaks with fexynd stopped" "$LEAK_COUNT" 0
fx_start
check_eq "lockdown survives a restart" "$(fx status --json | jq -r .lockdown)" on
fx_kill9
try_web
check_eq "leaks with fexynd killed" "$LEAK_COUNT" 0
check "the table is still there" table_loaded

echo "--- fexynd --boot in a fresh namespace: blocked before any link is up"
NS_BOOT=fx$$-boot
NS_BOOTPEER=fx$$-bootpeer
ns_add "$NS_BOOT"
ns_add "$NS_BOOTPEER"
ip netns exec "$NS_BOOT" "$FEXYND_BIN" --boot --state-dir "$FX_STATE" 2>>"$FX_LOG"
check "the boot policy is in place" ip netns exec "$NS_BOOT" nft list table inet fexyn
link_pair "$NS_BOOT" eth0 "$NS_BOOTPEER" eth0
ip -n "$NS_BOOT" addr add 203.0.113.1/24 dev eth0
ip -n "$NS_BOOTPEER" addr add 203.0.113.2/24 dev eth0
ip netns exec "$NS_BOOTPEER" nft -f - <<NFT
table inet lab {
	counter got { }
	chain in {
		type filter hook prerouting priority -300;
		ip saddr 203.0.113.1 counter name got
	}
}
NFT
check "nothing leaves the booted namespace" not ip netns exec "$NS_BOOT" ping -c 2 -W 1 203.0.113.2
got=$(ns_counter "$NS_BOOTPEER" lab got)
check_eq "packets that arrived from the booted namespace" "$got" 0
empty=$LAB_TMP/empty-state
mkdir -p "$empty"
ip netns del "$NS_BOOT"
ns_add "$NS_BOOT"
ip netns exec "$NS_BOOT" "$FEXYND_BIN" --boot --state-dir "$empty" 2>>"$FX_LOG"
check "with lockdown off and no tunnel, --boot blocks nothing" \
	not ip netns exec "$NS_BOOT" nft list table inet fexyn

echo "--- with fexynd stopped and lockdown on, fexyn reset (root) opens the machine"
fx reset --state-dir "$FX_STATE" >/dev/null
check "the table is gone" not table_loaded
try_web
check_gt "traffic leaves again (with the real address, as asked)" "$LEAK_COUNT" 0

echo "--- the kill switch off: a tunnel without firewall rules"
fx_start
fx killswitch off >/dev/null
fx connect "$LAB_TMP/vpn1.conf" >/dev/null
check "connected without a table" not table_loaded
out=$(fx lockdown on 2>&1) && rc=0 || rc=$?
check "lockdown refused while the kill switch is off ($out)" [ "$rc" -eq 1 ]
fx killswitch on >/dev/null
check "the kill switch on: the table is back" table_loaded
fx disconnect >/dev/null

echo "--- a truncated settings file: blocked, named, kept"
fx_stop
printf 'version=1\nlockd' >"$FX_STATE/settings"
cp "$FX_STATE/settings" "$LAB_TMP/settings.evidence"
fx_start
check_eq "state" "$(fx_state)" blocked
reason=$(fx status --json | jq -r .reason)
check "the reason names the file and line ($reason)" grep -q "$FX_STATE/settings: line 2" <<<"$reason"
try_web
check_eq "leaks while blocked" "$LEAK_COUNT" 0
check "the file is kept as it was" cmp "$FX_STATE/settings" "$LAB_TMP/settings.evidence"
fx lockdown off >/dev/null
check_eq "a new setting unblocks" "$(fx_state)" disconnected
check "the damaged file was set aside, not overwritten" \
	cmp "$(ls "$FX_STATE"/settings.corrupt-* | head -1)" "$LAB_TMP/settings.evidence"

echo "--- a state file of random bytes: blocked, named"
fx_stop
head -c 512 /dev/urandom >"$FX_STATE/state"
fx_start
check_eq "state" "$(fx_state)" blocked
check "the reason names the file" grep -q "$FX_STATE/state" <<<"$(fx status --json | jq -r .reason)"
try_web
check_eq "leaks while blocked" "$LEAK_COUNT" 0
fx reset >/dev/null
echo "PASS $TEST_NAME"
