#!/usr/bin/env bash
# Split tunnelling (issue 15): `fexyn exclude` takes chosen programs around
# the tunnel, and nothing else. While connected, an excluded flow (started
# by `fexyn exclude run` as a member of group fexyn, the flood a child of
# the shell it ran) reaches the web host with the client's real address,
# and a flow that is not excluded, running at the same time, arrives only
# through the tunnel: 0 packets with the real address from it, also while
# the tunnel dies and fexynd reconnects. The excluded program's DNS goes to
# the tunnel's resolver through the tunnel. `fexyn exclude clear` takes it
# back at once: nothing more with the real address. A process that writes
# its own PID into fexynd's cgroup is refused by the kernel; a member cannot
# exclude another user's process; bad PIDs are refused with nothing
# changed. Exclusions survive a SIGKILLed fexynd, keep working while
# blocked and in lockdown, and end with reset, also with fexynd dead.
#
# The web host counts by port: 9998 for the excluded flow, 9999 for the
# other, each by source (the client's real address, or the VPN server's).
source "$(dirname "$0")/lab-test.sh"

# shellcheck source=exclude-lab.sh
source "$here/exclude-lab.sh"
MEMBER=fxe$$
OTHER=fxo$$

# fexyn as the member, in the client's namespace.
member() {
	ip netns exec "$NS_CLIENT" setpriv --reuid "$MEMBER" --regid "$(id -g "$MEMBER")" --init-groups \
		"$FEXYN_BIN" --socket "$FX_SOCK" "$@"
}
# The excluded flood: the member runs a shell excluded, the flood its child.
excluded_flow_start() { # seconds
	ip netns exec "$NS_CLIENT" setpriv --reuid "$MEMBER" --regid "$(id -g "$MEMBER")" --init-groups \
		"$FEXYN_BIN" --socket "$FX_SOCK" exclude run -- \
		sh -c '"$0" --to "$1" --rate 500 --seconds "$2"; echo done' \
		"$FLOOD_BIN" "$WEB:9998" "$1" >"$LAB_TMP/excluded.out" 2>&1 &
	EXCL_RUN_PID=$!
	LAB_PIDS+=("$EXCL_RUN_PID")
}
# The flood's PID once fexyn exclude run has started it.
excluded_flood_pid() {
	local p
	for _ in $(seq 100); do
		p=$(pgrep -u "$MEMBER" -f "udpflood --to $WEB:9998" | head -1) || true
		[ -n "$p" ] && echo "$p" && return 0
		sleep 0.05
	done
	return 1
}
other_flow_start() { # seconds
	ip netns exec "$NS_CLIENT" "$FLOOD_BIN" --to "$WEB:9999" --rate 500 --seconds "$1" \
		>"$LAB_TMP/other.out" &
	OTHER_PID=$!
	LAB_PIDS+=("$OTHER_PID")
}

fx_user_add "$MEMBER" --fexyn
fx_user_add "$OTHER"
lab_init
lab_up_bare
resolver_up() { # ns addr answer tag
	lab_dnsmasq "$1" "$4" --port=53 --listen-address="$2" --bind-interfaces \
		--address="/who.lab.test/$3" --no-resolv --no-hosts
}
resolver_up "$NS_VPN" 10.66.0.1 192.0.2.3 vpn
resolver_up "$NS_ROUTER" "$ROUTER_LAN" 192.0.2.1 router
ip netns exec "$NS_WEB" nft -f - <<NFT
table inet split {
	counter excl_real { }
	counter excl_tunnel { }
	counter other_real { }
	counter other_tunnel { }
	chain pre {
		type filter hook prerouting priority -300;
		udp dport 9998 ip saddr $CLIENT_REAL counter name excl_real
		udp dport 9998 ip saddr $VPN_EP counter name excl_tunnel
		udp dport 9999 ip saddr $CLIENT_REAL counter name other_real
		udp dport 9999 ip saddr $VPN_EP counter name other_tunnel
	}
}
NFT
ip netns exec "$NS_ROUTER" nft -f - <<NFT
table inet labdns {
	counter dns { }
	chain in {
		type filter hook input priority 0;
		meta l4proto { tcp, udp } th dport { 53, 853 } counter name dns
	}
}
NFT
chmod 755 "$LAB_TMP" # the member reaches the socket here; the state directory stays 0700
fx_start
fx connect "$LAB_TMP/vpn1.conf" >/dev/null
check_eq "connected" "$(fx_state)" connected
check_eq "nothing excluded yet" "$(status .excluded)" 0
check "no cgroup before the first exclusion" [ ! -e "$CG_DIR" ]

