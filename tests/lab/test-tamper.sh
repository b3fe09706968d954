#!/usr/bin/env bash
# Another root process runs `nft flush ruleset` and `nft delete table inet
# fexyn` while fexynd runs. With the kernel's owner flag the table survives
# untouched and nothing leaks. With the flags turned off (as on kernels
# before 6.9) the delete succeeds, and fexynd restores the table from the
# nftables event. On such a kernel (tests/vm: Debian 12's 6.1) the first
# part, too, checks the restore and the flood instead of the refusal.
set -euo pipefail
TEST_NAME=tamper
here=$(cd "$(dirname "$0")" && pwd)
source "$here/netlab.sh"
source "$here/fexyn-lab.sh"
lab_on_teardown() { fx_teardown; }

in_client() { ip netns exec "$NS_CLIENT" "$@"; }

fx_lab_connected
before=$(fx_table_snapshot)

echo "--- tunnel down, then tampering, with a flood trying to leak"
lab_client_tunnel_kill
fx_wait_state reconnecting
protection=$(fx_protection)
if [ "$protection" = owner+persist ]; then
	before=$(fx_table_snapshot)
	flow_start 5000 2
	check "nft flush ruleset leaves the table" in_client nft flush ruleset
	check "nft delete table is refused" not in_client nft delete table inet fexyn 2>/dev/null
	check "nft flush table is refused" not in_client nft flush table inet fexyn 2>/dev/null
	check "adding a rule to the table is refused" \
		not in_client nft add rule inet fexyn output accept 2>/dev/null
	flow_finish
	check "ruleset unchanged" [ "$before" = "$(fx_table_snapshot)" ]
else
	# A kernel without the owner flag (before 6.9) lets root delete the
	# table: what must hold is that fexynd puts it back, and that the flood
	# gets nothing out meanwhile.
	echo "  protection: $protection (no owner flag on this kernel): fexynd restores the table"
	before=$(fx_table_snapshot --no-handles)
	flow_start 5000 2
	check "nft flush ruleset goes through" in_client nft flush ruleset
	check "table restored after flush ruleset" fx_wait_table
	check "nft delete table goes through" in_client nft delete table inet fexyn
	check "table restored after delete" fx_wait_table
	flow_finish
	check "restored ruleset equals the original" [ "$before" = "$(fx_table_snapshot --no-handles)" ]
fi
check_eq "packets with the client's real address" "$LEAK_COUNT" 0
check_eq "status still reports fexynd's hold on the table" \
	"$(fx status --json | jq -r .table_owner)" "$(fx_expected_owner)"

echo "--- without the owner flag: fexynd restores a deleted table"
fx disconnect >/dev/null
fx_stop
FEXYND_EXTRA_ARGS=(--no-table-flags)
fx_start
fx_guard_lab
fx_wait_state connecting
check_eq "protection mode is the monitor" "$(fx status --json | jq -r .protection)" monitor
before=$(fx_table_snapshot --no-handles)
check "the delete goes through without the flag" in_client nft delete table inet fexyn
restored=no
for _ in $(seq 100); do
	if in_client nft list table inet fexyn >/dev/null 2>&1; then
		restored=yes
		break
	fi
	sleep 0.02
done
check_eq "table restored after delete" "$restored" yes
check "restored ruleset equals the original" [ "$before" = "$(fx_table_snapshot --no-handles)" ]
check "fexynd logged the tampering" grep -q "another process changed table inet fexyn" "$FX_LOG"
in_client nft flush ruleset
for _ in $(seq 100); do
	in_client nft list table inet fexyn >/dev/null 2>&1 && break
	sleep 0.02
done
check "table restored after flush ruleset" in_client nft list table inet fexyn >/dev/null
echo "PASS $TEST_NAME"
