# shellcheck shell=bash
# The lab: a small internet of network namespaces, built and torn down by
# each test, never touching this machine's own network.
#
#          home LAN 192.168.77.0/24                  "internet" 198.51.100.0/24
#   client  eth0 .2 ──┐                         ┌── eth0 .10  vpn  (wireguard-go wg0 10.66.0.1/24, NAT)
#                      ├─ br0 .1 [router] br1 .1 ─┼── eth0 .11  vpn2 (wg0 10.67.0.1/24; LAB_TWO_SERVERS=1)
#   lanhost eth0 .3 ──┘    (routes, no NAT)     └── eth0 .20  web  (counts packets by source address)
#
# The client's tunnel is made as wg-quick makes it, with plain ip/wg: wg0
# 10.66.0.2/32, fwmark 51820, `ip rule not fwmark 51820 table 51820`, a
# default route via wg0 in table 51820, and suppress_prefixlength 0 on main.
# When the tunnel dies, table 51820 is empty and traffic falls back to the
# router: that is the leak a kill switch must stop.
#
# wireguard-go puts its control socket in /var/run/wireguard, which is not per
# network namespace. Each instance therefore runs in a private mount
# namespace with a tmpfs there, and `wg` reaches it with nsenter, so runs and
# peers never collide.
#
# The router does not NAT: the web host sees the client's real address, so a
# leak is any packet counted there from 192.168.77.2.

CLIENT_REAL=192.168.77.2
ROUTER_LAN=192.168.77.1
LAN_HOST=192.168.77.3
WEB=198.51.100.20
VPN_EP=198.51.100.10
VPN2_EP=198.51.100.11
VPN_PORT=51820
FWMARK=51820
TUN=wg0

LAB_PIDS=()
LAB_NAMESPACES=()
# The client's WireGuard: unset or "userspace"/"auto" = wireguard-go, as
# always; "kernel" = the kernel's own WireGuard (tests/vm runs the lab on
# Debian's kernels with it). It picks the backend of the client's tunnels
# the lab makes itself (lab_client_tunnel_up*) and, through fexyn-lab.sh,
# the --backend of `fexyn connect`. The VPN servers stay wireguard-go.
FEXYN_LAB_BACKEND=${FEXYN_LAB_BACKEND:-}
# Stretches the lab's time limits (never its packet counts) by this factor:
# under an emulator without KVM (tests/vm on TCG) everything, WireGuard's
# crypto included, runs several times slower than on the machine itself.
FEXYN_LAB_TIME_SCALE=${FEXYN_LAB_TIME_SCALE:-1}

# Prints each command before it runs it in a namespace (as netns.sh's pp).
pp() { echo "+ $*" >&2; "$@"; }
n_client() { pp ip netns exec "$NS_CLIENT" "$@"; }
n_router() { pp ip netns exec "$NS_ROUTER" "$@"; }
n_lan() { pp ip netns exec "$NS_LAN" "$@"; }
n_vpn() { pp ip netns exec "$NS_VPN" "$@"; }
n_web() { pp ip netns exec "$NS_WEB" "$@"; }

lab_init() {
	local id=fx$$
	NS_CLIENT=$id-client
	NS_ROUTER=$id-router
	NS_LAN=$id-lan
	NS_VPN=$id-vpn
	NS_VPN2=$id-vpn2
	NS_WEB=$id-web
	LAB_TMP=$(mktemp -d "/tmp/fexyn-lab-$$.XXXXXX")
	trap lab_teardown EXIT
	trap 'exit 130' INT TERM
	for ns in "$NS_CLIENT" "$NS_ROUTER" "$NS_LAN" "$NS_VPN" "$NS_VPN2" "$NS_WEB"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}

