#!/usr/bin/env bash
# Another root program tampers with the firewall while the tunnel is down and
# a 3,000 packets/s flow tries to reach the web host (issue 4, item 10):
#
# - a foreign table that accepts everything, in every family, at every hook
#   and priority from -400 to 400 (and netdev ingress/egress on eth0), plus
#   iptables/ip6tables ACCEPT rules in every table and chain (iptables-nft);
# - `nft flush ruleset`; without fexyn, the same flush removes an ordinary
#   nftables kill-switch table, which shows the attempt is real;
# - a foreign mangle rule that puts the tunnel's fwmark on every packet, so
#   that the policy routing sends them past the tunnel, with the tunnel up.
#
# Leaks are counted at the web host and on the router's uplink.
source "$(dirname "$0")/lab-test.sh"

in_client() { ip netns exec "$NS_CLIENT" "$@"; }

flow() { # rate seconds: a flow to the web host; prints what leaked
	leak_counters_reset
	in_client "$FLOOD_BIN" --to "$WEB:9999" --rate "$1" --seconds "$2" >&2
	sleep 0.2
	leaked_now
}

# The foreign ruleset: accept everything everywhere.
accept_everything() {
	local fam hook prio n=0
	{
		for fam in inet ip ip6; do
			echo "table $fam lab_accept_all {"
			for hook in prerouting input forward output postrouting; do
				for prio in -400 -300 -200 -150 -100 -50 -1 0 1 50 100 150 200 300 400; do
					n=$((n + 1))
					echo "  chain c$n { type filter hook $hook priority $prio; policy accept; counter accept; }"
				done
			done
			if [ "$fam" != inet ]; then
				for prio in -400 -150 0 1 400; do
					n=$((n + 1))
					echo "  chain c$n { type route hook output priority $prio; policy accept; accept; }"
				done
			fi
			echo "}"
		done
		echo "table netdev lab_accept_all {"
		echo "  chain in { type filter hook ingress device \"eth0\" priority -400; policy accept; accept; }"
		echo "  chain out { type filter hook egress device \"eth0\" priority -400; policy accept; accept; }"
		echo "}"
	} | in_client nft -f -
	local ipt table chain
	for ipt in iptables ip6tables; do
		for table in raw mangle filter; do
			case $table in
			raw) chains="PREROUTING OUTPUT" ;;
			mangle) chains="PREROUTING INPUT FORWARD OUTPUT POSTROUTING" ;;
			filter) chains="INPUT FORWARD OUTPUT" ;;
			esac
			for chain in $chains; do
				in_client "$ipt" -t "$table" -I "$chain" 1 -j ACCEPT
			done
			in_client "$ipt" -t "$table" -P "${chains##* }" ACCEPT
		done
	done
}

# An ordinary kill switch, as scripts and many VPN clients make it.
plain_killswitch() {
	in_client nft -f - <<-NFT
	table inet plain_killswitch {
		chain output {
			type filter hook output priority 0; policy drop;
			oifname "lo" accept
			oifname "$TUN" accept
			meta mark $FWMARK ip daddr $VPN_EP udp dport $VPN_PORT accept
			ip daddr 192.168.0.0/16 accept
		}
	}
	NFT
}

lab_init
lab_up
router_uplink_counter_up
fx_start
fx_guard_lab
fx_wait_state connected

echo "--- with fexyn: the tunnel down, a foreign accept-everything ruleset"
lab_client_tunnel_kill
fx_wait_state reconnecting
before=$(fx_table_snapshot)
accept_everything
check "the foreign tables are in place" \
	grep -q "lab_accept_all" <<<"$(in_client nft list tables)"
accept_with=$(flow 3000 2)
check "fexyn's table is unchanged" [ "$before" = "$(fx_table_snapshot)" ]

echo "--- with fexyn: nft flush ruleset during a flow"
leak_counters_reset
in_client "$FLOOD_BIN" --to "$WEB:9999" --rate 3000 --seconds 2 >&2 &
pid=$!
sleep 0.5
in_client nft flush ruleset
wait "$pid"
sleep 0.2
flush_with=$(leaked_now)
check "the foreign tables are gone" not grep -q lab_accept_all <<<"$(in_client nft list tables)"
check "fexyn's table is unchanged" [ "$before" = "$(fx_table_snapshot)" ]

echo "--- with fexyn: every packet gets the tunnel's fwmark, the tunnel up"
lab_client_tunnel_up
fx_wait_state connected
in_client iptables -t mangle -A OUTPUT -j MARK --set-mark "$FWMARK"
mark_with=$(flow 3000 1)
in_client iptables -t mangle -F OUTPUT
check_eq "the tunnel still works without the foreign mark" "$(flow 3000 1)" 0
check_gt "... and carries the flow" "$(web_counter tunnel)" 1500

echo "--- without fexyn"
fx disconnect >/dev/null
in_client iptables -t mangle -A OUTPUT -j MARK --set-mark "$FWMARK"
mark_without=$(flow 3000 1)
in_client iptables -t mangle -F OUTPUT
lab_client_tunnel_kill
accept_everything
accept_without=$(flow 3000 1)
in_client nft flush ruleset
plain_killswitch
check_eq "an ordinary kill-switch table holds while left alone" "$(flow 3000 1)" 0
leak_counters_reset
in_client "$FLOOD_BIN" --to "$WEB:9999" --rate 3000 --seconds 2 >&2 &
pid=$!
sleep 0.5
in_client nft flush ruleset
wait "$pid"
sleep 0.2
flush_without=$(leaked_now)

leak_record "Foreign accept-everything rules" \
	"a table accepting at every hook and priority -400..400 (inet, ip, ip6, netdev), iptables/ip6tables ACCEPT everywhere; tunnel down" \
	"$accept_with" "$accept_without"
leak_record "nft flush ruleset" \
	"another root process flushes the whole ruleset during a flow, tunnel down (without fexyn: an ordinary nftables kill switch)" \
	"$flush_with" "$flush_without"
leak_record "Foreign fwmark" \
	"an iptables mangle rule gives every packet the tunnel's fwmark, so routing skips the tunnel, tunnel up (the packets leave eth0 with the tunnel's source address: counted on the uplink)" \
	"$mark_with" "$mark_without"
leak_report
echo "PASS $TEST_NAME"
