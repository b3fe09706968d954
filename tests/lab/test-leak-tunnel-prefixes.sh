#!/usr/bin/env bash
# The LAN allowance must not carry the VPN's own traffic in clear. A VPN's
# DNS server (10.66.0.1), its subnet and the private prefixes it routes
# (AllowedIPs 10.200.0.0/16) are private addresses, inside what "LAN
# allowed" lets out. When the tunnel is gone, traffic to them follows the
# default route to the home router: queries to the VPN's resolver, and
# whatever the provider's private network carries, go out in clear on the
# LAN. fexyn cuts them out of the LAN allowance, in every state.
#
#   client eth0 .2 ── [lan-client] br0 .1 [router] br1 ── vpn (wireguard-go,
#   [fexyn0 10.66.0.2]  (labwire: every frame     10.66.0.1 on wg0; labvpn
#                        the client puts on the    counts what arrives
#   lanhost eth0 .3 ──   LAN wire, by destination) through the tunnel)
#
# fexynd starts the lab's wireguard-go through a wrapper that refuses to
# start while the test holds the tunnel down: deleting fexyn0 then leaves
# fexynd reconnecting with no tunnel link at all, as when wireguard-go
# crashes again and again.
#
# - A full tunnel plus a private prefix (AllowedIPs 0.0.0.0/0, ::/0,
#   10.200.0.0/16): connected, UDP to the DNS server (port 53 and 9999) and
#   into 10.200.0.0/16 goes through the tunnel; bound to eth0, none of it
#   reaches the LAN wire. With the tunnel link deleted and held down
#   (reconnecting), none reaches the LAN wire; private addresses that are not
#   the tunnel's still do, and the LAN host answers. Released, fexynd
#   reconnects on its own and the traffic goes through the tunnel again.
# - A split tunnel (Address 10.66.0.2/24, AllowedIPs 10.66.0.1/32,
#   10.200.0.0/16): the same, and the address's subnet (10.66.0.7) too.
# - Without fexyn (a wg-quick-like full tunnel): bound to eth0, and after the
#   tunnel died, the same packets reach the LAN wire.
# - fexyn guard on that tunnel, given the same prefixes as options (--dns,
#   --address, --route): after the tunnel died (its link gone, nothing
#   brings it back), none of them reaches the LAN wire.
source "$(dirname "$0")/lab-test.sh"

DNS_SERVER=10.66.0.1
ROUTED=10.200.0.5 # in the AllowedIPs' private prefix 10.200.0.0/16
SUBNET_HOST=10.66.0.7 # on the split config's subnet 10.66.0.0/24
OTHERS="10.201.0.1 10.66.1.1" # private, next to the cuts, not the tunnel's

in_client() { ip netns exec "$NS_CLIENT" "$@"; }

wire_count() { # counter (ns_counter reads inet tables; this one is a bridge table)
	ip netns exec "$NS_ROUTER" nft -j list counter bridge labwire "$1" |
		jq '.nftables[] | select(.counter) | .counter.packets'
}
vpn_count() { ns_counter "$NS_VPN" labvpn "$1"; }

# UDP from the client to the tunnel's DNS server (53 and 9999), into the
# routed prefix, to the subnet host and to the other private addresses, all
# at once, plus a dig to the DNS server. Leaves what reached the LAN wire in
# WIRE_DNS, WIRE_SERVER, WIRE_ROUTE, WIRE_SUBNET and WIRE_OTHER, and what
# reached the VPN server through the tunnel in VPN_DNS, VPN_SERVER, VPN_ROUTE.
send_all() { # [udpflood options, e.g. --bind-dev eth0]
	local c pids=() to
	for c in dns server route subnet other; do
		ip netns exec "$NS_ROUTER" nft reset counter bridge labwire "$c" >/dev/null
	done
	for c in dns server route; do
		ip netns exec "$NS_VPN" nft reset counter inet labvpn "$c" >/dev/null
	done
	for to in "$DNS_SERVER:53" "$DNS_SERVER:9999" "$ROUTED:9999" "$SUBNET_HOST:9999" $OTHERS; do
		[[ $to == *:* ]] || to=$to:9999
		ip netns exec "$NS_CLIENT" "$FLOOD_BIN" --to "$to" --rate 500 --seconds 1 "$@" >&2 &
		pids+=($!)
	done
	ip netns exec "$NS_CLIENT" dig +short +tries=1 +time=1 "@$DNS_SERVER" lab.test >/dev/null 2>&1 &
	pids+=($!)
	wait "${pids[@]}" || true
	sleep 0.2
	WIRE_DNS=$(wire_count dns)
	WIRE_SERVER=$(wire_count server)
	WIRE_ROUTE=$(wire_count route)
	WIRE_SUBNET=$(wire_count subnet)
	WIRE_OTHER=$(wire_count other)
	VPN_DNS=$(vpn_count dns)
	VPN_SERVER=$(vpn_count server)
	VPN_ROUTE=$(vpn_count route)
	echo "  on the LAN wire: dns=$WIRE_DNS server=$WIRE_SERVER route=$WIRE_ROUTE subnet=$WIRE_SUBNET other=$WIRE_OTHER;" \
		"through the tunnel: dns=$VPN_DNS server=$VPN_SERVER route=$VPN_ROUTE"
}

