#!/usr/bin/env bash
# The demonstration behind ./demo.sh: fexyn connect brings up a WireGuard
# tunnel from a wg-quick config, then the tunnel process dies in the middle
# of a 5,000 packets/s flow, and later the VPN server itself dies. The web
# host counts what arrives with the client's real address — with fexyn, and
# for contrast with a plain wg-quick-style tunnel and no kill switch.
#
#   client (fexynd) ─┐                           ┌─ vpn  server 1 (wireguard-go, NAT)
#                    ├─ br0 [home router] br1 ───┼─ vpn2 server 2
#   lanhost ─────────┘                           └─ web host (counts packets by source)
#
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/netlab.sh"
source "$here/fexyn-lab.sh"
lab_on_teardown() { fx_teardown; }

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }

results=()
record() { # label
	results+=("$(printf '%-34s %12s %12s %24s' "$1" "$TUNNEL_COUNT" "$(web_counter tunnel2)" "$LEAK_COUNT")")
}

say "Building the lab: client, home router, LAN host, two VPN servers, web host"
LAB_TWO_SERVERS=1
lab_init
lab_up_bare
echo "  the client's real address is $CLIENT_REAL; its provider configs:"
sed 's/^PrivateKey = .*/PrivateKey = (hidden)/; s/^/    /' "$LAB_TMP/vpn1.conf"

say "Starting fexynd in the client's namespace; fexyn connect, firewall first"
fx_start
echo "  \$ fexyn connect vpn1.conf vpn2.conf"
fx connect "$LAB_TMP/vpn1.conf" "$LAB_TMP/vpn2.conf" | sed 's/^/    /'

say "A flow of 5,000 packets/s to the web host; the tunnel process is killed mid-flow"
flow_start 5000 4
flow_wait_tunnel 2000
pid=$(lab_client_wg_pid)
echo "  killing the client's wireguard-go (pid $pid)"
kill -9 "$pid"
flow_finish >/dev/null
record "fexyn, tunnel process killed"
fx_wait_state connected
echo "  fexyn brought a tunnel back by itself: $(fx status --json | jq -r '.endpoint[0]')"

say "The VPN server the client uses dies mid-flow"
flow_start 5000 8
for _ in $(seq 100); do
	[ $(($(web_counter tunnel) + $(web_counter tunnel2))) -gt 2000 ] && break
	sleep 0.05
done
if [ "$(fx status --json | jq -r '.endpoint[0]')" = "$VPN_EP:$VPN_PORT/udp" ]; then
	echo "  killing server 1's wireguard-go"
	kill -9 "$VPN_WG_PID"
	dead=1
else
	echo "  killing server 2's wireguard-go"
	kill -9 "$VPN2_WG_PID"
	dead=2
fi
flow_finish >/dev/null
record "fexyn, VPN server killed"
echo "  \$ fexyn status   (moved to the other server on its own)"
fx status | sed 's/^/    /'

say "The same tunnel death without a kill switch (wg-quick-style routing only)"
fx disconnect >/dev/null
[ "$dead" = 1 ] && lab_server_start "$NS_VPN" 10.66.0.1 10.66.0.2
lab_client_policy_routing
lab_client_tunnel_up
flow_start 5000 4
flow_wait_tunnel 2000
echo "  killing the client's wireguard-go (pid $CLIENT_WG_PID)"
lab_client_tunnel_kill
flow_finish >/dev/null
record "no kill switch, tunnel process killed"

say "Packets that reached the web host"
printf '%-34s %12s %12s %24s\n' "" "via server 1" "via server 2" "with the real address"
printf '%s\n' "${results[@]}"
