#!/usr/bin/env bash
# The Debian package: built with dpkg-buildpackage from a copy of the tree
# (so no build product ever lands in it), its contents, lintian (no errors),
# the man pages and the bash completion, and — the point of it all — that
# removing the package never leaves a machine blocked.
#
# The removal scripts run against an unpacked copy of the package, in a
# network namespace of this test's own, the way dpkg runs them for an
# install in another root: with DPKG_ROOT pointing at the copy. systemd's
# helpers are stubbed on PATH, so the scripts never reach this machine's
# service manager.
#
#   netns fexyn-pkg-PID: lo only
#     fexynd (from the unpacked .deb)  --socket ROOT/run/fexyn/fexynd.sock
#                                      --state-dir ROOT/var/lib/fexyn
#
# Run as root. Prints "PASS pkg" or "FAIL pkg: why".
set -Eeuo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
NS=fexyn-pkg-$$
TMP=
PIDS=()

teardown() {
	local p
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	ip netns del "$NS" 2>/dev/null || true
	[ -z "$TMP" ] || rm -rf "$TMP"
}
trap teardown EXIT

fail() {
	echo "FAIL pkg: $*"
	exit 1
}
# Anything else that fails unexpectedly says where, too.
trap 'fail "line $LINENO: $BASH_COMMAND (exit $?)"' ERR

check() { # description command...
	local what=$1
	shift
	"$@" || fail "$what"
	echo "  ok: $what"
}

not() { ! "$@"; }

[ "$(id -u)" -eq 0 ] || fail "run as root (namespaces, nftables)"

# --- what the build, lintian and the check need ------------------------------

packages=(
	# dpkg-buildpackage and lintian
	debhelper dpkg-dev fakeroot lintian
	# Build-Depends of debian/control
	meson ninja-build pkg-config libmnl-dev libnftnl-dev libcmocka-dev systemd
	# the checks: namespaces, nft, man pages, completion
	iproute2 nftables groff-base bash-completion
)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "--- installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

TMP=$(mktemp -d /tmp/fexyn-pkg.XXXXXX)

# --- build in a copy ---------------------------------------------------------

version=$(dpkg-parsechangelog -l "$repo/debian/changelog" -S Version)
src=$TMP/src/fexyn-$version
mkdir -p "$src"
echo "--- copying the tree to $src"
# Tracked files and new ones not ignored: what a commit of this tree holds.
# Build directories (build/, build-san/) are ignored, so never copied.
if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git -C "$repo" ls-files -z --cached --others --exclude-standard |
		tar -C "$repo" --null -T - --ignore-failed-read -cf - 2>/dev/null |
		tar -C "$src" -xf -
else
	tar -C "$repo" --exclude='./build*' --exclude='./obj-*' -cf - . | tar -C "$src" -xf -
fi
check "the copy has debian/" test -f "$src/debian/control"