echo "--- an excluded flow and a tunnelled one, side by side"
excluded_flow_start 30
other_flow_start 30
check "the excluded flow reaches the web host with the real address" wait_count excl_real 200
check "the other flow reaches it through the tunnel" wait_count other_tunnel 200
flood=$(excluded_flood_pid)
check "fexynd made its cgroup, root's, mode 0755" [ "$(stat -c '%u %a' "$CG_DIR")" = "0 755" ]
check "the flood (a child of the excluded shell) is in an exclusion" \
	grep -q "^/$EXCL_CGROUP/[0-9]*$" <<<"$(cgroup_of "$flood")"
check_eq "one exclusion" "$(status .excluded)" 1
check "exclude list names the flood" grep -q "^  $flood (udpflood)$" <<<"$(fx exclude list)"
check_eq "none of the excluded flow went through the tunnel" "$(count excl_tunnel)" 0

echo "--- the tunnel dies, fexynd reconnects; the excluded flow goes on"
before=$(count excl_real)
fx_tunnel_kill
check "fexynd reconnects" fx_wait_state connected 20
check "the excluded flow went on" wait_count excl_real $((before + 200))
mid=$(count other_tunnel)
check "the other flow goes through the new tunnel" wait_count other_tunnel $((mid + 200))

echo "--- the excluded program's DNS: the tunnel's resolver, through the tunnel"
run member exclude run -- dig +short +time=2 +tries=1 @10.66.0.1 who.lab.test
check_eq "an excluded dig gets the tunnel resolver's answer ($OUT)" "$OUT" 192.0.2.3
run member exclude run -- dig +short +time=1 +tries=1 @"$ROUTER_LAN" who.lab.test
check "an excluded dig to the home router gets nothing" not grep -q 192.0.2.1 <<<"$OUT"
check_eq "no DNS reached the home router" "$(ns_counter "$NS_ROUTER" labdns dns)" 0

echo "--- clear: the excluded program is back in the tunnel at once"
fx exclude clear
sleep 0.2 # packets already past the client when clear returned
after_clear=$(count excl_real)
check "what it sends now goes through the tunnel" wait_count excl_tunnel 100
check_eq "nothing more with the real address" "$(count excl_real)" "$after_clear"
check_eq "the flood is back where it came from" "$(cgroup_of "$flood")" "$(cgroup_of $$)"
check_eq "no exclusion" "$(status .excluded)" 0
kill "$flood"
wait "$EXCL_RUN_PID" || true
wait "$OTHER_PID"
check_eq "the other flow: 0 packets with the real address, all along" "$(count other_real)" 0

echo "--- the kernel refuses a process that moves itself in"
excluded_flow_start 120
flood=$(excluded_flood_pid)
check "excluded again" wait_count excl_real $((after_clear + 100))
group=$(basename "$(cgroup_of "$flood")")
run fx_as "$MEMBER" sh -c "echo \$\$ > '$CG_DIR/$group/cgroup.procs'"
check "writing its own PID into fexynd's group fails ($OUT)" [ "$RC" -ne 0 ]
run fx_as "$OTHER" sh -c "mkdir '$CG_DIR/99' && echo \$\$ > '$CG_DIR/99/cgroup.procs'"
check "making a group there fails" [ "$RC" -ne 0 ]

