#!/usr/bin/env bash
# fexyn connect with a wg-quick config as a provider hands it out (the
# server named by host name): traffic
# reaches the web host through the tunnel, from the VPN server's address,
# and disconnect leaves the client exactly as it was before connect, also
# after fexynd and the tunnel were both SIGKILLed and fexynd restarted. A
# config with the wrong server key never handshakes: the client stays
# blocked, status says why, and nothing leaks; with fexynd dead, fexyn
# reset removes the tunnel, its routing and the firewall.
#
#   client (fexynd, fexyn0) ─┐                        ┌─ vpn (wireguard-go, NAT)
#   lanhost ─────────────────┴─ br0 [router] br1 ─────┴─ web (counts by source)
#
source "$(dirname "$0")/lab-test.sh"

lab_init
# The provider's config names its server by host name; `ip netns exec`
# gives fexynd this namespace's own hosts file.
mkdir -p "/etc/netns/$NS_CLIENT"
echo "$VPN_EP vpn1.lab.test" >"/etc/netns/$NS_CLIENT/hosts"
lab_up_bare
fx_start
sed -i "s/^Endpoint = .*/Endpoint = vpn1.lab.test:$VPN_PORT/" "$LAB_TMP/vpn1.conf"
lab_client_snapshot >"$LAB_TMP/before"

echo "--- connect, firewall first"
fx connect "$LAB_TMP/vpn1.conf"
check "the host name was resolved once and kept in the state" \
	grep -qx "resolved=0.0=$VPN_EP:$VPN_PORT/udp" "$FX_STATE/connect"
check_eq "state after connect" "$(fx_state)" connected
check_eq "the status names the endpoint" "$(fx status --json | jq -r '.endpoint[0]')" \
	"$VPN_EP:$VPN_PORT/udp"
check_eq "the status names the config" "$(fx status --json | jq -r .config)" "$LAB_TMP/vpn1.conf"
check_eq "the resolver points at the tunnel's DNS" "$(grep -v '^#' "$FX_RESOLV")" "nameserver 10.66.0.1"
check "the tunnel's fwmark routing is in place" \
	grep -q "not from all fwmark 0xca6c lookup 51820" <<<"$(ip -n "$NS_CLIENT" rule)"
check "IPv6 (no address in the tunnel) goes to a blackhole" \
	grep -q "blackhole default" <<<"$(ip -n "$NS_CLIENT" -6 route show table 51820)"
check "an IPv6 program fails at once" not ip netns exec "$NS_CLIENT" ping -6 -c 1 -W 1 2001:db8::1

echo "--- the tunnel as the kernel holds it: backend, keys, peer, fwmark, port"
backend=$(fx_tunnel_backend)
echo "BACKEND|${FEXYN_LAB_BACKEND:-default}|$backend"
check_eq "status names the backend the kernel shows" "$(fx status --json | jq -r .backend)" "$backend"
case ${FEXYN_LAB_BACKEND:-} in
kernel | userspace) check_eq "the backend asked for" "$backend" "$FEXYN_LAB_BACKEND" ;;
esac
# wg show dump: the interface line (private key, public key, listen port,
# fwmark), then one line per peer (public key, preshared key, endpoint,
# allowed IPs, latest handshake, rx, tx, keepalive).
fx_wg_show dump >"$LAB_TMP/wg.dump"
IFS=$'\t' read -r _ dev_pub dev_port dev_mark <"$LAB_TMP/wg.dump"
IFS=$'\t' read -r peer_pub _ peer_ep peer_ips peer_hs _ <<<"$(sed -n 2p "$LAB_TMP/wg.dump")"
check_eq "the device's public key is the config's" "$dev_pub" "$(cat "$LAB_TMP/client.pub")"
check "the device listens on a port ($dev_port)" [ "$dev_port" -gt 0 ]
check_eq "the device marks its packets with the carve-out's fwmark" "$((dev_mark))" "$FWMARK"
check_eq "one peer" "$(wc -l <"$LAB_TMP/wg.dump")" 2
check_eq "the peer is the server" "$peer_pub" "$(cat "$LAB_TMP/$NS_VPN.pub")"
check_eq "the peer's endpoint" "$peer_ep" "$VPN_EP:$VPN_PORT"
check "the peer carries all of IPv4 and IPv6 ($peer_ips)" \
	grep -q '0.0.0.0/0.*::/0\|::/0.*0.0.0.0/0' <<<"$peer_ips"
