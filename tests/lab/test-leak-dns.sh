#!/usr/bin/env bash
# DNS (issue 4, item 1). Three resolvers (dnsmasq), each giving its own answer
# for who.lab.test so the test knows which one answered:
#   the home router's, 192.168.77.1     -> 192.0.2.1
#   one on the internet, the web host's -> 192.0.2.2
#   the tunnel's, 10.66.0.1 on the VPN server's wg0 (the config's DNS) -> 192.0.2.3
# Each namespace counts the DNS packets that reach it (udp/tcp 53, tcp 853).
#
# With fexyn connect: the client's resolver file (fexynd --resolv-conf, the
# lab's stand-in for /etc/resolv.conf) names the tunnel's resolver while
# connected, and is the original again after disconnect, after fexynd was
# SIGKILLed and restarted, and after an offline `fexyn reset`. Queries to the
# tunnel's resolver succeed; queries straight to the other two (UDP, TCP,
# DNS over TLS) never arrive and fail at once. Without fexyn they arrive.
source "$(dirname "$0")/lab-test.sh"

in_client() { ip netns exec "$NS_CLIENT" "$@"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# A resolver in ns $1 on address $2 answering who.lab.test with $3, and a
# counter of the DNS packets that reach the namespace.
resolver_up() { # ns addr answer tag
	lab_dnsmasq "$1" "$4" --port=53 --listen-address="$2" --bind-interfaces \
		--no-resolv --no-hosts --address=/who.lab.test/"$3" --log-queries
	ip netns exec "$1" nft -f - <<-NFT
	table inet labdns {
		counter dns { }
		chain pre {
			type filter hook prerouting priority -300;
			meta l4proto { tcp, udp } th dport { 53, 853 } counter name dns
		}
	}
	NFT
}

dns_count() { # ns
	ns_counter "$1" labdns dns
}

dns_reset() {
	local ns
	for ns in "$NS_ROUTER" "$NS_WEB" "$NS_VPN"; do
		ip netns exec "$ns" nft reset counter inet labdns dns >/dev/null
	done
}

ask() { # server [dig options]: prints the answer, or nothing
	local server=$1
	shift
	in_client dig +short +tries=1 +time=2 "$@" "@$server" who.lab.test 2>/dev/null | grep -E '^[0-9.]+$' || true
}

# Every way of reaching the resolver at $1 straight; prints what arrived there.
straight_at() { # server ns
	local t0 out
	dns_reset
	t0=$(now_ms)
	out=$(ask "$1")$(ask "$1" +tcp)
	in_client socat -u - "TCP:$1:853,connect-timeout=2" </dev/null >/dev/null 2>&1 || true
	echo "  straight to $1: answer '${out}', $(($(now_ms) - t0)) ms" >&2
	sleep 0.2
	dns_count "$2"
}

resolv_ns() { grep -E '^nameserver' "$LAB_TMP/resolv.conf" | awk '{print $2}' | tr '\n' ' ' | sed 's/ $//'; }

lab_init
lab_up_bare
resolver_up "$NS_ROUTER" "$ROUTER_LAN" 192.0.2.1 router
resolver_up "$NS_WEB" "$WEB" 192.0.2.2 web
resolver_up "$NS_VPN" 10.66.0.1 192.0.2.3 vpn
printf '# the home network'"'"'s resolver\nnameserver %s\nsearch home.lan\n' "$ROUTER_LAN" >"$LAB_TMP/resolv.conf"
cp "$LAB_TMP/resolv.conf" "$LAB_TMP/resolv.orig"
fx_start

echo "--- connected: the resolver file names the tunnel's resolver"
fx connect "$LAB_TMP/vpn1.conf" >/dev/null
check_eq "state" "$(fx_state)" connected
check_eq "the resolver file's nameservers" "$(resolv_ns)" 10.66.0.1
check "the original is kept" [ -n "$(ls -A "$FX_STATE")" ]
dns_reset
check_eq "the tunnel's resolver answers" "$(ask 10.66.0.1)" 192.0.2.3
check_eq "... over TCP too" "$(ask 10.66.0.1 +tcp)" 192.0.2.3
check_gt "queries reached the tunnel's resolver" "$(dns_count "$NS_VPN")" 0
check_eq "the name server in the resolver file answers" "$(ask "$(resolv_ns)")" 192.0.2.3
router_with=$(straight_at "$ROUTER_LAN" "$NS_ROUTER")
web_with=$(straight_at "$WEB" "$NS_WEB")
t0=$(now_ms)
ask "$ROUTER_LAN" >/dev/null
check "a query to the home router fails at once (dig would wait 2 s)" [ $(($(now_ms) - t0)) -lt 1500 ]

echo "--- disconnect: the original comes back"
fx disconnect >/dev/null
check "the resolver file is the original again" cmp "$LAB_TMP/resolv.orig" "$LAB_TMP/resolv.conf"

echo "--- fexynd SIGKILLed while connected, restarted, then disconnect"
fx connect "$LAB_TMP/vpn1.conf" >/dev/null
fx_kill9
check_eq "the resolver file still names the tunnel's resolver" "$(resolv_ns)" 10.66.0.1
router_with=$((router_with + $(straight_at "$ROUTER_LAN" "$NS_ROUTER")))
kill -9 "$(lab_client_wg_pid)" # the tunnel dies too
router_with=$((router_with + $(straight_at "$ROUTER_LAN" "$NS_ROUTER")))
web_with=$((web_with + $(straight_at "$WEB" "$NS_WEB")))
fx_start
fx_wait_state connected
check_eq "the restarted fexynd keeps the tunnel's resolver" "$(resolv_ns)" 10.66.0.1
fx disconnect >/dev/null
check "the resolver file is the original again" cmp "$LAB_TMP/resolv.orig" "$LAB_TMP/resolv.conf"

echo "--- fexynd dead, fexyn reset offline"
fx connect "$LAB_TMP/vpn1.conf" >/dev/null
fx_kill9
fx reset --state-dir "$FX_STATE" >/dev/null
check "the resolver file is the original again" cmp "$LAB_TMP/resolv.orig" "$LAB_TMP/resolv.conf"

echo "--- without fexyn"
lab_client_policy_routing
lab_client_tunnel_up
router_without=$(straight_at "$ROUTER_LAN" "$NS_ROUTER")
web_without=$(straight_at "$WEB" "$NS_WEB")

leak_record "DNS to the home router" \
	"dig over UDP and TCP, and a TCP connection to port 853, straight to the router's resolver (also with fexynd dead, and the tunnel too); counted at that resolver" \
	"$router_with" "$router_without"
leak_record "DNS to a resolver outside the tunnel" \
	"dig over UDP and TCP, and a TCP connection to port 853, to a resolver on the internet (the web host's), not the tunnel's; counted at that resolver" \
	"$web_with" "$web_without"
leak_report
echo "PASS $TEST_NAME"
