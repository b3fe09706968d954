#!/usr/bin/env bash
# The endpoint carve-out admits only the tunnel's own packets: a program's
# UDP socket sending to the endpoint's address and port without the fwmark
# is blocked; the same packets carrying the mark pass. Also: loopback works,
# the LAN host answers (LAN is allowed by default), and a program that binds
# to the physical interface cannot get around the rules.
source "$(dirname "$0")/lab-test.sh"

in_client() { ip netns exec "$NS_CLIENT" "$@"; }

# Counts, at the VPN server, UDP from the client's real address to the endpoint
# port, so the test sees what crossed the wire, not what the sender claims.
server_counter_up() {
	ip netns exec "$NS_VPN" nft -f - <<-NFT
	table inet probe {
		counter to_endpoint { }
		chain pre {
			type filter hook prerouting priority -300;
			ip saddr $CLIENT_REAL udp dport $VPN_PORT counter name to_endpoint
		}
	}
	NFT
}

server_count() {
	ns_counter "$NS_VPN" probe to_endpoint
}

server_reset() {
	ip netns exec "$NS_VPN" nft reset counter inet probe to_endpoint >/dev/null
}

fx_lab_connected
server_counter_up

echo "--- loopback and LAN while connected"
check "loopback answers" in_client ping -c 1 -W 1 127.0.0.1 >/dev/null
check "the LAN host answers" in_client ping -c 2 -W 1 "$LAN_HOST" >/dev/null

echo "--- a program's own socket to the endpoint (tunnel stopped, so only our packets)"
lab_client_tunnel_kill
fx_wait_state reconnecting
server_reset
out=$(in_client "$FLOOD_BIN" --to "$VPN_EP:$VPN_PORT" --rate 1000 --seconds 1)
echo "  unmarked: $out; at the server: $(server_count)"
check_eq "unmarked packets to the endpoint that arrived" "$(server_count)" 0
check "unmarked sends were refused" grep -Eq 'sent=0 ' <<<"$out"
server_reset
out=$(in_client "$FLOOD_BIN" --to "$VPN_EP:$VPN_PORT" --rate 1000 --seconds 1 --mark "$FWMARK")
echo "  marked: $out; at the server: $(server_count)"
check_gt "marked packets to the endpoint that arrived" "$(server_count)" 900
server_reset
out=$(in_client "$FLOOD_BIN" --to "$VPN_EP:$((VPN_PORT + 1))" --rate 1000 --seconds 1 --mark "$FWMARK")
check "marked packets to another port are refused" grep -Eq 'sent=0 ' <<<"$out"

echo "--- bypass attempts while reconnecting"
web_counters_reset
out=$(in_client "$FLOOD_BIN" --to "$WEB:9999" --rate 1000 --seconds 1 --bind-dev eth0)
echo "  bound to eth0: $out"
in_client ping -c 3 -i 0.2 -W 1 -I eth0 "$WEB" >/dev/null 2>&1 || true
check_eq "packets with the client's real address" "$(web_counter leak)" 0
check "the LAN host still answers while reconnecting" in_client ping -c 1 -W 1 "$LAN_HOST" >/dev/null
echo "PASS $TEST_NAME"
