#!/usr/bin/env bash
# The LAN (issue 4, item 4): `fexyn lan allow|block`, allow by default.
# Allowed means the private and link-local ranges and the multicast used for
# discovery (mDNS 224.0.0.251, SSDP 239.255.255.250), never "the subnet I am
# on": the LAN host counts what reaches it from the client.
#
# - allowed (the default): the LAN host answers; mDNS and SSDP reach it;
# - the client and the LAN host also share a public prefix (203.0.113.0/24
#   on the same wire): nothing reaches the LAN host on it, even allowed;
# - blocked: nothing reaches the LAN host (ping, UDP, TCP, mDNS, SSDP), and
#   programs get an error at once; allowed again, it answers again.
# Without fexyn, the same attempts reach it.
source "$(dirname "$0")/lab-test.sh"

in_client() { ip netns exec "$NS_CLIENT" "$@"; }

lan_count() { # counter
	ns_counter "$NS_LAN" lablan "$1"
}

lan_reset() {
	local c
	for c in private public mdns ssdp; do
		ip netns exec "$NS_LAN" nft reset counter inet lablan "$c" >/dev/null
	done
}

# Everything the client tries towards the LAN host on address $1.
reach_lan() { # addr
	in_client ping -c 2 -i 0.2 -W 1 "$1" >/dev/null 2>&1 || true
	in_client "$FLOOD_BIN" --to "$1:9999" --rate 500 --seconds 1 >&2 || true
	in_client socat -u - "TCP:$1:2222,connect-timeout=1" </dev/null >/dev/null 2>&1 || true
}

discovery() {
	in_client "$FLOOD_BIN" --to 224.0.0.251:5353 --rate 20 --seconds 1 --bind-dev eth0 >&2 || true
	in_client "$FLOOD_BIN" --to 239.255.255.250:1900 --rate 20 --seconds 1 --bind-dev eth0 >&2 || true
}

lab_init
lab_up
# A public prefix on the home LAN's wire as well, as a hostile LAN may use.
ip -n "$NS_CLIENT" addr add 203.0.113.2/24 dev eth0
ip -n "$NS_LAN" addr add 203.0.113.3/24 dev eth0
ip netns exec "$NS_LAN" nft -f - <<NFT
table inet lablan {
	counter private { }
	counter public { }
	counter mdns { }
	counter ssdp { }
	chain pre {
		type filter hook prerouting priority -300;
		ip daddr 224.0.0.251 udp dport 5353 counter name mdns
		ip daddr 239.255.255.250 udp dport 1900 counter name ssdp
		ip saddr $CLIENT_REAL counter name private
		ip saddr 203.0.113.2 counter name public
	}
}
NFT
fx_start
fx_guard_lab
fx_wait_state connected

echo "--- LAN allowed (the default)"
check_eq "status" "$(fx status --json | jq -r .lan)" allow
check "the LAN host answers" quiet in_client ping -c 1 -W 1 "$LAN_HOST"
lan_reset
discovery
check_gt "mDNS reached the LAN host" "$(lan_count mdns)" 0
check_gt "SSDP reached the LAN host" "$(lan_count ssdp)" 0
lan_reset
reach_lan 203.0.113.3
public_with=$(lan_count public)
check "the LAN host does not answer on the public prefix we share" \
	not quiet in_client ping -c 1 -W 1 203.0.113.3

echo "--- LAN blocked"
fx lan block >/dev/null
check_eq "status" "$(fx status --json | jq -r .lan)" block
check_eq "still connected" "$(fx_state)" connected
out=$(in_client "$FLOOD_BIN" --to "$LAN_HOST:9999" --rate 100 --seconds 1)
check "sends to the LAN host fail at once ($out)" grep -q '^sent=0 ' <<<"$out"
lan_reset
reach_lan "$LAN_HOST"
discovery
blocked_with=$(($(lan_count private) + $(lan_count mdns) + $(lan_count ssdp)))
echo "  at the LAN host: $blocked_with"
flow_start 1000 1
flow_finish
check_gt "the tunnel still carries traffic" "$TUNNEL_COUNT" 500

echo "--- LAN allowed again"
fx lan allow >/dev/null
check_eq "status" "$(fx status --json | jq -r .lan)" allow
check "the LAN host answers again" quiet in_client ping -c 1 -W 1 "$LAN_HOST"

echo "--- without fexyn"
fx disconnect >/dev/null
lan_reset
reach_lan "$LAN_HOST"
discovery
blocked_without=$(($(lan_count private) + $(lan_count mdns) + $(lan_count ssdp)))
lan_reset
reach_lan 203.0.113.3
public_without=$(lan_count public)

leak_record "LAN blocked (fexyn lan block)" \
	"ping, UDP, TCP, mDNS and SSDP from the client to the LAN host; counted at the LAN host" \
	"$blocked_with" "$blocked_without"
leak_record "LAN allowed is not the subnet I am on" \
	"with the LAN allowed, ping, UDP and TCP to the LAN host on a public prefix the two share on the wire (203.0.113.0/24)" \
	"$public_with" "$public_without"
leak_report
echo "PASS $TEST_NAME"