lab_teardown() {
	local rc=$?
	if declare -F lab_on_teardown >/dev/null; then
		lab_on_teardown || true
	fi
	for pid in "${LAB_PIDS[@]}"; do
		kill -9 "$pid" 2>/dev/null || true
	done
	# Whatever still runs inside this run's own namespaces was started by it.
	for ns in "${LAB_NAMESPACES[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null || true
		done
	done
	# A process in a private mount namespace holds copies of the netns mounts:
	# delete the names only once every process of ours is gone.
	for _ in $(seq 200); do
		local alive=
		for pid in "${LAB_PIDS[@]}"; do
			[ -d "/proc/$pid" ] && alive=1
		done
		[ -z "$alive" ] && break
		sleep 0.01
	done
	for ns in "${LAB_NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	LAB_NAMESPACES=()
	# Per-namespace files `ip netns exec` mounts over /etc (hosts, resolv.conf).
	[ -n "${NS_CLIENT:-}" ] && rm -rf "/etc/netns/$NS_CLIENT"
	[ -n "${LAB_TMP:-}" ] && rm -rf "$LAB_TMP"
	return $rc
}

ns_add() {
	ip netns add "$1"
	LAB_NAMESPACES+=("$1")
	ip -n "$1" link set lo up
}

# veth from ns $1 (named $2) to ns $3 (named $4).
link_pair() {
	ip -n "$1" link add "$2" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

host_on() { # ns ifname addr/len gateway
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$1" route add default via "$4"
}

build_router() {
	ns_add "$NS_ROUTER"
	ip netns exec "$NS_ROUTER" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$NS_ROUTER" link add br0 type bridge
	ip -n "$NS_ROUTER" link add br1 type bridge
	ip -n "$NS_ROUTER" addr add "$ROUTER_LAN/24" dev br0
	ip -n "$NS_ROUTER" addr add 198.51.100.1/24 dev br1
	ip -n "$NS_ROUTER" link set br0 up
	ip -n "$NS_ROUTER" link set br1 up
}

plug() { # ns bridge portname
	link_pair "$NS_ROUTER" "$3" "$1" eth0
	ip -n "$NS_ROUTER" link set "$3" master "$2"
}

build_web() {
	ns_add "$NS_WEB"
	plug "$NS_WEB" br1 up-web
	host_on "$NS_WEB" eth0 "$WEB/24" 198.51.100.1
	ip netns exec "$NS_WEB" nft -f - <<-NFT
	table inet lab {
		counter leak { }
		counter tunnel { }
		counter tunnel2 { }
		chain pre {
			type filter hook prerouting priority -300;
			ip saddr $CLIENT_REAL counter name leak
			ip saddr $VPN_EP counter name tunnel
			ip saddr $VPN2_EP counter name tunnel2
		}
		chain in {
			type filter hook input priority 0;
			udp dport 9999 drop
		}
	}
	NFT
}

# Packets an nft counter has counted in a namespace.
ns_counter() { # ns table counter
	ip netns exec "$1" nft -j list counter inet "$2" "$3" |
		jq '.nftables[] | select(.counter) | .counter.packets'
}

web_counter() {
	ns_counter "$NS_WEB" lab "$1"
}

web_counters_reset() {
	local c
	for c in leak tunnel tunnel2; do
		ip netns exec "$NS_WEB" nft reset counter inet lab "$c" >/dev/null
	done
}

# Starts wireguard-go as interface wg0 in ns $1, in a private mount namespace,
# and sets WG_PID (the exec chain keeps the PID: unshare, sh, ip netns exec).
# /run/wireguard is created on the host as wireguard-tools would; the tmpfs
# over it exists only in the private namespace.
wg_start() {
	local ns=$1 log=$LAB_TMP/wireguard-go-$1.log
	mkdir -p /run/wireguard
	WG_PROCESS_FOREGROUND=1 unshare --mount --propagation private sh -c \
		'mount -t tmpfs fexyn-lab /run/wireguard && exec ip netns exec "$0" wireguard-go -f wg0' \
		"$ns" >"$log" 2>&1 &
	local pid=$!
	disown "$pid" # killed on purpose; spare the "Killed" job notices
	LAB_PIDS+=("$pid")
	WG_PID=$pid
	for _ in $(seq 200); do
		if ip -n "$ns" link show wg0 >/dev/null 2>&1 &&
			nsenter --target "$pid" --mount --net wg show wg0 >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	echo "wireguard-go did not start in $ns:" >&2
	cat "$log" >&2
	return 1
}

# wg for the wireguard-go with that PID; an empty PID means the client's
# kernel WireGuard (FEXYN_LAB_BACKEND=kernel leaves CLIENT_WG_PID empty).
wg_in() { # pid wg-args...
	local pid=$1
	shift
	if [ -z "$pid" ]; then
		ip netns exec "$NS_CLIENT" wg "$@"
		return
	fi
	nsenter --target "$pid" --mount --net wg "$@"
}

# The kind of a link ("wireguard" for the kernel's, "tun" for wireguard-go's),
# empty when there is no such link.
lab_link_kind() { # ns ifname
	ip -d -n "$1" -o link show "$2" 2>/dev/null |
		grep -oE ' (wireguard|tun|veth|bridge|dummy) ' | head -n 1 | tr -d ' ' || true
}

# The client's wg0 as the lab's backend wants it: wireguard-go (CLIENT_WG_PID
# set) or a kernel WireGuard link (CLIENT_WG_PID empty).
lab_client_wg0() {
	if [ "$FEXYN_LAB_BACKEND" = kernel ]; then
		ip -n "$NS_CLIENT" link add wg0 type wireguard
		CLIENT_WG_PID=
	else
		wg_start "$NS_CLIENT"
		CLIENT_WG_PID=$WG_PID
	fi
}

new_key() { # name: writes $LAB_TMP/name.key and .pub, private to root
	(umask 077 && wg genkey >"$LAB_TMP/$1.key")
	wg pubkey <"$LAB_TMP/$1.key" >"$LAB_TMP/$1.pub"
}

# A VPN server: wireguard-go on UDP 51820, forwarding and NAT to the internet.
# Leaves its PID in WG_PID.
build_server() { # ns addr tunnel-net server-tunnel-addr client-tunnel-addr
	local ns=$1 addr=$2 net=$3 saddr=$4 caddr=$5
	ns_add "$ns"
	plug "$ns" br1 "up-${ns##*-}"
	host_on "$ns" eth0 "$addr/24" 198.51.100.1
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$ns" nft -f - <<-NFT
	table ip nat {
		chain post {
			type nat hook postrouting priority srcnat;
			ip saddr $net oifname "eth0" masquerade
		}
	}
	NFT
	new_key "$ns"
	lab_server_start "$ns" "$saddr" "$caddr"
}

# (Re)starts a server's wireguard-go; leaves its PID in WG_PID.
lab_server_start() { # ns server-tunnel-addr client-tunnel-addr
	wg_start "$1"
	wg_in "$WG_PID" set wg0 private-key "$LAB_TMP/$1.key" listen-port "$VPN_PORT" \
		peer "$(cat "$LAB_TMP/client.pub")" allowed-ips "$3/32"
	ip -n "$1" addr add "$2/24" dev wg0
	ip -n "$1" link set wg0 up
}

# The client and the LAN host on the home LAN, without any tunnel.
build_client_bare() {
	ns_add "$NS_CLIENT"
	plug "$NS_CLIENT" br0 lan-client
	host_on "$NS_CLIENT" eth0 "$CLIENT_REAL/24" "$ROUTER_LAN"
	ns_add "$NS_LAN"
	plug "$NS_LAN" br0 lan-host
	host_on "$NS_LAN" eth0 "$LAN_HOST/24" "$ROUTER_LAN"
	new_key client
}

# wg-quick's policy routing; the rules stay when the tunnel dies.
lab_client_policy_routing() {
	ip netns exec "$NS_CLIENT" sysctl -qw net.ipv4.conf.all.src_valid_mark=1
	ip -n "$NS_CLIENT" rule add not fwmark "$FWMARK" table "$FWMARK"
	ip -n "$NS_CLIENT" rule add table main suppress_prefixlength 0
}

build_client() {
	build_client_bare
	lab_client_policy_routing
}

# (Re)creates the client's tunnel to the first server, as wg-quick would.
lab_client_tunnel_up() {
	lab_client_wg0
	wg_in "$CLIENT_WG_PID" set wg0 private-key "$LAB_TMP/client.key" fwmark "$FWMARK" \
		peer "$(cat "$LAB_TMP/$NS_VPN.pub")" endpoint "$VPN_EP:$VPN_PORT" \
		allowed-ips 0.0.0.0/0 persistent-keepalive 25
	ip -n "$NS_CLIENT" addr add 10.66.0.2/32 dev wg0
	ip -n "$NS_CLIENT" link set wg0 up
	ip -n "$NS_CLIENT" route add default dev wg0 table "$FWMARK"
	lab_wait_tunnel
}

# Polls until a ping crosses the tunnel (seen at the web host as the server).
lab_wait_tunnel() {
	local before
	before=$(web_counter tunnel)
	for _ in $(seq 50); do
		ip netns exec "$NS_CLIENT" ping -c 1 -W 1 "$WEB" >/dev/null 2>&1 || true
		if [ "$(web_counter tunnel)" -gt "$before" ]; then
			return 0
		fi
		sleep 0.1
	done
	echo "the client's tunnel carries no traffic" >&2
	return 1
}

# Kills the client's tunnel and waits for wg0 to go: wireguard-go is
# SIGKILLed, as a crash would; a kernel WireGuard link has no process, so it
# is deleted (what `wg-quick down`, NetworkManager or a crashed client's
# cleanup does) — either way the link vanishes without any warning to fexyn.
lab_client_tunnel_kill() {
	if [ -n "${CLIENT_WG_PID:-}" ]; then
		kill -9 "$CLIENT_WG_PID"
	else
		ip -n "$NS_CLIENT" link del wg0
	fi
	for _ in $(seq 200); do
		ip -n "$NS_CLIENT" link show wg0 >/dev/null 2>&1 || return 0
		sleep 0.01
	done
	echo "wg0 still exists after its process died" >&2
	return 1
}

build_servers() {
	build_server "$NS_VPN" "$VPN_EP" 10.66.0.0/24 10.66.0.1 10.66.0.2
	VPN_WG_PID=$WG_PID
	if [ "${LAB_TWO_SERVERS:-0}" = 1 ]; then
		build_server "$NS_VPN2" "$VPN2_EP" 10.67.0.0/24 10.67.0.1 10.67.0.2
		VPN2_WG_PID=$WG_PID
	fi
}

# A wg-quick config for the client, as a VPN provider would hand it out.
# Server 1 gives the client 10.66.0.2, server 2 10.67.0.2; DNS is the
# server's own tunnel address, which answers fexyn's probes.
lab_client_config() { # server-ns endpoint-addr net-prefix (10.66) [public-key-file]
	local pub=${4:-$LAB_TMP/$1.pub}
	cat <<-CONF
	# $1, generated by the lab
	[Interface]
	PrivateKey = $(cat "$LAB_TMP/client.key")
	Address = $3.0.2/32
	DNS = $3.0.1

	[Peer]
	PublicKey = $(cat "$pub")
	AllowedIPs = 0.0.0.0/0, ::/0
	Endpoint = $2:$VPN_PORT
	CONF
}

# The lab without the client's tunnel: fexyn connect will make it.
lab_up_bare() {
	build_router
	build_web
	build_client_bare
	build_servers
	lab_client_config "$NS_VPN" "$VPN_EP" 10.66 >"$LAB_TMP/vpn1.conf"
	if [ "${LAB_TWO_SERVERS:-0}" = 1 ]; then
		lab_client_config "$NS_VPN2" "$VPN2_EP" 10.67 >"$LAB_TMP/vpn2.conf"
	fi
}

# The lab with the client's policy routing but without its tunnel yet.
lab_up_untunneled() {
	build_router
	build_web
	build_client
	build_servers
}

lab_up() {
	lab_up_untunneled
	lab_client_tunnel_up
	[ "$(web_counter leak)" -eq 0 ] || { echo "the lab leaks before any test" >&2; return 1; }
}

# ---------------------------------------------------------------------------
# For the leak tests (tests/lab/test-leak-*.sh): IPv6, extra namespaces,
# dnsmasq, a DHCP client, a counter on the router's uplink. Nothing above
# calls these; a test opts in.
#
#   home LAN 2001:db8:77::/64 (router ::1, client ::2, LAN host ::3)
#   "internet" 2001:db8:ff::/64 (router ::1, vpn ::10, vpn2 ::11, web ::20)

LAN6_NET=2001:db8:77::/64
ROUTER6_LAN=2001:db8:77::1
CLIENT6=2001:db8:77::2
LAN_HOST6=2001:db8:77::3
ROUTER6_UP=2001:db8:ff::1
VPN_EP6=2001:db8:ff::10
VPN2_EP6=2001:db8:ff::11
WEB6=2001:db8:ff::20
# The first four bytes of every WireGuard message: type 1-4, three zero bytes.
WG_MSG_TYPES='{ 0x01000000, 0x02000000, 0x03000000, 0x04000000 }'

# One line per scenario; tests/lab/leak-table.sh turns them into the README's table.
leakrow() { # scenario attempted leaked-with-fexyn leaked-without
	echo "LEAKROW|$1|$2|$3|$4"
}

# A namespace of this run beyond the usual ones, named fx<pid>-<suffix>;
# its name goes into the variable named $1 (the teardown removes it).
lab_ns_extra() { # variable suffix
	local ns=fx$$-$2
	ip netns del "$ns" 2>/dev/null || true
	ns_add "$ns"
	printf -v "$1" %s "$ns"
}

# The web host counts packets from $1 (an address or prefix, v4 or v6) as leaks too.
web_count_as_leak() {
	local fam=ip
	case $1 in *:*) fam=ip6 ;; esac
	ip netns exec "$NS_WEB" nft add rule inet lab pre "$fam" saddr "$1" counter name leak
}

