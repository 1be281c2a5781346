#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fresh-machine check (make check-fresh): the README's commands, typed
# as a newcomer types them, on a minimal Debian 12 made anew, so that
# nothing installed on this machine by hand can hide a missing install step.
#
# A pristine "debootstrap --variant=minbase bookworm" root is made once and
# kept as a tarball outside the work tree (KUP_FRESH_CACHE, default
# /var/cache/kup-fresh); every run unpacks it anew. The mirrors are this
# machine's own Debian sources, read at run time. Downloaded packages are
# kept in a cache beside the tarball: that saves the downloads, never an
# install, since every root starts without them. The debug kernel's cache
# (scripts/debug-kernel.sh) is shared the same way: it saves a kernel build
# of several minutes, keyed by the source package's version and the config,
# which the root installs and has itself.
#
# Each run: unpack, bind /proc, /sys and /dev, copy a clean clone of the
# committed tree to /root/kup, "apt-get install make", then the steps.
# Runs:
#   1. make check, then make demo: both must pass;
#   2. the self-test: the same with linux-headers-amd64 taken out of
#      scripts/setup.sh; make check must fail ("no kernel headers"), which
#      proves this check sees a missing install step.
# usage: fresh-check.sh [--no-self-test | --only-self-test]
# Needs root (debootstrap, chroot, mount). Full logs: build/fresh/*.log.
set -u
set -o pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${KUP_FRESH_CACHE:-/var/cache/kup-fresh}
tarball="$cache/bookworm-minbase.tar"
dbgk=/var/cache/kup-debug-kernel
logs="$top/build/fresh"
suite=bookworm
runs="main self"
case "${1:-}" in
--no-self-test) runs=main ;;
--only-self-test) runs=self ;;
"") ;;
*) echo "usage: fresh-check.sh [--no-self-test | --only-self-test]" >&2; exit 2 ;;
esac

