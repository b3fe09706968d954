#!/usr/bin/env bash
# The demonstration behind ./demo.sh: a WireGuard tunnel dies in the middle of
# a 5,000 packets/s flow; the web host counts what arrives with the client's
# real address — once with fexyn guarding the tunnel, once without.
#
#   client ─┐                           ┌─ vpn server (wireguard-go, NAT)
#           ├─ br0 [home router] ───────┤
#   lanhost ┘                           └─ web host (counts packets by source)
#
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/netlab.sh"
source "$here/fexyn-lab.sh"
lab_on_teardown() { fx_teardown; }

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }

run_flow() { # label
	flow_start 5000 4
	flow_wait_tunnel 2000
	echo "  killing the tunnel process (wireguard-go, pid $CLIENT_WG_PID) mid-flow"
	lab_client_tunnel_kill
	flow_finish >/dev/null
	results+=("$(printf '%-16s %12s %24s' "$1" "$TUNNEL_COUNT" "$LEAK_COUNT")")
}

results=()
say "Building the lab: client, home router, LAN host, VPN server, web host"
lab_init
lab_up
echo "  the client's tunnel is up; its real address is $CLIENT_REAL"

say "Starting fexynd in the client's namespace and guarding the tunnel"
fx_start
echo "  \$ fexyn guard --tunnel $TUN --endpoint $VPN_EP:$VPN_PORT --fwmark $FWMARK"
fx_guard_lab >/dev/null
fx_wait_state connected
echo "  \$ fexyn status"
fx status | sed 's/^/    /'

say "A flow of 5,000 packets/s to the web host, and the tunnel dies in the middle"
run_flow "with fexyn"
echo "  \$ fexyn status   (the firewall held; fexyn waits for the tunnel)"
fx status | sed -n 's/^/    /; /state\|tunnel_link\|table/p'

say "The same, without a kill switch"
fx disconnect >/dev/null
lab_client_tunnel_up
run_flow "without fexyn"

say "Packets that reached the web host"
printf '%-16s %12s %24s\n' "" "via tunnel" "with the real address"
printf '%s\n' "${results[@]}"