# Static IPv6 on the home LAN and the internet, and the web host counting v6
# into the same counters: leak = anything from the home LAN's /64, tunnel =
# from the VPN servers.
lab_ipv6_up() {
	local ns
	ip netns exec "$NS_ROUTER" sysctl -qw net.ipv6.conf.all.forwarding=1
	ip -n "$NS_ROUTER" -6 addr add "$ROUTER6_LAN/64" dev br0 nodad
	ip -n "$NS_ROUTER" -6 addr add "$ROUTER6_UP/64" dev br1 nodad
	ip -n "$NS_CLIENT" -6 addr add "$CLIENT6/64" dev eth0 nodad
	ip -n "$NS_CLIENT" -6 route add default via "$ROUTER6_LAN" dev eth0
	ip -n "$NS_LAN" -6 addr add "$LAN_HOST6/64" dev eth0 nodad
	ip -n "$NS_LAN" -6 route add default via "$ROUTER6_LAN" dev eth0
	ip -n "$NS_WEB" -6 addr add "$WEB6/64" dev eth0 nodad
	ip -n "$NS_WEB" -6 route add default via "$ROUTER6_UP" dev eth0
	ip -n "$NS_VPN" -6 addr add "$VPN_EP6/64" dev eth0 nodad
	ip -n "$NS_VPN" -6 route add default via "$ROUTER6_UP" dev eth0
	if ip netns list | grep -qw "$NS_VPN2"; then
		ip -n "$NS_VPN2" -6 addr add "$VPN2_EP6/64" dev eth0 nodad
		ip -n "$NS_VPN2" -6 route add default via "$ROUTER6_UP" dev eth0
	fi
	ns=$NS_WEB
	ip netns exec "$ns" nft add rule inet lab pre ip6 saddr "$LAN6_NET" counter name leak
	ip netns exec "$ns" nft add rule inet lab pre ip6 saddr "$VPN_EP6" counter name tunnel
	ip netns exec "$ns" nft add rule inet lab pre ip6 saddr "$VPN2_EP6" counter name tunnel2
}

