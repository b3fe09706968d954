#!/usr/bin/env bash
# tests/vm/kernel.sh SERIES — fetch, unpack and cache a Debian 12 kernel package.
#
#   tests/vm/kernel.sh 6.1    # newest linux-image-6.1.0-N-amd64 apt offers
#   tests/vm/kernel.sh 6.12   # newest linux-image-6.12.N+deb12-amd64 apt offers
#
# Prints exactly one line: the unpacked root directory, which holds
# boot/vmlinuz-<ver> and lib/modules/<ver>/ (depmod already run). Callers
# (tests/vm/run.sh, tests/vm/system/) depend on this interface: keep it stable.
#
# Why Debian's own packages: the point of tests/vm is to show fexyn on the
# kernels users run, with their WireGuard and nftables modules, not on a
# kernel we configured ourselves.
#
# Cache: build/vm/cache/ (the .deb files) and build/vm/kernels/<package>/ (the
# unpacked tree); both are gitignored and reused. FEXYN_VM_CACHE moves the
# cache (e.g. to share it between worktrees). FEXYN_VM_KERNEL_PKG pins an exact
# package name instead of "newest apt offers". Offline, the newest package
# already unpacked for the series is used.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${FEXYN_VM_CACHE:-$root/build/vm}

die() { echo "kernel.sh: $*" >&2; exit 1; }

usage() { die "usage: $0 SERIES (e.g. 6.1 or 6.12)"; }

# The package-name pattern of one series. Debian 12 names the 6.1 ABI
# "6.1.0-N" and the 6.12 one (bookworm-security/backports) "6.12.N+deb12".
series_regex() {
	local s=${1//./\\.}
	echo "^linux-image-${s}(\\.0-[0-9]+|\\.[0-9]+\\+deb[0-9]+)-amd64\$"
}

# Newest package of the series that apt knows about (empty if none).
newest_from_apt() {
	apt-cache search --names-only "$(series_regex "$1")" 2>/dev/null |
		awk '{print $1}' | sort -V | tail -n 1
}

# Newest package of the series already unpacked (for offline use).
newest_unpacked() {
	local re d
	re=$(series_regex "$1")
	for d in "$cache"/kernels/*/.complete; do
		[ -e "$d" ] || continue
		d=$(basename "$(dirname "$d")")
		[[ $d =~ $re ]] && echo "$d"
	done | sort -V | tail -n 1
}

# Fetch the .deb (apt-get download writes to the current directory).
fetch_deb() {
	local pkg=$1 debs=$cache/cache
	mkdir -p "$debs"
	if ! ls "$debs/${pkg}_"*.deb >/dev/null 2>&1; then
		(cd "$debs" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2) || die "apt-get download $pkg failed"
	fi
	ls -1 "$debs/${pkg}_"*.deb | sort -V | tail -n 1
}

# Unpack into a temp dir next to the final one and rename, so a half-unpacked
# tree (interrupted run) is never mistaken for a cached one.
unpack() {
	local pkg=$1 deb=$2 dest=$cache/kernels/$1 tmp ver
	[ -f "$dest/.complete" ] && return 0
	mkdir -p "$cache/kernels"
	tmp=$(mktemp -d "$cache/kernels/.unpack.XXXXXX")
	# shellcheck disable=SC2064  # expand now: the trap must remove this tmp
	trap "rm -rf '$tmp'" EXIT
	dpkg-deb -x "$deb" "$tmp"
	ver=$(ls -1 "$tmp/lib/modules" | head -n 1)
	[ -n "$ver" ] && [ -f "$tmp/boot/vmlinuz-$ver" ] || die "$deb: no boot/vmlinuz or lib/modules"
	command -v depmod >/dev/null || PATH=$PATH:/usr/sbin:/sbin
	depmod -b "$tmp" "$ver"
	echo "$pkg" >"$tmp/.complete"
	rm -rf "$dest"
	mv "$tmp" "$dest"
	trap - EXIT
}

main() {
	[ $# -eq 1 ] || usage
	local series=$1 pkg deb
	[[ $series =~ ^[0-9]+\.[0-9]+$ ]] || usage
	mkdir -p "$cache"
	# One caller at a time per cache: tests/vm and tests/vm/system may both
	# ask for the same kernel at once.
	exec 9>"$cache/.kernel.lock"
	flock 9

	pkg=${FEXYN_VM_KERNEL_PKG:-$(newest_from_apt "$series")}
	if [ -z "$pkg" ]; then
		pkg=$(newest_unpacked "$series")
		[ -n "$pkg" ] || die "no linux-image package for series $series in apt (apt-cache search) or in $cache/kernels"
	fi
	if [ ! -f "$cache/kernels/$pkg/.complete" ]; then
		# A newer package than the cached one, but no network: the cached one.
		if ! deb=$(fetch_deb "$pkg"); then
			pkg=$(newest_unpacked "$series")
			[ -n "$pkg" ] || exit 1
			echo "kernel.sh: using the cached $pkg" >&2
		else
			unpack "$pkg" "$deb"
		fi
	fi
	echo "$cache/kernels/$pkg"
}

main "$@"
