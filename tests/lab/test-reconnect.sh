#!/usr/bin/env bash
# Two VPN servers. The first one's wireguard-go is SIGKILLed in the middle
# of a 5,000 packets/s flow: fexyn notices the silence with its probes,
# moves to the second config, and the flow arrives through the second
# server within 5 s of the kill. No packet arrives with the client's real
# address, and after the switch no packet goes to the first server.
#
#   client (fexynd, fexyn0) ─┐                ┌─ vpn  198.51.100.10 (killed)
#                            ├─ br0 [router] ─┼─ vpn2 198.51.100.11
#   lanhost ─────────────────┘                └─ web  (counts by source)
#
source "$(dirname "$0")/lab-test.sh"

now_ms() { date +%s%3N; }

LAB_TWO_SERVERS=1
fx_lab_bare
# The first server counts what the client still sends it.
ip netns exec "$NS_VPN" nft -f - <<NFT
table inet lab {
	counter from_client { }
	chain pre {
		type filter hook prerouting priority -300;
		ip saddr $CLIENT_REAL udp dport $VPN_PORT counter name from_client
	}
}
NFT
vpn1_from_client() {
	ns_counter "$NS_VPN" lab from_client
}

fx connect "$LAB_TMP/vpn1.conf" "$LAB_TMP/vpn2.conf"
check_eq "connected to the first server" "$(fx status --json | jq -r '.endpoint[0]')" \
	"$VPN_EP:$VPN_PORT/udp"

flow_start 5000 10
flow_wait_tunnel 1000
echo "  killing the first server's wireguard-go (pid $VPN_WG_PID)"
kill -9 "$VPN_WG_PID"
killed=$(now_ms)
switched=
for _ in $(seq $((200 * FEXYN_LAB_TIME_SCALE))); do
	if [ "$(web_counter tunnel2)" -gt 0 ]; then
		switched=$(now_ms)
		break
	fi
	sleep 0.05
done
check "traffic arrives through the second server" [ -n "$switched" ]
elapsed=$((switched - killed))
echo "  the flow arrived through the second server $elapsed ms after the kill"
limit=$((5000 * FEXYN_LAB_TIME_SCALE))
check "the second server carries traffic within $((limit / 1000)) s ($elapsed ms)" [ "$elapsed" -le "$limit" ]
# fexynd says connected once its probe through the new tunnel is answered,
# which can come a moment after the flow's first packet did: polled.
check "the state becomes connected" fx_wait_state connected $((5 * FEXYN_LAB_TIME_SCALE))
check_eq "status shows the second server" "$(fx status --json | jq -r '.endpoint[0]')" \
	"$VPN2_EP:$VPN_PORT/udp"
check_eq "status shows the second config" "$(fx status --json | jq -r .config)" "$LAB_TMP/vpn2.conf"
check "status says what happened" grep -q "stopped answering" <<<"$(fx status --json | jq -r .last_error)"
check_eq "status counts the failed attempt" "$(fx status --json | jq -r .attempts)" 1

# What the first server got after the switch: nothing.
ip netns exec "$NS_VPN" nft reset counter inet lab from_client >/dev/null
flow_finish
check_eq "packets with the client's real address" "$LEAK_COUNT" 0
check_gt "packets through the second server" "$(web_counter tunnel2)" 1000
check_eq "packets to the first server after the switch" "$(vpn1_from_client)" 0
echo "PASS $TEST_NAME: switched in $elapsed ms, 0 leaked"