# Waits (≤ 10 s each) until no address in the lab is still tentative (the
# link-local ones run duplicate address detection in their own time), then
# until a ping -6 from the client reaches $1: new IPv6 addresses and routes
# are not usable the moment `ip` returns.
lab_ipv6_wait() { # address
	local ns ready
	for _ in $(seq 200); do
		ready=1
		for ns in "${LAB_NAMESPACES[@]}"; do
			[ -z "$(ip -n "$ns" -6 addr show tentative 2>/dev/null)" ] || ready=
		done
		[ -n "$ready" ] && break
		sleep 0.05
	done
	for _ in $(seq 20); do
		ip netns exec "$NS_CLIENT" ping -6 -c 1 -W 0.5 "$1" >/dev/null 2>&1 && return 0
	done
	echo "IPv6 from the client to $1 never worked" >&2
	return 1
}

# IPv6 inside the first server's tunnel: the server fd66::1/64, the client
# fd66::2, NAT66 to the server's own v6 address (call after lab_ipv6_up).
lab_server_ipv6_tunnel() {
	ip netns exec "$NS_VPN" sysctl -qw net.ipv6.conf.all.forwarding=1
	ip -n "$NS_VPN" -6 addr add fd66::1/64 dev wg0 nodad
	wg_in "$VPN_WG_PID" set wg0 peer "$(cat "$LAB_TMP/client.pub")" \
		allowed-ips 10.66.0.2/32,fd66::2/128
	ip netns exec "$NS_VPN" nft -f - <<-NFT
	table ip6 nat6 {
		chain post {
			type nat hook postrouting priority srcnat;
			ip6 saddr fd66::/64 oifname "eth0" masquerade
		}
	}
	NFT
}