# Adds what reached the LAN wire to the totals with fexyn; the subnet host
# counts only where the config makes it the tunnel's ($1 = subnet).
add_with() { # [subnet]
	dns_with=$((dns_with + WIRE_DNS))
	server_with=$((server_with + WIRE_SERVER))
	route_with=$((route_with + WIRE_ROUTE))
	if [ "${1:-}" = subnet ]; then
		subnet_with=$((subnet_with + WIRE_SUBNET))
	fi
}

# The tunnel carries it all (the subnet host is not in AllowedIPs).
check_through_tunnel() {
	check_gt "the DNS server's port 53 through the tunnel" "$VPN_DNS" 0
	check_gt "the DNS server's port 9999 through the tunnel" "$VPN_SERVER" 0
	check_gt "the routed prefix through the tunnel" "$VPN_ROUTE" 0
}

# The LAN allowance still lets out what is not the tunnel's.
check_lan_works() {
	check_gt "other private addresses reach the LAN wire" "$WIRE_OTHER" 500
	check "the LAN host answers" quiet in_client ping -c 1 -W 1 "$LAN_HOST"
}

# Deletes the tunnel's link with wireguard-go held down; fexynd reconnects
# without a tunnel link.
tunnel_gone() {
	touch "$LAB_TMP/hold-down"
	ip -n "$NS_CLIENT" link del fexyn0
	fx_wait_state reconnecting
	check "fexyn0 is gone" not quiet ip -n "$NS_CLIENT" link show fexyn0
}

# Lets wireguard-go start again; fexynd retries on its own.
tunnel_back() {
	rm "$LAB_TMP/hold-down"
	fx_wait_state connected
}

