#!/usr/bin/env bash
# Installs the Debian 12 packages fexyn needs to build, test and run its lab.
# Only what is missing is installed, so a second run costs nothing.
set -euo pipefail

packages=(
	# build
	gcc libc6-dev meson ninja-build pkg-config
	libmnl-dev libnftnl-dev
	# unit tests, and their sanitizer runtimes (ASan/UBSan ship with gcc)
	libcmocka-dev
	# the lab: namespaces, real WireGuard peers, packet counting
	iproute2 nftables wireguard-go wireguard-tools iputils-ping procps jq
	# the leak scenarios: DHCP and DNS servers, a DHCP client, neighbour
	# discovery, TCP sessions, foreign firewall rules
	dnsmasq-base udhcpc socat ndisc6 iputils-arping bind9-dnsutils iptables curl
	# the Debian package, its checks, man pages and completion
	debhelper dpkg-dev fakeroot lintian systemd groff-base bash-completion
	# hardening: libFuzzer (clang and its runtime), static analysis, memcheck
	clang libclang-rt-14-dev clang-tidy cppcheck valgrind
	# bench/run: plots, throughput, the iptables columns, wake-up counts
	gnuplot-nox iperf3 iptables strace
	# tests/vm: Debian's own kernels under QEMU, a static busybox for the
	# guest's initramfs, depmod/modprobe for the unpacked kernel packages;
	# the system test (tests/vm/system): its Debian 12 image (debootstrap,
	# mke2fs -d), python3 to read QEMU's capture of the wire
	qemu-system-x86 busybox-static kmod xz-utils debootstrap e2fsprogs python3
)

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (apt-get needs it)" >&2
	exit 1
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
	exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