# The router counts what crosses its uplink (br1) from the home side, other
# than WireGuard messages to port 51820: every such packet is a leak.
router_uplink_counter_up() {
	ip netns exec "$NS_ROUTER" nft -f - <<-NFT
	table inet labup {
		counter uplink { }
		chain uplink_fwd {
			type filter hook forward priority -300;
			iifname "br1" return
			oifname != "br1" return
			udp dport $VPN_PORT @th,64,32 $WG_MSG_TYPES return
			counter name uplink
		}
	}
	NFT
}

router_uplink_count() {
	ns_counter "$NS_ROUTER" labup uplink
}

router_uplink_reset() {
	ip netns exec "$NS_ROUTER" nft reset counter inet labup uplink >/dev/null
}

# dnsmasq in ns $1, in the foreground (killed by the teardown), logging to
# $LAB_TMP/dnsmasq-$2.log; the remaining arguments are its options.
# Leaves its PID in DNSMASQ_PID.
lab_dnsmasq() { # ns tag options...
	local ns=$1 tag=$2
	shift 2
	ip netns exec "$ns" dnsmasq --keep-in-foreground --conf-file=/dev/null \
		--user=root --group=root --pid-file="$LAB_TMP/dnsmasq-$tag.pid" \
		--log-facility="$LAB_TMP/dnsmasq-$tag.log" "$@" 2>>"$LAB_TMP/dnsmasq-$tag.log" &
	DNSMASQ_PID=$!
	disown "$DNSMASQ_PID" # may be killed on purpose
	LAB_PIDS+=("$DNSMASQ_PID")
	for _ in $(seq 100); do
		[ -s "$LAB_TMP/dnsmasq-$tag.pid" ] && return 0
		kill -0 "$DNSMASQ_PID" 2>/dev/null || break
		sleep 0.02
	done
	echo "dnsmasq ($tag) did not start:" >&2
	cat "$LAB_TMP/dnsmasq-$tag.log" >&2
	return 1
}