check "the peer has handshaken" [ "$peer_hs" -gt 0 ]

flow_start 2000 1
flow_finish
check_gt "packets reached the web host from the VPN server" "$TUNNEL_COUNT" 1000
check_eq "packets with the client's real address" "$LEAK_COUNT" 0
check "the LAN host answers" n_client ping -c 1 -W 1 "$LAN_HOST"

echo "--- fexynd SIGKILLed while connected, the tunnel killed too, then restarted"
table_before=$(fx_table_snapshot --no-handles)
fx_kill9
tunnel=$(fx_tunnel_backend)
check "the tunnel ($tunnel: wireguard-go or the kernel's link) outlives fexynd" [ -n "$tunnel" ]
flow_start 2000 2
sleep 0.5
fx_tunnel_kill
flow_finish
check_eq "packets with the client's real address, fexynd and tunnel dead" "$LEAK_COUNT" 0
check "the ruleset is unchanged" diff <(echo "$table_before") <(fx_table_snapshot --no-handles)
fx_start
fx_wait_state connected
check_eq "the restarted fexynd brought the tunnel back" \
	"$(fx status --json | jq -r .handshake)" yes
flow_start 2000 1
flow_finish
check_gt "traffic flows through the tunnel again" "$TUNNEL_COUNT" 1000
check_eq "packets with the client's real address" "$LEAK_COUNT" 0

echo "--- disconnect undoes exactly what connect did"
fx disconnect >/dev/null
lab_client_snapshot >"$LAB_TMP/after"
check "rules, routes, links, addresses, resolver, sysctl and ruleset as before" \
	diff -u "$LAB_TMP/before" "$LAB_TMP/after"

echo "--- a wrong server key: no handshake, blocked, says why"
new_key wrong
lab_client_config "$NS_VPN" "$VPN_EP" 10.66 "$LAB_TMP/wrong.pub" >"$LAB_TMP/wrong.conf"
check "connect with a wrong key fails" not fx connect --wait 7 "$LAB_TMP/wrong.conf"
state=$(fx_state)
check "the state blocks ($state)" grep -Eq '^(connecting|reconnecting)$' <<<"$state"
check "status says why" grep -q "no handshake with $VPN_EP:$VPN_PORT/udp" \
	<<<"$(fx status --json | jq -r .last_error)"
flow_start 2000 1
flow_finish
check_eq "packets with the client's real address" "$LEAK_COUNT" 0
check_eq "packets through a tunnel" "$TUNNEL_COUNT" 0
echo "--- fexynd dies; fexyn reset, as root, removes everything without it"
fx_kill9
fx reset --state-dir "$FX_STATE"
check "after the offline reset, everything is as before" \
	diff -u "$LAB_TMP/before" <(lab_client_snapshot)
echo "--- with systemd-resolved: DNS set on the tunnel's link through resolvectl"
cat >"$LAB_TMP/resolvectl" <<SH
#!/bin/sh
echo "\$*" >>"$LAB_TMP/resolvectl.log"
SH
chmod +x "$LAB_TMP/resolvectl"
FEXYND_EXTRA_ARGS=(--dns-backend resolved --resolvectl "$LAB_TMP/resolvectl")
fx_start
fx connect "$LAB_TMP/vpn1.conf" >/dev/null
check "the tunnel's server on the tunnel's link" grep -qx "dns fexyn0 10.66.0.1" "$LAB_TMP/resolvectl.log"
check "every lookup routed there" grep -qx "domain fexyn0 ~." "$LAB_TMP/resolvectl.log"
check "the link is DNS's default route" grep -qx "default-route fexyn0 yes" "$LAB_TMP/resolvectl.log"
check_eq "the resolver file is left alone" "$(cat "$FX_RESOLV")" "nameserver $ROUTER_LAN"
fx disconnect >/dev/null
check "disconnect reverts the link's DNS" grep -qx "revert fexyn0" "$LAB_TMP/resolvectl.log"
check "after disconnect, everything is as before" diff -u "$LAB_TMP/before" <(lab_client_snapshot)
echo "PASS $TEST_NAME"
