#!/usr/bin/env bash
# fexynd rewrites its table while packets flow. Each `fexyn lockdown on|off`
# is one transaction that replaces every rule and every set. With the
# tunnel's link gone (the client blocked), a 20,000 packets/s flow to the
# web host runs through $REWRITES such rewrites: none of it leaves with the
# client's real address, and the LAN is still allowed afterwards.
#
# Why: fexynd once flushed and refilled its sets inside the transaction. On
# Debian's 6.12 kernel a lookup in the LAN set (an interval set) during such
# a transaction matched addresses in neither its old nor its new contents,
# and the LAN rule accepted packets to the internet: 56 leaked around one
# tunnel switch in test-reconnect, and this test failed there (see
# tests/vm/README.md). The sets are now deleted and created anew.
#
#   client (fexynd, tunnel link deleted) ─┐
#                                         ├─ br0 [router] ── web (counts by source)
#   lanhost ──────────────────────────────┘
#
source "$(dirname "$0")/lab-test.sh"

REWRITES=${REWRITES:-100}

fx_lab_connected
lab_client_tunnel_kill
check "blocked once the tunnel is gone" fx_wait_state reconnecting $((10 * FEXYN_LAB_TIME_SCALE))
check "the LAN rule looks up the LAN set" grep -q '@lan4' <<<"$(fx rules)"

# What the client sends to the web host, counted before fexyn's rules see it.
ip netns exec "$NS_CLIENT" nft -f - <<NFT
table inet labflow {
	counter to_web { }
	chain out {
		type filter hook output priority -300;
		ip daddr $WEB udp dport 9999 counter name to_web
	}
}
NFT
sent_to_web() { ns_counter "$NS_CLIENT" labflow to_web; }

flow_start 20000 3600
for _ in $(seq 100); do
	[ "$(sent_to_web)" -gt 1000 ] && break
	sleep 0.05
done
sent_before=$(sent_to_web)
for i in $(seq "$REWRITES"); do
	if [ $((i % 2)) -eq 1 ]; then
		fx lockdown on >/dev/null
	else
		fx lockdown off >/dev/null
	fi
done
sent_during=$(($(sent_to_web) - sent_before))
check "the flow outlasted the rewrites" kill -0 "$FLOW_PID"
kill "$FLOW_PID"
wait "$FLOW_PID" 2>/dev/null || true

check_eq "fexynd rewrote its table once per command" "$(grep -c 'settings: lockdown' "$FX_LOG")" \
	"$REWRITES"
check_gt "packets sent to the web host during the rewrites" "$sent_during" 1000
check_eq "packets with the client's real address" "$(web_counter leak)" 0
check "the LAN set has its elements after the rewrites" \
	grep -q 'elements' <<<"$(ip netns exec "$NS_CLIENT" nft list set inet fexyn lan4)"
check "the LAN is still allowed" ip netns exec "$NS_CLIENT" ping -q -c 1 -W 2 "$LAN_HOST"
echo "PASS $TEST_NAME: $REWRITES rewrites while $sent_during packets were sent to the web host, 0 leaked"
