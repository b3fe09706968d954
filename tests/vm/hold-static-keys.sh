#!/usr/bin/env bash
# Run inside a test guest, before the lab tests: keeps the kernel's static
# keys that the tests would otherwise switch on and off, on, for the guest's
# whole life.
#
# Why: every time a kernel WireGuard link comes up or goes down, the kernel
# flips memalloc_socks_key (6.12's wg_socket_init and wg_socket_reinit call
# sk_set_memalloc and sk_clear_memalloc) and the UDP tunnel keys, and every
# first or last base chain on a hook flips that hook's key. Each flip patches
# hot code (__alloc_skb, udp_queue_rcv_skb, nf_hook) through int3
# breakpoints. Under TCG with a thread per guest CPU, a CPU sending a
# 20,000 packets/s flow now and then still executes the breakpoint after the
# patch is done, and the guest dies with "Oops: int3" in __alloc_skb (seen in
# 6.12 guests: traced with a kprobe on arch_jump_label_transform_queue to
# wg_socket_init and sk_clear_memalloc). Real CPUs serialise on the patcher's
# IPIs; emulated ones do not always. A key held at one or more by an idle
# link and an idle table never reaches zero, so the tests' links and tables
# only move its count and the kernel never rewrites that code mid-test.
#
# The holders live in a namespace of their own (fexyn-vm-keys) that no test
# sees. Prints a line for each holder it set up; a holder that could not be
# set up is left out, and its keys flip as before.
set -uo pipefail

ns=fexyn-vm-keys

hold_wireguard() {
	ip -n "$ns" link add wgkeys type wireguard 2>/dev/null &&
		ip -n "$ns" link set wgkeys up
}

# A filter base chain on each of the five IPv4 and IPv6 hooks and both ARP
# ones (the lab's tests flip all of them).
hold_hooks() {
	ip netns exec "$ns" nft -f - <<-'EOF'
		table arp fexyn_vm_keys {
			chain input { type filter hook input priority 0; policy accept; }
			chain output { type filter hook output priority 0; policy accept; }
		}
		table inet fexyn_vm_keys {
			chain prerouting { type filter hook prerouting priority 0; policy accept; }
			chain input { type filter hook input priority 0; policy accept; }
			chain forward { type filter hook forward priority 0; policy accept; }
			chain output { type filter hook output priority 0; policy accept; }
			chain postrouting { type filter hook postrouting priority 0; policy accept; }
		}
	EOF
}

# Packet timestamps (netstamp_needed_key, in netif_receive_skb): a socket
# that asked for them, kept by a child that waits for the guest to end; its
# parent returns once the socket is set.
hold_timestamps() {
	ip netns exec "$ns" python3 -c '
import os, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 29, 1)  # SO_TIMESTAMP
s.bind(("127.0.0.1", 0))
if os.fork() == 0:
    os.setsid()
    s.recv(1)
' </dev/null >/dev/null 2>&1
}

main() {
	ip netns add "$ns" || { echo "static keys: no namespace $ns, none held"; return 0; }
	ip -n "$ns" link set lo up
	hold_wireguard && echo "static keys: an idle WireGuard link holds memalloc sockets and UDP tunnels"
	hold_hooks && echo "static keys: idle tables hold the IPv4, IPv6 and ARP netfilter hooks"
	hold_timestamps && echo "static keys: an idle socket holds packet timestamps"
	return 0
}

main
