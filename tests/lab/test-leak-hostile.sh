#!/usr/bin/env bash
# Hostile networks: published attacks on VPN clients (issue 4, item 6). The
# client's VPN (fexyn connect, wg-quick's routing) is up; the network it sits
# on tries to pull traffic out of the tunnel. Leaks are counted at the web
# host and on the router's uplink; each attack is repeated without fexyn
# (a wg-quick-like tunnel) to show it works.
#
# - TunnelVision (CVE-2024-3661): the router's DHCP server (dnsmasq) pushes a
#   classless static route (option 121) for the web host's prefix,
#   198.51.100.0/24, via the LAN gateway; the client's DHCP client (udhcpc)
#   installs it, and wg-quick's `suppress_prefixlength 0` lets it win.
# - TunnelCrack LocalNet: the LAN hands the client 198.51.100.77/24, a public
#   prefix that contains the web host (and the VPN server); the router
#   answers ARP for that prefix (proxy ARP) and forwards, so the lab stays
#   routable. The directly connected /24 wins over the tunnel.
# - TunnelCrack ServerIP: the VPN endpoint is the web host's own address
#   (the web host runs the VPN server), and the client routes the endpoint
#   outside the tunnel as many VPN clients do. Other programs' traffic to
#   that address must not pass; only the tunnel's marked packets do.
source "$(dirname "$0")/lab-test.sh"

in_client() { ip netns exec "$NS_CLIENT" "$@"; }

# A flood to the web host; prints what leaked.
flood() { # port [udpflood options]
	local port=$1
	shift
	leak_counters_reset
	in_client "$FLOOD_BIN" --to "$WEB:$port" --rate 2000 --seconds 1 "$@" >&2 || true
	sleep 0.2
	leaked_now
}

# Back to the lab's plain client: no tunnel, no policy rules, eth0 as built.
client_reset() {
	local p
	for p in $(lab_client_wg_pids); do kill -9 "$p"; done
	for _ in $(seq 100); do
		ip -n "$NS_CLIENT" link show wg0 >/dev/null 2>&1 || break
		sleep 0.02
	done
	ip -n "$NS_CLIENT" rule flush
	ip -n "$NS_CLIENT" rule add priority 32766 table main
	ip -n "$NS_CLIENT" rule add priority 32767 table default
	ip -n "$NS_CLIENT" route flush table "$FWMARK" 2>/dev/null || true
	ip -n "$NS_CLIENT" -4 addr flush dev eth0
	ip -n "$NS_CLIENT" addr add "$CLIENT_REAL/24" dev eth0
	ip -n "$NS_CLIENT" route add default via "$ROUTER_LAN"
}

# Without fexyn: the wg-quick-like tunnel to a server, up once a ping to the
# server's tunnel address comes back.
plain_tunnel_up() { # public-key-file endpoint client-address server-tunnel-address
	lab_client_policy_routing
	lab_client_tunnel_up_to "$1" "$2" "$3"
	for _ in $(seq 50); do
		in_client ping -c 1 -W 1 "$4" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "the plain tunnel did not come up" >&2
	return 1
}

lab_init
lab_up_bare
router_uplink_counter_up
fx_start

echo "=== TunnelVision: DHCP option 121"
mac=$(ip -n "$NS_CLIENT" -j link show eth0 | jq -r '.[0].address')
lab_dnsmasq "$NS_ROUTER" dhcp --port=0 --interface=br0 --bind-interfaces \
	--dhcp-authoritative --dhcp-leasefile="$LAB_TMP/dnsmasq.leases" \
	--dhcp-range=192.168.77.100,192.168.77.150,255.255.255.0,2m \
	--dhcp-host="$mac,$CLIENT_REAL" \
	--dhcp-option=121,198.51.100.0/24,"$ROUTER_LAN",0.0.0.0/0,"$ROUTER_LAN"
lab_udhcpc "$NS_CLIENT" eth0
check "udhcpc got the client's address" grep -q "^bound ip=$CLIENT_REAL " "$LAB_TMP/udhcpc-events"
check "the pushed route is installed" \
	grep -q "198.51.100.0/24 via $ROUTER_LAN dev eth0" <<<"$(ip -n "$NS_CLIENT" route)"
fx connect "$LAB_TMP/vpn1.conf" >/dev/null
check_eq "state" "$(fx_state)" connected
tv_with=$(flood 9999)
kill -USR1 "$UDHCPC_PID" # a renewal pushes the route again, with fexyn up
sleep 1
tv_with=$((tv_with + $(flood 9999)))
check "the client renewed its lease" grep -q '^renew ' "$LAB_TMP/udhcpc-events"
fx disconnect >/dev/null
plain_tunnel_up "$LAB_TMP/$NS_VPN.pub" "$VPN_EP:$VPN_PORT" 10.66.0.2 10.66.0.1
tv_without=$(flood 9999)
kill -9 "$UDHCPC_PID" "$DNSMASQ_PID"
client_reset

