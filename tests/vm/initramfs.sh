#!/usr/bin/env bash
# tests/vm/initramfs.sh KERNEL_ROOT — the test guest's initramfs for one
# unpacked kernel (tests/vm/kernel.sh): a static busybox, tests/vm/init, and
# the modules that mounting the host over virtio-9p needs, resolved with the
# kernel's own modules.dep. Prints the path of the (cached) cpio.gz.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
PATH=$PATH:/usr/sbin:/sbin

die() { echo "initramfs.sh: $*" >&2; exit 1; }

# What mounting 9p over virtio takes; each kernel builds some of it in (6.12
# has virtio_pci built in), and modprobe names what a module depends on.
MODULES=(virtio_pci 9pnet_virtio 9p)

main() {
	[ $# -eq 1 ] || die "usage: $0 KERNEL_ROOT"
	local kroot=$1 kver out tmp m path
	kver=$(ls -1 "$kroot/lib/modules" | head -n 1)
	[ -n "$kver" ] || die "$kroot has no lib/modules/<version>"
	out=$kroot/initramfs.cpio.gz
	# Rebuilt when init or this script changed.
	if [ -f "$out" ] && [ "$out" -nt "$here/init" ] && [ "$out" -nt "$0" ]; then
		echo "$out"
		return 0
	fi
	# busybox also packs the cpio (no cpio package needed).
	dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' ||
		die "/bin/busybox is not static: apt-get install --no-install-recommends busybox-static"
	tmp=$(mktemp -d)
	# shellcheck disable=SC2064  # expand now
	trap "rm -rf '$tmp'" EXIT
	mkdir -p "$tmp"/{bin,dev,proc,sys,newroot,modules}
	cp /bin/busybox "$tmp/bin/busybox"
	install -m 755 "$here/init" "$tmp/init"
	: >"$tmp/modules/order"
	# "insmod /path" lines in load order; "builtin name" for built-in ones.
	for m in "${MODULES[@]}"; do
		modprobe -d "$kroot" -S "$kver" --show-depends "$m" || die "modprobe: no module $m"
	done | awk '$1 == "insmod" { print $2 }' |
		while read -r path; do
			m=$(basename "$path")
			grep -qxF "${m%.xz}" "$tmp/modules/order" && continue
			# busybox insmod cannot decompress: store them plain.
			case $m in
			*.ko.xz) xz -dc "$path" >"$tmp/modules/${m%.xz}" ;;
			*.ko) cp "$path" "$tmp/modules/$m" ;;
			*) die "unexpected module file $path" ;;
			esac
			echo "${m%.xz}" >>"$tmp/modules/order"
		done
	(cd "$tmp" && find . | busybox cpio -o -H newc -R 0:0 2>/dev/null | gzip -1) >"$out.tmp"
	mv "$out.tmp" "$out"
	echo "$out"
}

main "$@"