lab_init
lab_up_bare
# Every frame the client puts on the LAN wire, by destination.
ip netns exec "$NS_ROUTER" nft -f - <<NFT
table bridge labwire {
	counter dns { }
	counter server { }
	counter route { }
	counter subnet { }
	counter other { }
	chain pre {
		type filter hook prerouting priority -300;
		iifname != "lan-client" accept
		ip daddr $DNS_SERVER meta l4proto { tcp, udp } th dport 53 counter name dns accept
		ip daddr $DNS_SERVER counter name server accept
		ip daddr 10.200.0.0/16 counter name route accept
		ip daddr $SUBNET_HOST counter name subnet accept
		ip daddr { ${OTHERS// /, } } counter name other accept
	}
}
NFT
# What reaches the VPN server through the tunnel.
ip netns exec "$NS_VPN" nft -f - <<NFT
table inet labvpn {
	counter dns { }
	counter server { }
	counter route { }
	chain pre {
		type filter hook prerouting priority -300;
		iifname != "wg0" accept
		ip daddr $DNS_SERVER meta l4proto { tcp, udp } th dport 53 counter name dns accept
		ip daddr $DNS_SERVER udp dport 9999 counter name server accept
		ip daddr 10.200.0.0/16 counter name route accept
	}
}
NFT
sed 's|^AllowedIPs = .*|AllowedIPs = 0.0.0.0/0, ::/0, 10.200.0.0/16|' "$LAB_TMP/vpn1.conf" >"$LAB_TMP/full.conf"
sed -e 's|^Address = .*|Address = 10.66.0.2/24|' \
	-e 's|^AllowedIPs = .*|AllowedIPs = 10.66.0.1/32, 10.200.0.0/16|' "$LAB_TMP/vpn1.conf" >"$LAB_TMP/split.conf"
cat >"$LAB_TMP/wireguard-go" <<SH
#!/bin/sh
# fexynd's wireguard-go in this lab; refuses to start while the test holds
# the tunnel down.
[ -e "$LAB_TMP/hold-down" ] && { echo "lab: wireguard-go held down" >&2; exit 1; }
exec $(command -v wireguard-go) "\$@"
SH
chmod 755 "$LAB_TMP/wireguard-go"
FEXYND_EXTRA_ARGS=(--wireguard-go "$LAB_TMP/wireguard-go")
fx_start
dns_with=0 server_with=0 route_with=0 subnet_with=0

echo "=== a full tunnel with a private prefix: connected"
fx connect "$LAB_TMP/full.conf" >/dev/null
check_eq "state" "$(fx_state)" connected
check_eq "the status lists the routed private prefix" "$(fx status --json | jq -c .route)" \
	'["10.200.0.0/16"]'
check_eq "the status lists the DNS server" "$(fx status --json | jq -c .dns)" "[\"$DNS_SERVER\"]"
check_eq "LAN" "$(fx status --json | jq -r .lan)" allow
send_all
add_with
check_through_tunnel
echo "--- bound to eth0"
send_all --bind-dev eth0
add_with
check_lan_works

echo "=== the tunnel's link deleted and held down: reconnecting"
tunnel_gone
send_all
add_with
check_lan_works
check_eq "still reconnecting" "$(fx_state)" reconnecting
check "fexyn0 is still gone" not quiet ip -n "$NS_CLIENT" link show fexyn0

echo "=== released: fexynd reconnects on its own"
tunnel_back
send_all
add_with
check_through_tunnel

echo "=== a split tunnel: Address 10.66.0.2/24, AllowedIPs 10.66.0.1/32, 10.200.0.0/16"
fx connect "$LAB_TMP/split.conf" >/dev/null
check_eq "state" "$(fx_state)" connected
check_eq "the status lists the address" "$(fx status --json | jq -c .address)" '["10.66.0.2/24"]'
check_eq "the status lists the routed private prefixes" "$(fx status --json | jq -c .route)" \
	'["10.66.0.1/32","10.200.0.0/16"]'
send_all
add_with subnet
check_through_tunnel
echo "--- bound to eth0"
send_all --bind-dev eth0
add_with subnet
check_lan_works
echo "--- the tunnel's link deleted and held down"
tunnel_gone
send_all
add_with subnet
check_lan_works
echo "--- released"
tunnel_back
send_all
add_with subnet
check_through_tunnel

echo "=== without fexyn: a wg-quick-like full tunnel"
fx disconnect >/dev/null
lab_client_policy_routing
lab_client_tunnel_up
echo "--- bound to eth0"
send_all --bind-dev eth0
dns_without=$WIRE_DNS server_without=$WIRE_SERVER route_without=$WIRE_ROUTE
subnet_without=$WIRE_SUBNET
echo "--- the tunnel died"
lab_client_tunnel_kill
send_all
dns_without=$((dns_without + WIRE_DNS))
server_without=$((server_without + WIRE_SERVER))
route_without=$((route_without + WIRE_ROUTE))
subnet_without=$((subnet_without + WIRE_SUBNET))

echo "=== fexyn guard on that tunnel, told its DNS server, subnet and private prefix; the tunnel dies"
lab_client_tunnel_up
fx_guard_lab --address 10.66.0.2/32 --dns "$DNS_SERVER" --route 10.66.0.0/24 --route 10.200.0.0/16 \
	>/dev/null
fx_wait_state connected
check_eq "the status lists the routed private prefixes" "$(fx status --json | jq -c .route)" \
	'["10.66.0.0/24","10.200.0.0/16"]'
lab_client_tunnel_kill
fx_wait_state reconnecting
send_all
add_with subnet
check_lan_works

leak_record "The tunnel's DNS server on the LAN" \
	"UDP to 10.66.0.1:53 and a dig, bound to eth0 while connected, and with the tunnel's link gone (reconnecting); full and split tunnel (fexyn connect), fexyn guard; counted on the LAN wire" \
	"$dns_with" "$dns_without"
leak_record "The tunnel's DNS server's address on the LAN" \
	"UDP to 10.66.0.1:9999, the same ways (the LAN allowance, not the DNS rule, decides)" \
	"$server_with" "$server_without"
leak_record "A private AllowedIPs prefix on the LAN" \
	"UDP into 10.200.0.0/16, which the config routes into the tunnel, the same ways" \
	"$route_with" "$route_without"
leak_record "The tunnel's subnet on the LAN" \
	"UDP to 10.66.0.7, on the subnet of the split config's Address 10.66.0.2/24 (fexyn guard: --route 10.66.0.0/24), the same ways" \
	"$subnet_with" "$subnet_without"
leak_report
echo "PASS $TEST_NAME"