echo "=== TunnelCrack LocalNet: the LAN is a public prefix holding the web host"
ip netns exec "$NS_ROUTER" sysctl -qw net.ipv4.conf.br0.proxy_arp=1 net.ipv4.conf.br1.proxy_arp=1
ip -n "$NS_ROUTER" route add 198.51.100.77/32 dev br0
ip -n "$NS_CLIENT" -4 addr flush dev eth0
ip -n "$NS_CLIENT" addr add 198.51.100.77/24 dev eth0
ip -n "$NS_CLIENT" route add default via 198.51.100.1 dev eth0
web_count_as_leak 198.51.100.77
check "the lab routes the hostile LAN (web host answers, no VPN)" quiet in_client ping -c 1 -W 2 "$WEB"
fx connect "$LAB_TMP/vpn1.conf" >/dev/null
check_eq "state" "$(fx_state)" connected
check "the tunnel carries traffic to its server's side" quiet in_client ping -c 1 -W 2 10.66.0.1
ln_with=$(flood 9999)
ln_with=$((ln_with + $(flood 9999 --bind-dev eth0)))
fx disconnect >/dev/null
plain_tunnel_up "$LAB_TMP/$NS_VPN.pub" "$VPN_EP:$VPN_PORT" 10.66.0.2 10.66.0.1
ln_without=$(flood 9999)
client_reset
ip -n "$NS_ROUTER" route del 198.51.100.77/32 dev br0
ip netns exec "$NS_ROUTER" sysctl -qw net.ipv4.conf.br0.proxy_arp=0 net.ipv4.conf.br1.proxy_arp=0

echo "=== TunnelCrack ServerIP: the endpoint is the web host's address"
new_key websrv
wg_start "$NS_WEB"
wg_in "$WG_PID" set wg0 private-key "$LAB_TMP/websrv.key" listen-port "$VPN_PORT" \
	peer "$(cat "$LAB_TMP/client.pub")" allowed-ips 10.68.0.2/32
ip -n "$NS_WEB" addr add 10.68.0.1/24 dev wg0
ip -n "$NS_WEB" link set wg0 up
# The web host tells the tunnel's own messages from everything else the
# client's real address sends it.
ip netns exec "$NS_WEB" nft -f - <<NFT
table inet srvip {
	counter wg { }
	counter other { }
	counter tunnel { }
	chain pre {
		type filter hook prerouting priority -310;
		ip saddr $CLIENT_REAL udp dport $VPN_PORT @th,64,32 $WG_MSG_TYPES counter name wg accept
		ip saddr $CLIENT_REAL counter name other
		ip saddr 10.68.0.2 counter name tunnel
	}
}
NFT
srv_count() {
	ns_counter "$NS_WEB" srvip "$1"
}
srv_reset() {
	local c
	for c in wg other tunnel; do ip netns exec "$NS_WEB" nft reset counter inet srvip "$c" >/dev/null; done
	router_uplink_reset
}
# A flood to the web host; prints what leaked: packets other than the
# tunnel's own that arrived from the real address or crossed the uplink.
srv_flood() { # port [udpflood options]
	local port=$1 o u
	shift
	srv_reset
	in_client "$FLOOD_BIN" --to "$WEB:$port" --rate 2000 --seconds 1 "$@" >&2 || true
	sleep 0.2
	o=$(srv_count other)
	u=$(router_uplink_count)
	echo $((o > u ? o : u))
}
cat >"$LAB_TMP/srvip.conf" <<CONF
[Interface]
PrivateKey = $(cat "$LAB_TMP/client.key")
Address = 10.68.0.2/32
DNS = 10.68.0.1

[Peer]
PublicKey = $(cat "$LAB_TMP/websrv.pub")
AllowedIPs = 0.0.0.0/0
Endpoint = $WEB:$VPN_PORT
CONF
fx connect "$LAB_TMP/srvip.conf" >/dev/null
check_eq "state" "$(fx_state)" connected
check_eq "with wg-quick's routing, nothing leaks to the server's address" "$(srv_flood 9999)" 0
check_gt "... it goes through the tunnel" "$(srv_count tunnel)" 1000
# The endpoint routed outside the tunnel, as many VPN clients route it.
ip -n "$NS_CLIENT" route add "$WEB/32" via "$ROUTER_LAN" dev eth0
si_with=$(srv_flood 9999)
si_with=$((si_with + $(srv_flood "$VPN_PORT")))
si_with=$((si_with + $(srv_flood "$VPN_PORT" --bind-dev eth0)))
srv_reset
sleep 1.5
check_gt "the tunnel's own messages still reach the endpoint" "$(srv_count wg)" 0
check_eq "state" "$(fx_state)" connected
fx disconnect >/dev/null
ip -n "$NS_CLIENT" route del "$WEB/32" 2>/dev/null || true
plain_tunnel_up "$LAB_TMP/websrv.pub" "$WEB:$VPN_PORT" 10.68.0.2 10.68.0.1
ip -n "$NS_CLIENT" route add "$WEB/32" via "$ROUTER_LAN" dev eth0
si_without=$(srv_flood 9999)

leak_record "TunnelVision (CVE-2024-3661)" \
	"the LAN's DHCP server (dnsmasq, option 121) pushes 198.51.100.0/24 via the LAN gateway, udhcpc installs it (and again on renewal); UDP flood to the web host" \
	"$tv_with" "$tv_without"
leak_record "TunnelCrack LocalNet" \
	"the LAN gives the client 198.51.100.77/24, a public prefix that holds the web host and the VPN server; UDP flood to the web host (also bound to eth0)" \
	"$ln_with" "$ln_without"
leak_record "TunnelCrack ServerIP" \
	"the VPN endpoint is the web host's own address and is routed outside the tunnel; unmarked UDP to it on port 9999 and on the endpoint's port 51820 (also bound to eth0)" \
	"$si_with" "$si_without"
leak_report
echo "PASS $TEST_NAME"