echo "--- dpkg-buildpackage -us -uc -b"
start=$SECONDS
if ! (cd "$src" && DEB_BUILD_OPTIONS="parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
	>"$TMP/build.log" 2>&1; then
	tail -n 40 "$TMP/build.log"
	fail "dpkg-buildpackage failed"
fi
echo "  built in $((SECONDS - start)) s"
check "the unit tests ran in the package build" \
	grep -Eq '^Ok: +[1-9]' "$TMP/build.log"
deb=$(ls "$TMP"/src/fexyn_"${version}"_*.deb 2>/dev/null || true)
check "one .deb was built" test "$(wc -w <<<"$deb")" -eq 1
for leftover in debian/.debhelper debian/fexyn debian/files debian/debhelper-build-stamp; do
	check "the build left no $leftover in the tree" not test -e "$repo/$leftover"
done
check "the build left no obj-* in the tree" not compgen -G "$repo/obj-*"

# --- contents ----------------------------------------------------------------

echo "--- contents of $(basename "$deb")"
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$TMP/contents"
has() { grep -Eqx "$1" "$TMP/contents"; }
check "fexyn in /usr/bin" has /usr/bin/fexyn
check "fexynd in /usr/sbin" has /usr/sbin/fexynd
check "fexynd.service" has '(/usr)?/lib/systemd/system/fexynd\.service'
check "fexyn-early-boot.service" has '(/usr)?/lib/systemd/system/fexyn-early-boot\.service'
check "fexyn(8)" has '/usr/share/man/man8/fexyn\.8\.gz'
check "fexynd(8)" has '/usr/share/man/man8/fexynd\.8\.gz'
check "fexyn-settings(5)" has '/usr/share/man/man5/fexyn-settings\.5\.gz'
check "the bash completion" has /usr/share/bash-completion/completions/fexyn
check "the copyright file" has /usr/share/doc/fexyn/copyright
check "no test program shipped" not grep -q 'test-\|sockpipe\|udpflood' "$TMP/contents"

deps=$(dpkg-deb -f "$deb" Depends)
echo "  Depends: $deps"
check "depends on the libraries it links" grep -q 'libnftnl' <<<"$deps"
check "depends on nftables (fexyn rules runs nft)" grep -q 'nftables' <<<"$deps"

ctl=$TMP/control
dpkg-deb -e "$deb" "$ctl"
check "postinst creates the group fexyn" grep -q 'addgroup --system --quiet fexyn' "$ctl/postinst"
check "postinst enables fexynd.service" grep -q "enable 'fexynd.service'" "$ctl/postinst"
check "postinst enables fexyn-early-boot.service" \
	grep -q "enable 'fexyn-early-boot.service'" "$ctl/postinst"
check "postinst never starts fexyn-early-boot.service (boot only)" \
	not grep -Eq "deb-systemd-invoke .*fexyn-early-boot" "$ctl/postinst"

# --- lintian -------------------------------------------------------------------

echo "--- lintian"
lintian --display-info "$deb" >"$TMP/lintian.out" 2>&1 || true
sed 's/^/  /' "$TMP/lintian.out"
echo "  lintian: $(grep -c '^E:' "$TMP/lintian.out" || true) errors," \
	"$(grep -c '^W:' "$TMP/lintian.out" || true) warnings"
check "lintian reports no errors" not grep -q '^E:' "$TMP/lintian.out"

# --- man pages and completion, as installed --------------------------------------

root=$TMP/root
dpkg-deb -x "$deb" "$root"

echo "--- man pages"
for page in man8/fexyn.8 man8/fexynd.8 man5/fexyn-settings.5; do
	out=$(zcat "$root/usr/share/man/$page.gz" | LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z 2>&1)
	check "$page formats without warnings" test -z "$out"
done
for cmd in connect guard status rules disconnect reset lockdown killswitch lan events help; do
	zcat "$root/usr/share/man/man8/fexyn.8.gz" | grep -q "^\.B[R]* $cmd\b" ||
		fail "fexyn(8) does not document '$cmd'"
done
echo "  ok: fexyn(8) documents every command"

echo "--- bash completion"
complete_words() { # the command line so far
	mkdir -p "$TMP/cwd" && touch "$TMP/cwd/provider.conf" "$TMP/cwd/notes.txt"
	(cd "$TMP/cwd" && bash -c '
		source /usr/share/bash-completion/bash_completion
		source "$1"
		COMP_LINE=$2 COMP_POINT=${#2}
		read -ra COMP_WORDS <<<"$2"
		[[ $2 == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_fexyn
		echo "${COMPREPLY[*]}"' sh "$root/usr/share/bash-completion/completions/fexyn" "$1")
}
check "completes the commands" \
	test "$(complete_words "fexyn l")" = "lockdown lan"
check "completes on|off" test "$(complete_words "fexyn lockdown ")" = "on off"
check "completes allow|block" test "$(complete_words "fexyn lan ")" = "allow block"
check "completes connect's config files" test "$(complete_words "fexyn connect ")" = "provider.conf"
check "completes --json for status" test "$(complete_words "fexyn status --")" = "--json"

# --- removal on an unpacked install, in a namespace ---------------------------------

ip netns add "$NS"
ip -n "$NS" link set lo up
SOCK=$root/run/fexyn/fexynd.sock
STATE=$root/var/lib/fexyn

# systemd's helpers as the maintainer scripts call them, by name: stubs
# that only note the call, so this machine's service manager is never asked.
stubs=$TMP/stubs
mkdir -p "$stubs"
for tool in deb-systemd-helper deb-systemd-invoke systemctl; do
	printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\n' "$tool" "$stubs" >"$stubs/$tool"
	chmod +x "$stubs/$tool"
done

in_ns() { ip netns exec "$NS" "$@"; }
fx() { in_ns "$root/usr/bin/fexyn" --socket "$SOCK" "$@"; }
table_loaded() { in_ns nft list table inet fexyn >/dev/null 2>&1; }

# A real root has these; fexynd makes its own directories in them, as
# systemd's StateDirectory= and RuntimeDirectory= would.
mkdir -p "$root/var/lib" "$root/run"

DAEMON=
daemon_start() { # extra fexynd arguments
	# `ip netns exec` execs fexynd, so $! is fexynd's own PID.
	ip netns exec "$NS" "$root/usr/sbin/fexynd" --resolv-conf "$TMP/resolv.conf" "$@" \
		</dev/null >>"$TMP/fexynd.log" 2>&1 &
	DAEMON=$!
	PIDS+=("$DAEMON")
	for _ in $(seq 100); do
		"$root/usr/bin/fexyn" --socket "${SOCKET_OF_DAEMON:-$SOCK}" status >/dev/null 2>&1 && return 0
		kill -0 "$DAEMON" 2>/dev/null || break
		sleep 0.05
	done
	cat "$TMP/fexynd.log"
	fail "fexynd did not come up"
}
daemon_stop() { # SIGTERM: fexynd leaves its firewall in place
	kill -TERM "$DAEMON"
	wait "$DAEMON" || true
}

maint() { # script action: run as dpkg would for an install in $root
	DPKG_ROOT=$root PATH="$stubs:$PATH" in_ns sh "$ctl/$1" "$2"
}

echo "--- removal with fexynd stopped and its table left behind"
echo "# the namespace's resolver" >"$TMP/resolv.conf"
daemon_start --socket "$SOCK" --state-dir "$STATE"
fx lan block >/dev/null
fx guard --tunnel wg0 --endpoint 198.51.100.10:51820 >/dev/null
check "fexynd put table inet fexyn in place" table_loaded
daemon_stop
check "the table outlives fexynd (SIGTERM)" table_loaded
check "the saved state is there" test -f "$STATE/state"
maint prerm remove >"$TMP/prerm.out" 2>&1 || { cat "$TMP/prerm.out"; fail "prerm remove failed"; }
sed 's/^/  prerm: /' "$TMP/prerm.out"
check "no table inet fexyn after prerm remove" not table_loaded
check "no saved state after prerm remove" not test -e "$STATE/state"
maint postrm remove >/dev/null
check "remove keeps the settings" grep -qx 'lan=block' "$STATE/settings"
maint postrm purge >/dev/null
check "purge removes /var/lib/fexyn" not test -e "$STATE"

echo "--- removal with fexynd running and lockdown on"
daemon_start --socket "$SOCK" --state-dir "$STATE"
fx lockdown on >/dev/null
check "lockdown blocks while disconnected" table_loaded
maint prerm remove >"$TMP/prerm.out" 2>&1 || { cat "$TMP/prerm.out"; fail "prerm remove failed"; }
sed 's/^/  prerm: /' "$TMP/prerm.out"
check "no table inet fexyn after prerm remove" not table_loaded
check "lockdown is off, so no later fexynd blocks again" grep -qx 'lockdown=off' "$STATE/settings"
daemon_stop
check "fexynd stopped after the reset leaves no table" not table_loaded

daemon_start --socket "$SOCK" --state-dir "$STATE"
protection=$(fx status --json | sed -n 's/.*"protection":"\([^"]*\)".*/\1/p')
daemon_stop
if [ "$protection" = "owner+persist" ]; then
	echo "--- removal refused while another fexynd owns the table"
	other=$TMP/other
	SOCKET_OF_DAEMON=$other.sock daemon_start --socket "$other.sock" --state-dir "$other"
	in_ns "$root/usr/bin/fexyn" --socket "$other.sock" \
		guard --tunnel wg0 --endpoint 198.51.100.10:51820 >/dev/null
	if maint prerm remove >"$TMP/prerm.out" 2>&1; then
		cat "$TMP/prerm.out"
		fail "prerm remove succeeded although the table could not be removed"
	fi
	sed 's/^/  prerm: /' "$TMP/prerm.out"
	check "prerm says why it stops the removal" grep -q "not removing the package" "$TMP/prerm.out"
	check "the table is still there for fexyn reset" table_loaded
	daemon_stop
	in_ns "$root/usr/bin/fexyn" --socket "$other.sock" reset --state-dir "$other" >/dev/null
	check "fexyn reset removes it once that fexynd is stopped" not table_loaded
else
	echo "--- (kernel without table owners: the refused-removal case needs them; skipped)"
fi

touch "$stubs/calls"
echo "  systemd helpers called: $(tr '\n' ';' <"$stubs/calls")"
check "purge forgets fexynd.service's enablement" \
	grep -q "^deb-systemd-helper purge .*fexynd.service" "$stubs/calls"
check "purge forgets fexyn-early-boot.service's enablement" \
	grep -q "^deb-systemd-helper purge .*fexyn-early-boot.service" "$stubs/calls"
check "no unit was stopped or started for another root (DPKG_ROOT)" \
	not grep -q "^deb-systemd-invoke" "$stubs/calls"
echo "PASS pkg"
