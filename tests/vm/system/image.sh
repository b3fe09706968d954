#!/usr/bin/env bash
# tests/vm/system/image.sh KERNEL_ROOT PAYLOAD_DIR — the system test's Debian 12
# guest, built in three cached layers under build/vm/system/, and prints one
# line: the directory holding root.img (ext4), vmlinuz and initrd.img.
#
#   1. base-<h1>/     debootstrap --variant=minbase of bookworm with the
#                     packages below (h1: the package list and the mirror);
#   2. prep-<h2>/     the base plus the kernel's modules (from KERNEL_ROOT, as
#                     tests/vm/kernel.sh unpacks Debian's package), an initramfs
#                     made by the guest's own initramfs-tools, and the guest's
#                     configuration (h2: h1, the kernel, this script);
#   3. image-<h3>/    root.img, made with mkfs.ext4 -d from the prepared tree
#                     plus PAYLOAD_DIR copied over / (h3: h2 and the payload's
#                     contents) — no mount anywhere.
#
# Every layer is made in a temporary directory and renamed when complete, so
# an interrupted build is never taken for a cached one; an unchanged input
# costs nothing. Old layers are removed when a new one of the same kind is
# made. Run as root (debootstrap, chroot for mkinitramfs, file ownership).
#
# Timings go to stderr as "image: LAYER built in N s" or "image: LAYER cached".
set -Eeuo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
out=${FEXYN_VM_SYSTEM_CACHE:-$repo/build/vm/system}

die() { echo "image.sh: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: $0 KERNEL_ROOT PAYLOAD_DIR"
kroot=$1
payload=$2
[ "$(id -u)" -eq 0 ] || die "run as root"
kver=$(ls -1 "$kroot/lib/modules" | head -n 1)
[ -n "$kver" ] && [ -f "$kroot/boot/vmlinuz-$kver" ] || die "$kroot: no kernel"
[ -d "$payload" ] || die "$payload: no such directory"

# The mirror this machine's apt uses (deb822 or one-line sources).
mirror() {
	local m
	m=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' |
		grep -m1 '/debian/*$' || true)
	[ -n "$m" ] || m=$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
		awk '{print $2}' | grep -m1 '/debian/*$' || true)
	echo "${m:-http://deb.debian.org/debian}"
}
MIRROR=$(mirror)

# What the guest has. Besides systemd, the fexyn package's dependencies
# (debian/control: adduser, nftables; the libraries its binaries link) and
# what the test does inside: the lab (iproute2, kernel WireGuard configured
# with wg), jq for `fexyn status --json`, initramfs-tools to boot Debian's
# modular kernel, kmod for modprobe.
PACKAGES=(
	systemd systemd-sysv udev kmod initramfs-tools
	iproute2 nftables wireguard-tools
	adduser libmnl0 libnftnl11
	jq procps iputils-ping
)

hash_of() { sha256sum | cut -c1-16; }
h1=$(printf '%s\n' bookworm "$MIRROR" "${PACKAGES[@]}" | hash_of)
h2=$(
	echo "$h1"
	echo "$kver $(cat "$kroot/.complete" 2>/dev/null)"
	cat "$0"
) 
h2=$(printf '%s' "$h2" | hash_of)
h3=$(
	echo "$h2"
	cd "$payload" && find . -printf '%p %m %s\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum
)
h3=$(printf '%s' "$h3" | hash_of)

mkdir -p "$out"
exec 9>"$out/.image.lock"
flock 9

TMPDIR_LAYER=
cleanup() { [ -z "$TMPDIR_LAYER" ] || rm -rf "$TMPDIR_LAYER"; }
trap cleanup EXIT

new_layer() { # kind: a temporary directory next to the final ones
	TMPDIR_LAYER=$(mktemp -d "$out/.$1.XXXXXX")
}

finish_layer() { # kind hash
	rm -rf "${out:?}/$1-"*
	mv "$TMPDIR_LAYER" "$out/$1-$2"
	TMPDIR_LAYER=
}

# --- 1. debootstrap ----------------------------------------------------------
base=$out/base-$h1
if [ -f "$base/.complete" ]; then
	echo "image: base cached ($base)" >&2
else
	start=$SECONDS
	new_layer base
	inc=$(IFS=,; echo "${PACKAGES[*]}")
	echo "image: debootstrap bookworm from $MIRROR (minbase + ${#PACKAGES[@]} packages)" >&2
	if ! debootstrap --variant=minbase --include="$inc" bookworm \
		"$TMPDIR_LAYER/root" "$MIRROR" >"$TMPDIR_LAYER/debootstrap.log" 2>&1; then
		tail -n 30 "$TMPDIR_LAYER/debootstrap.log" >&2
		die "debootstrap failed"
	fi
	# No package cache in the image.
	rm -f "$TMPDIR_LAYER/root/var/cache/apt/archives/"*.deb
	touch "$TMPDIR_LAYER/.complete"
	finish_layer base "$h1"
	echo "image: base built in $((SECONDS - start)) s" >&2
fi

# --- 2. kernel, initramfs, configuration ---------------------------------------
prep=$out/prep-$h2
if [ -f "$prep/.complete" ]; then
	echo "image: prep cached ($prep)" >&2