say() { echo "fresh: $*"; }
die() { echo "fresh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mount)"
# In a mount namespace of its own whose mounts never propagate back: no
# umount here can reach the machine's own mounts, and whatever happens to
# this script (even SIGKILL), its mounts go away with the namespace.
if [ -z "${KUP_FRESH_NS:-}" ]; then
	exec env KUP_FRESH_NS=1 unshare --mount --propagation slave "$0" "$@"
fi
case "$cache/" in "$top"/*) die "KUP_FRESH_CACHE must be outside the work tree" ;; esac

# One run at a time per cache: the roots share its package cache, and two
# apt-gets on it at once fail on its lock.
mkdir -p "$cache"
exec 9>"$cache/lock"
if ! flock -n 9; then
	say "waiting for another fresh check using $cache"
	flock 9
fi

# "URI SUITE" for every Debian source of this machine, one-line and deb822.
host_sources() {
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk '$1 == "deb" {
			i = 2
			if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
			print $i, $(i + 1)
		}'
	cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk 'BEGIN { RS = ""; FS = "\n" }
		{
			types = uris = suites = ""; on = 1
			for (l = 1; l <= NF; l++) {
				line = $l
				if (line ~ /^#/) continue
				key = tolower(substr(line, 1, index(line, ":") - 1))
				val = substr(line, index(line, ":") + 1)
				if (key == "types") types = val
				else if (key == "uris") uris = val
				else if (key == "suites") suites = val
				else if (key == "enabled" && val ~ /no/) on = 0
			}
			if (!on || types !~ /(^|[ \t])deb([ \t]|$)/) next
			nu = split(uris, u, /[ \t]+/); ns = split(suites, s, /[ \t]+/)
			for (a = 1; a <= nu; a++) for (b = 1; b <= ns; b++)
				if (u[a] != "" && s[b] != "") print u[a], s[b]
		}'
}

sources=$(host_sources | awk -v s="$suite" '$2 ~ "^" s "(-updates|-security)?$"' | sort -u)
mirror=$(echo "$sources" | awk -v s="$suite" '$2 == s { print $1; exit }')
[ -n "$mirror" ] || die "this machine's apt sources name no $suite mirror"

# The pristine root, made once (and again when a month old).
make_tarball() {
	local tmp
	if [ -s "$tarball" ] && [ -z "$(find "$tarball" -mtime +30)" ]; then
		return 0
	fi
	if ! command -v debootstrap >/dev/null; then
		say "installing debootstrap"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap |
			grep -E '^(Setting up|E:)' || return 1
	fi
	mkdir -p "$cache"
	tmp=$(mktemp -d /var/tmp/kup-debootstrap.XXXXXX)
	say "debootstrap --variant=minbase $suite from $mirror (once; kept in $tarball)"
	if ! debootstrap --variant=minbase "$suite" "$tmp" "$mirror" >"$cache/debootstrap.log" 2>&1; then
		tail -n 20 "$cache/debootstrap.log" >&2
		rm -rf --one-file-system "$tmp"
		return 1
	fi
	tar -C "$tmp" --numeric-owner -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
	local rc=$?
	rm -rf --one-file-system "$tmp"
	return $rc
}

# git_top ARGS: git on this tree even when it belongs to another user (as
# with "sudo make check-fresh"), which git refuses for root by default.
safe_cfg=$(mktemp)
printf '[safe]\n\tdirectory = %s\n\tdirectory = %s/.git\n' "$top" "$top" >"$safe_cfg"
git_top() {
	GIT_CONFIG_GLOBAL=$safe_cfg git "$@"
}

root=""
# kill_root: SIGKILL to every process whose root is the root, again until
# none is left (a make may fork while we kill); 0 once none is.
kill_root() {
	local p i left
	for i in $(seq 50); do
		left=0
		for p in /proc/[0-9]*; do
			[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] || continue
			kill -9 "${p#/proc/}" 2>/dev/null
			left=1
		done
		[ $left = 0 ] && return 0
		sleep 0.2
	done
	return 1
}

# Every process still running in the root, then every mount, then the root.
cleanup() {
	local i
	[ -n "$root" ] && [ -d "$root" ] || return 0
	kill_root || echo "fresh: processes left in $root" >&2
	# Already slaves when mounted, but a signal may have come in between.
	mount --make-rslave "$root/sys" 2>/dev/null
	mount --make-rslave "$root/dev" 2>/dev/null
	for i in 1 2 3 4 5; do
		grep -q " $root/" /proc/mounts || break
		umount -R "$root/var/cache/apt/archives" "$root$dbgk" "$root/dev" "$root/sys" "$root/proc" 2>/dev/null
		grep -q " $root/" /proc/mounts && sleep 1
	done
	if grep -q " $root/" /proc/mounts; then
		umount -R -l "$root/var/cache/apt/archives" "$root$dbgk" "$root/dev" "$root/sys" "$root/proc" 2>/dev/null
		sleep 1
	fi
	if grep -q " $root/" /proc/mounts; then
		echo "fresh: still mounted under $root; not removing it" >&2
	else
		rm -rf --one-file-system "$root"
	fi
	root=""
}
trap 'cleanup; rm -f "$safe_cfg"' EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

# in_root CMD: CMD in the root, with the environment of a fresh login.
in_root() {
	chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		${http_proxy:+http_proxy=$http_proxy} /bin/bash -c "$1"
}

# new_root: unpack, mount, sources, resolver, the tree, make.
new_root() {
	root=$(mktemp -d /var/tmp/kup-fresh.XXXXXX)
	tar -C "$root" --numeric-owner -xf "$tarball" || return 1
	mount -t proc proc "$root/proc" &&
	mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys" &&
	mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev" || return 1
	mkdir -p "$cache/archives/partial" "$root/var/cache/apt/archives"
	mount --bind "$cache/archives" "$root/var/cache/apt/archives" || return 1
	mkdir -p "$dbgk" "$root$dbgk"
	mount --bind "$dbgk" "$root$dbgk" || return 1
	echo "$sources" | awk '{ print "deb", $1, $2, "main" }' >"$root/etc/apt/sources.list"
	cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
	git_top clone -q "$top" "$root/root/kup" || return 1
	in_root 'export DEBIAN_FRONTEND=noninteractive; apt-get update -q >/dev/null &&
		 apt-get install -y -q make | grep -E "^(Setting up|E:)"'
}

# run NAME STEP...: a fresh root, then each step in turn until one fails.
# Prints each step's output and how long it took; returns the first
# failing step's status.
run() {
	local name=$1 step t0 rc=0
	shift
	mkdir -p "$logs"
	: >"$logs/$name.log"
	t0=$SECONDS
	if ! new_root >>"$logs/$name.log" 2>&1; then
		tail -n 20 "$logs/$name.log"
		cleanup
		return 99
	fi
	say "$name: root unpacked, tree cloned ($(git_top -C "$top" rev-parse --short HEAD)), make installed: $((SECONDS - t0))s"
	for step in "$@"; do
		t0=$SECONDS
		say "$name: # $step"
		# In the background, so that a signal's trap runs at once (a
		# trap waits for a foreground command, not for "wait").
		rm -f "$logs/$name.rc"
		{ in_root "cd /root/kup && $step" 2>&1; echo $? >"$logs/$name.rc"; } |
			tee -a "$logs/$name.log" | sed -u "s/^/$indent/" &
		wait $!
		rc=$(cat "$logs/$name.rc" 2>/dev/null)
		case "$rc" in
		"" | *[!0-9]*) rc=98 ;;	# the status was lost: a failure
		esac
		say "$name: $step: exit $rc after $((SECONDS - t0))s"
		[ "$rc" = 0 ] || break
	done
	cleanup
	return $rc
}

# What the self-tests' steps print is shown as comments: their failures are
# the expected outcome, not the check's.
indent=""
n=0
failed=0
verdict() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok - fresh: $2"; else echo "not ok - fresh: $2"; failed=$((failed + 1)); fi
}

t0=$SECONDS
make_tarball || die "cannot make the minbase root"
say "pristine root ready: $((SECONDS - t0))s"

if [[ " $runs " == *" main "* ]]; then
	t0=$SECONDS
	run main "make check" "make demo"
	rc=$?
	verdict $rc "make check and make demo pass on a fresh Debian 12 minbase root ($((SECONDS - t0))s)"
fi

# self_test NAME PACKAGE STEP PATTERN: with PACKAGE taken out of setup's
# list, STEP must fail, saying PATTERN.
self_test() {
	local name=$1 pkg=$2 step=$3 pat=$4 rc t0=$SECONDS indent="#   "
	run "$name" "sed -i 's/\\([| ]\\)$pkg\\([ \"]\\)/\\1\\2/' scripts/setup.sh && ! grep -q '[| ]$pkg[ \"]' scripts/setup.sh" \
		"$step"
	rc=$?
	[ $rc != 0 ] && [ $rc != 98 ] && [ $rc != 99 ] && grep -q -- "$pat" "$logs/$name.log"
	verdict $? "$step fails when setup misses $pkg (exit $rc, $((SECONDS - t0))s)"
}

if [[ " $runs " == *" self "* ]]; then
	self_test self-headers linux-headers-amd64 "make check" "no kernel headers"
	self_test self-busybox busybox-static "make demo" "busybox missing"
fi

echo "fresh: $((n - failed)) passed, $failed failed"
[ $failed = 0 ]
