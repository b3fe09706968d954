# shellcheck shell=bash
# Split tunnelling in the lab (the exclude tests): source after lab-test.sh.
# fexynd keeps this run's exclusions in a cgroup of its own name, and the
# test removes it at the end; the web host counts what it gets in table
# inet split, whose counters the test makes.

unset SUDO_UID # exclude run as root finds no one to run as, unless a test says
EXCL_CGROUP=fexyn-test-$$
FEXYND_EXTRA_ARGS=(--exclusion-cgroup "$EXCL_CGROUP")
# `ip netns exec` mounts a fresh /sys, without the cgroup file systems:
# fexynd (and fexyn reset) get the one cgroup2 hierarchy mounted there
# again, in their private mount namespace, as a system would have it.
IN_CGROUP_NS=(sh -c 'mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec "$@"' sh)
FEXYND_WRAPPER=("${IN_CGROUP_NS[@]}")
CG_MOUNT=$(awk '$4 == "/" && / - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
CG_DIR=$CG_MOUNT/$EXCL_CGROUP
[ -n "$CG_MOUNT" ] || { echo "FAIL $TEST_NAME: no cgroup2 file system on this machine"; exit 1; }

# The test's cgroup goes with it: its processes back at the top, its groups
# and itself removed (fexynd made them; a failed test may have left them).
# A process of the test may be forking meanwhile: a few rounds (≤ 2 s).
cgroup_remove() {
	local g pid
	for _ in $(seq 100); do
		[ -d "$CG_DIR" ] || return 0
		for g in "$CG_DIR"/*/; do
			[ -d "$g" ] || continue
			while read -r pid; do
				echo "$pid" >"$CG_MOUNT/cgroup.procs" 2>/dev/null || true
			done <"$g/cgroup.procs"
			rmdir "$g" 2>/dev/null || true
		done
		rmdir "$CG_DIR" 2>/dev/null || sleep 0.02
	done
	echo "  could not remove $CG_DIR" >&2
}
PASSED=
lab_on_teardown() {
	# What the excluded runs and fexynd said, for a failure's reader.
	if [ -z "$PASSED" ]; then
		[ ! -s "$LAB_TMP/excluded.out" ] || sed 's/^/  exclude run said: /' "$LAB_TMP/excluded.out"
		[ ! -s "${FX_LOG:-}" ] || grep -i 'exclu' "$FX_LOG" | sed 's/^/  fexynd: /' || true
	fi
	fx_teardown
	cgroup_remove
}

status() { fx status --json | jq -r "$1"; }
count() { ns_counter "$NS_WEB" split "$1"; }
# A process's cgroup v2 path.
cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup"; }
# Polls (≤ 10 s) until the web host's counter passes floor.
wait_count() { # counter floor
	for _ in $(seq 200); do
		[ "$(count "$1")" -gt "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