# busybox udhcpc on $2 in ns $1, with a hook that applies the lease as a
# distribution's would, classless static routes (option 121) included, and
# logs every event to $LAB_TMP/udhcpc-events. Waits (≤ 10 s) for a lease;
# leaves the PID in UDHCPC_PID. SIGUSR1 makes it renew.
lab_udhcpc() { # ns iface
	local script=$LAB_TMP/udhcpc.script events=$LAB_TMP/udhcpc-events
	cat >"$script" <<-EOS
	#!/bin/sh
	echo "\$1 ip=\$ip mask=\$mask router=\$router staticroutes=\$staticroutes" >>"$events"
	case \$1 in
	deconfig) ip -4 addr flush dev "\$interface" ;;
	bound|renew)
		ip addr replace "\$ip/\$mask" dev "\$interface"
		if [ -n "\$staticroutes" ]; then
			set -- \$staticroutes
			while [ \$# -ge 2 ]; do
				ip route replace "\$1" via "\$2" dev "\$interface"
				shift 2
			done
		elif [ -n "\$router" ]; then
			ip route replace default via "\${router%% *}" dev "\$interface"
		fi ;;
	esac
	EOS
	chmod 755 "$script"
	: >"$events"
	ip netns exec "$1" udhcpc -f -i "$2" -s "$script" -O staticroutes -t 10 -T 1 -A 1 \
		>>"$LAB_TMP/udhcpc.log" 2>&1 &
	UDHCPC_PID=$!
	disown "$UDHCPC_PID" # may be killed on purpose
	LAB_PIDS+=("$UDHCPC_PID")
	for _ in $(seq 100); do
		grep -q '^bound ' "$events" && return 0
		sleep 0.1
	done
	echo "udhcpc got no lease:" >&2
	cat "$LAB_TMP/udhcpc.log" "$events" >&2
	return 1
}