echo "--- who may exclude whom"
fx_as_bg "$OTHER" sleep 300
other_sleep=$AS_PID
fx_as_bg "$MEMBER" sleep 300
member_sleep=$AS_PID
run member exclude add "$other_sleep"
check "a member cannot exclude another user's process ($OUT)" grep -q "not wholly yours" <<<"$OUT"
run ip netns exec "$NS_CLIENT" setpriv --reuid "$OTHER" --regid "$(id -g "$OTHER")" --init-groups \
	"$FEXYN_BIN" --socket "$FX_SOCK" exclude add "$other_sleep"
check "a user outside group fexyn cannot exclude even their own ($OUT)" grep -q "permission denied" <<<"$OUT"
run member exclude add "$member_sleep"
check "a member excludes their own process ($OUT)" [ "$RC" -eq 0 ]
check_eq "two exclusions" "$(status .excluded)" 2
run member exclude remove "$member_sleep"
check "and ends it ($OUT)" [ "$RC" -eq 0 ]
check_eq "back to one" "$(status .excluded)" 1
check "the list is open to everyone" grep -q "^exclusion " <<<"$(ip netns exec "$NS_CLIENT" setpriv \
	--reuid "$OTHER" --regid "$(id -g "$OTHER")" --init-groups "$FEXYN_BIN" --socket "$FX_SOCK" exclude list)"

echo "--- bad PIDs: a clear error each, nothing changed"
thread=$(find "/proc/$VPN_WG_PID/task" -mindepth 1 -maxdepth 1 -printf '%f\n' | grep -vx "$VPN_WG_PID" | head -1)
bads=("4194000:no such process" "1:PID 1" "2:kernel thread" "$FEXYND_PID:fexynd" "$thread:is a thread")
wg=$(lab_client_wg_pid)
[ -z "$wg" ] || bads+=("$wg:fexynd")
for bad in "${bads[@]}"; do
	run fx exclude add "${bad%%:*}"
	check "exclude add ${bad%%:*}: '${bad#*:}' ($OUT)" grep -q "${bad#*:}" <<<"$OUT"
	check "... and fails" [ "$RC" -ne 0 ]
done
run fx exclude add abc
check_eq "exclude add abc is a usage error" "$RC" 2
run fx exclude add 0
check "exclude add 0: not a process id ($OUT)" grep -q "not a process id" <<<"$OUT"
run fx exclude run
check_eq "exclude run without a command is a usage error" "$RC" 2
run fx exclude run -- true
check "exclude run as root alone is refused ($OUT)" grep -q "would run as root" <<<"$OUT"
check_eq "still one exclusion" "$(status .excluded)" 1

echo "--- blocked, and lockdown: excluded programs still get out"
fx disconnect >/dev/null
fx lockdown on >/dev/null
before=$(count excl_real)
check "with lockdown and no tunnel, the excluded flow gets out" wait_count excl_real $((before + 100))
run ip netns exec "$NS_CLIENT" "$FLOOD_BIN" --to "$WEB:9999" --rate 200 --seconds 1
check_eq "everything else is blocked" "$(count other_real)" 0

echo "--- fexynd SIGKILLed and restarted: the exclusion is taken over"
fx_kill9
fx_start
check_eq "the restarted fexynd has the exclusion" "$(status .excluded)" 1
before=$(count excl_real)
check "the excluded flow still gets out" wait_count excl_real $((before + 100))

echo "--- reset, with fexynd dead: the exclusion ends"
fx_kill9
# As root on the machine, where /sys/fs/cgroup is mounted (see FEXYND_WRAPPER).
ip netns exec "$NS_CLIENT" "${IN_CGROUP_NS[@]}" "$FEXYN_BIN" --socket "$FX_SOCK" \
	reset --state-dir "$FX_STATE" --exclusion-cgroup "$EXCL_CGROUP" >"$LAB_TMP/reset.out"
check "reset says it ended the exclusion" grep -q "^ended exclusion 1" "$LAB_TMP/reset.out"
check "no group is left" [ -z "$(find "$CG_DIR" -mindepth 1 -maxdepth 1 -type d)" ]
check_eq "the flood is back where it came from" "$(cgroup_of "$flood")" "$(cgroup_of $$)"
fx_start
check_eq "nothing excluded" "$(status .excluded)" 0
PASSED=1
echo "PASS $TEST_NAME"
