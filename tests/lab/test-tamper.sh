#!/usr/bin/env bash
# Another root process runs `nft flush ruleset` and `nft delete table inet
# fexyn` while fexynd runs. With the kernel's owner flag the owned table
# survives untouched and nothing leaks (owner+persist: inet fexyn itself;
# owned+unowned, before Linux 6.9: inet fexyn_owned, and inet fexyn comes
# back). Without the owner flag (before 5.12, or --no-table-flags) the
# delete succeeds, and fexynd restores the table from the nftables event:
# what must hold then is the restore, and that the flood gets nothing out.
source "$(dirname "$0")/lab-test.sh"

in_client() { ip netns exec "$NS_CLIENT" "$@"; }

fx_lab_connected
protection=$(fx status --json | jq -r .protection)
# The owned table: inet fexyn itself with owner+persist; with owned+unowned
# (kernels before 6.9) the second copy, and test-tamper-two-tables covers
# what happens to inet fexyn there.
owned=fexyn
[ "$protection" = owned+unowned ] && owned=fexyn_owned
echo "  protection on this kernel: $protection"

echo "--- tunnel down, then tampering, with a flood trying to leak"
lab_client_tunnel_kill
fx_wait_state reconnecting
if [ "$protection" != monitor ]; then
	before=$(fx_table_snapshot)
	flow_start 5000 2
	check "nft flush ruleset leaves the owned table" \
		sh -c "ip netns exec $NS_CLIENT nft flush ruleset && ip netns exec $NS_CLIENT nft list table inet $owned >/dev/null"
	check "nft delete table is refused" not in_client nft delete table inet "$owned" 2>/dev/null
	check "nft flush table is refused" not in_client nft flush table inet "$owned" 2>/dev/null
	check "adding a rule to the table is refused" \
		not in_client nft add rule inet "$owned" output accept 2>/dev/null
	flow_finish
	check "table inet fexyn is there (owned+unowned: restored)" fx_wait_table
	if [ "$protection" = owner+persist ]; then
		check "ruleset unchanged" [ "$before" = "$(fx_table_snapshot)" ]
	else
		check "ruleset restored" [ "$(jq -S 'walk(if type == "object" then del(.handle) else . end)' <<<"$before")" = "$(fx_table_snapshot --no-handles)" ]
	fi
else
	echo "  protection: monitor (no owner flag on this kernel): fexynd restores the table"
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