# The client's own wg-quick-like tunnel to any server: wireguard-go, fwmark,
# the address, the route in table 51820 (the policy rules come from
# lab_client_policy_routing). Leaves the PID in CLIENT_WG_PID; no wait.
lab_client_tunnel_up_to() { # server-public-key-file endpoint client-address
	lab_client_wg0
	wg_in "$CLIENT_WG_PID" set wg0 private-key "$LAB_TMP/client.key" fwmark "$FWMARK" \
		peer "$(cat "$1")" endpoint "$2" allowed-ips 0.0.0.0/0 persistent-keepalive 25
	ip -n "$NS_CLIENT" addr add "$3/32" dev wg0
	ip -n "$NS_CLIENT" link set wg0 up
	ip -n "$NS_CLIENT" route add default dev wg0 table "$FWMARK"
}

# Counters of both places a leak shows: the web host and the router's uplink.
leak_counters_reset() {
	web_counters_reset
	router_uplink_reset
}

# The packets that leaked since the last reset: the larger of what the web
# host counted from the client's addresses and what crossed the uplink.
leaked_now() {
	local w u
	w=$(web_counter leak)
	u=$(router_uplink_count)
	echo "  leaked: $w at the web host, $u across the uplink" >&2
	echo $((w > u ? w : u))
}

# Scenario results, kept until leak_report so that every row is printed even
# when one of them fails.
LEAK_ROWS=()
leak_record() { # scenario attempted leaked-with-fexyn leaked-without ("n/a": not a leak test)
	LEAK_ROWS+=("$1|$2|$3|$4")
}

# Prints a LEAKROW line per scenario, then checks them all: 0 with fexyn, and
# more than 0 without (the attempt is real).
leak_report() {
	local row s w wo
	for row in "${LEAK_ROWS[@]}"; do
		leakrow "${row%%|*}" "$(cut -d'|' -f2 <<<"$row")" "$(cut -d'|' -f3 <<<"$row")" \
			"$(cut -d'|' -f4 <<<"$row")"
	done
	for row in "${LEAK_ROWS[@]}"; do
		IFS='|' read -r s _ w wo <<<"$row"
		check_eq "$s: packets leaked with fexyn" "$w" 0
		[ "$wo" = n/a ] || check_gt "$s: packets leaked without fexyn" "$wo" 0
	done
}

# Runs a command with its output thrown away (for `check "…" quiet cmd`, whose
# own "ok" line must stay visible).
quiet() { "$@" >/dev/null 2>&1; }
