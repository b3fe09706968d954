#!/usr/bin/env bash
# Split tunnelling and IPv6 (issue 15), with root alone (no users made, so
# that the QEMU guests run it too): `fexyn exclude run` as root through
# sudo's SUDO_UID runs the command as that user (nobody here).
#
# With a tunnel that carries IPv6, an excluded IPv6 flow reaches the web
# host from the client's own IPv6 address while a flow that is not excluded
# arrives only through the tunnel (0 packets from the client's address),
# and an excluded IPv4 flow beside them gets out too. With a tunnel without
# IPv6, fexyn blackholes IPv6, so the excluded IPv6 flow gets nothing out
# either (its sends fail), and its IPv4 still goes around the tunnel.
# Last, disconnect --clear-exclusions and fexyn reset with fexynd running
# end the exclusions, and a fexynd that finds no cgroup v2 refuses to
# exclude with a clear error, nothing changed.
source "$(dirname "$0")/lab-test.sh"
# shellcheck source=exclude-lab.sh
source "$here/exclude-lab.sh"
NOBODY=$(id -u nobody)

# A flood run excluded, as nobody (sudo's caller), in the background.
excluded_flood() { # to seconds out
	ip netns exec "$NS_CLIENT" env SUDO_UID="$NOBODY" "$FEXYN_BIN" --socket "$FX_SOCK" exclude run -- \
		"$FLOOD_BIN" --to "$1" --rate 500 --seconds "$2" >"$3" 2>&1 &
	LAB_PIDS+=($!)
	LAST_PID=$!
}

lab_init
lab_up_bare
lab_ipv6_up
lab_server_ipv6_tunnel
sed 's|^Address = .*|Address = 10.66.0.2/32, fd66::2/128|' "$LAB_TMP/vpn1.conf" >"$LAB_TMP/vpn1-v6.conf"
check "the lab's IPv6 works before fexyn" lab_ipv6_wait "$WEB6"
ip netns exec "$NS_WEB" nft -f - <<NFT
table inet split {
	counter excl6_real { }
	counter excl6_tunnel { }
	counter excl4_real { }
	counter other6_real { }
	counter other6_tunnel { }
	chain pre {
		type filter hook prerouting priority -300;
		udp dport 9998 ip6 saddr $CLIENT6 counter name excl6_real
		udp dport 9998 ip6 saddr $VPN_EP6 counter name excl6_tunnel
		udp dport 9997 ip saddr $CLIENT_REAL counter name excl4_real
		udp dport 9999 ip6 saddr $CLIENT6 counter name other6_real
		udp dport 9999 ip6 saddr $VPN_EP6 counter name other6_tunnel
	}
}
NFT
fx_start

echo "--- a tunnel with IPv6: excluded IPv6 goes around it"
fx connect "$LAB_TMP/vpn1-v6.conf" >/dev/null
check_eq "connected" "$(fx_state)" connected
excluded_flood "[$WEB6]:9998" 8 "$LAB_TMP/excluded.out"
excl6=$LAST_PID
excluded_flood "$WEB:9997" 8 "$LAB_TMP/excluded4.out"
excl4=$LAST_PID
ip netns exec "$NS_CLIENT" "$FLOOD_BIN" --to "[$WEB6]:9999" --rate 500 --seconds 8 >"$LAB_TMP/other.out" &
other=$!
LAB_PIDS+=("$other")
check "the excluded IPv6 flow arrives from the client's own address" wait_count excl6_real 200
check "the excluded IPv4 flow beside it gets out too" wait_count excl4_real 200
check "the other IPv6 flow arrives through the tunnel" wait_count other6_tunnel 200
check_eq "the excluded flood runs as nobody" "$(stat -c %u "/proc/$(pgrep -u "$NOBODY" -f "udpflood --to \[$WEB6\]" | head -1)")" "$NOBODY"
wait "$excl6" "$excl4" "$other"
check_eq "the other flow: 0 packets from the client's address" "$(count other6_real)" 0
check_eq "none of the excluded flow through the tunnel" "$(count excl6_tunnel)" 0
fx exclude clear

echo "--- a tunnel without IPv6: IPv6 is blackholed, excluded programs' too"
fx disconnect >/dev/null
fx connect "$LAB_TMP/vpn1.conf" >/dev/null
check_eq "connected" "$(fx_state)" connected
before6=$(count excl6_real)
before4=$(count excl4_real)
excluded_flood "[$WEB6]:9998" 2 "$LAB_TMP/excluded.out"
excl6=$LAST_PID
excluded_flood "$WEB:9997" 2 "$LAB_TMP/excluded4.out"
excl4=$LAST_PID
wait "$excl6" "$excl4"
check "every excluded IPv6 send failed ($(cat "$LAB_TMP/excluded.out"))" grep -Eq '^sent=0 failed=[1-9]' "$LAB_TMP/excluded.out"
check_eq "no IPv6 from the client's address" "$(count excl6_real)" "$before6"
check_gt "the excluded IPv4 flow still gets out" "$(count excl4_real)" $((before4 + 500))

echo "--- disconnect --clear-exclusions, and reset with fexynd running, end the exclusions"
sleep 120 &
sleeper=$!
LAB_PIDS+=("$sleeper")
fx exclude add "$sleeper" >/dev/null
check "the sleeper is excluded" grep -q "^/$EXCL_CGROUP/" <<<"$(cgroup_of "$sleeper")"
fx disconnect --clear-exclusions >/dev/null
check_eq "no exclusion after disconnect --clear-exclusions" "$(status .excluded)" 0
check_eq "the sleeper is back where it came from" "$(cgroup_of "$sleeper")" "$(cgroup_of $$)"
fx exclude add "$sleeper" >/dev/null
check "the sleeper is excluded again" grep -q "^/$EXCL_CGROUP/" <<<"$(cgroup_of "$sleeper")"
fx reset >/dev/null
check_eq "no exclusion after reset" "$(status .excluded)" 0
check_eq "the sleeper is back where it came from" "$(cgroup_of "$sleeper")" "$(cgroup_of $$)"

echo "--- a system without cgroup v2: a clear error, nothing changed"
fx connect "$LAB_TMP/vpn1.conf" >/dev/null
fx_stop
FEXYND_WRAPPER=() # fexynd's fresh /sys has no cgroup file system at all
fx_start
fx_wait_state connected
before=$(fx rules)
run fx exclude add "$sleeper"
check "exclude add says why it cannot ($OUT)" \
	grep -q "split tunnelling is not available: no cgroup2 file system is mounted" <<<"$OUT"
check_eq "... and fails" "$RC" 1
check "exclude list says so too" grep -q "^split tunnelling is not available: no cgroup2" <<<"$(fx exclude list)"
check "the firewall is as it was" [ "$(fx rules)" = "$before" ]
check_eq "still connected" "$(fx_state)" connected
check_eq "the sleeper is where it was" "$(cgroup_of "$sleeper")" "$(cgroup_of $$)"
PASSED=1
echo "PASS $TEST_NAME"