else
	start=$SECONDS
	new_layer prep
	r=$TMPDIR_LAYER/root
	cp -a "$base/root" "$r"

	# The kernel's modules, without the drivers no QEMU guest of this test
	# has (graphics, sound, media, wireless, physical NICs, ...), then
	# depmod for what is left.
	mkdir -p "$r/lib/modules"
	cp -a "$kroot/lib/modules/$kver" "$r/lib/modules/"
	for d in drivers/gpu drivers/media drivers/net/wireless drivers/net/ethernet \
		drivers/infiniband drivers/staging drivers/bluetooth drivers/isdn drivers/iio \
		drivers/hid drivers/usb drivers/input sound net/bluetooth net/wireless net/mac80211; do
		rm -rf "$r/lib/modules/$kver/kernel/$d"
	done
	depmod -b "$r" "$kver"
	cp "$kroot/boot/vmlinuz-$kver" "$kroot/boot/config-$kver" "$kroot/boot/System.map-$kver" "$r/boot/"

	# The guest's own initramfs-tools make its initramfs, as on any Debian
	# machine, but with only what this QEMU machine boots from: virtio-blk,
	# ext4.
	sed -i 's/^MODULES=.*/MODULES=list/' "$r/etc/initramfs-tools/initramfs.conf"
	printf '%s\n' virtio_pci virtio_blk crc32c_generic ext4 >>"$r/etc/initramfs-tools/modules"
	if ! chroot "$r" /usr/sbin/mkinitramfs -o "/boot/initrd.img-$kver" "$kver" \
		>"$TMPDIR_LAYER/mkinitramfs.log" 2>&1; then
		cat "$TMPDIR_LAYER/mkinitramfs.log" >&2
		die "mkinitramfs failed"
	fi

	# The machine: its name, root on the first virtio disk, and the
	# network a home user has: one uplink with a static address on the
	# home LAN, gateway and resolver the home router (systemd-networkd; the
	# router is the lab's, on the other end of the wire). The second NIC is
	# the lab's side of that wire: nothing on the guest configures it. The
	# router's MAC address is a static neighbour entry, so the guest's
	# packets go onto the wire (where QEMU records them) from the moment it
	# has a route, whether or not the lab answers ARP yet.
	echo systest >"$r/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tsystest\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
		>"$r/etc/hosts"
	echo '/dev/vda / ext4 errors=remount-ro 0 1' >"$r/etc/fstab"
	rm -f "$r/etc/resolv.conf"
	echo 'nameserver 192.168.77.1' >"$r/etc/resolv.conf"
	mkdir -p "$r/etc/systemd/network"
	cat >"$r/etc/systemd/network/10-uplink.network" <<-EOF
	[Match]
	MACAddress=52:54:00:77:00:02

	[Network]
	Address=192.168.77.2/24
	Gateway=192.168.77.1
	IPv6AcceptRA=no

	[Neighbor]
	Address=192.168.77.1
	LinkLayerAddress=52:54:00:77:00:01
	EOF
	chroot "$r" systemctl enable systemd-networkd.service >/dev/null 2>&1
	# No login prompts, no waiting for "online", no clock sync to a
	# network the guest does not have.
	# e2scrub_reap alone took 50 s of an emulated boot.
	chroot "$r" systemctl mask serial-getty@ttyS0.service getty@tty1.service \
		systemd-networkd-wait-online.service systemd-timesyncd.service \
		e2scrub_reap.service e2scrub_all.timer apt-daily.timer apt-daily-upgrade.timer \
		>/dev/null 2>&1
	# root without a password: only reachable on the serial console, which
	# has no getty.
	chroot "$r" passwd -d root >/dev/null
	# The journal persists, so a boot's log can be read after the reboot.
	mkdir -p "$r/var/log/journal"

	touch "$TMPDIR_LAYER/.complete"
	finish_layer prep "$h2"
	echo "image: prep built in $((SECONDS - start)) s" >&2
fi

# --- 3. the ext4 image with the test's payload -----------------------------------
image=$out/image-$h3
if [ -f "$image/.complete" ]; then
	echo "image: image cached ($image)" >&2
else
	start=$SECONDS
	new_layer image
	t=$TMPDIR_LAYER
	cp -a "$prep/root" "$t/root"
	cp -a "$payload/." "$t/root/"
	# The payload's units are enabled as `systemctl enable` would.
	for u in "$payload"/etc/systemd/system/*.service; do
		[ -e "$u" ] || continue
		chroot "$t/root" systemctl --quiet enable "$(basename "$u")"
	done
	cp "$t/root/boot/vmlinuz-$kver" "$t/vmlinuz"
	cp "$t/root/boot/initrd.img-$kver" "$t/initrd.img"
	mke2fs -q -t ext4 -L systest -d "$t/root" "$t/root.img" 3G >"$t/mke2fs.log" 2>&1 ||
		{ cat "$t/mke2fs.log" >&2; die "mke2fs failed"; }
	rm -rf "$t/root"
	echo "$kver" >"$t/kernel-version"
	touch "$t/.complete"
	finish_layer image "$h3"
	echo "image: image built in $((SECONDS - start)) s" >&2
fi
echo "$image"
