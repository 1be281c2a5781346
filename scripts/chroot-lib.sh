# SPDX-License-Identifier: GPL-2.0
#
# Sourced by scripts/fresh-check.sh (make check-fresh), tests/pkg/check.sh
# (the package test) and scripts/kernels.sh (the newest Debian
# kernel's build root): fresh minimal Debian roots of any release
# (use_suite: bookworm, trixie, sid), each unpacked anew from a pristine
# "debootstrap --variant=minbase SUITE" root kept as a tarball outside the
# work tree (KUP_FRESH_CACHE, default /var/cache/kup-fresh). The mirrors
# are this machine's own Debian sources, read at run time
# (scripts/apt-lib.sh), with the suite's name in place of this machine's.
# Downloaded packages are kept in a cache beside the tarballs, bound into
# every root: that saves the downloads, never an install, since every root
# starts without them. (Package files carry their version in their name,
# so the releases can share it.)
#
# The cache directory itself is bound into every root at the same path,
# and the root is marked (/etc/kup-fresh-root), so that a make check run
# inside a fresh root (make check-fresh) can make a fresh root of its own,
# nested, from the same tarball and package cache: the outer check holds
# the cache's lock all along, so the inner one must not wait for it
# (cache_lock).
#
# The caller defines say MESSAGE and die MESSAGE, and runs as root.
# Functions: use_suite, root_own_ns, cache_lock, make_tarball, root_new,
# in_root, root_cleanup. State: $root (the current root, "" when none),
# $suite, $sources and $mirror (use_suite's).

. "$(dirname "${BASH_SOURCE[0]}")/apt-lib.sh"
# In a fresh root, the outer run's cache, which root_new binds at the same
# path and names in /etc/kup-fresh-root: a KUP_FRESH_CACHE given outside
# does not reach a make check inside (a fresh login's environment).
cache=${KUP_FRESH_CACHE:-$(cat /etc/kup-fresh-root 2>/dev/null)}
cache=${cache:-/var/cache/kup-fresh}
root=""
root_binds=()

# use_suite SUITE: the roots made from now on are of SUITE (a codename).
use_suite() {
	suite=$1
	tarball="$cache/$suite-minbase.tar"
	sources=$(suite_sources "$suite")
	mirror=$(echo "$sources" | awk -v s="$suite" '$2 == s { print $1; exit }')
}
# This machine's release unless the caller says otherwise.
use_suite "${KUP_ROOT_SUITE:-$(host_suite)}"

# root_own_ns SCRIPT ARGS...: SCRIPT again, in a mount namespace of its own
# whose mounts never propagate back: no umount here can reach the
# machine's own mounts, and whatever happens to the script (even SIGKILL),
# its mounts go away with the namespace. Returns at once if SCRIPT is the
# one already running in it.
root_own_ns() {
	[ "${KUP_ROOT_NS:-}" = "$1" ] && return 0
	exec env KUP_ROOT_NS="$1" unshare --mount --propagation slave "$@"
}

# cache_lock: one run at a time per cache, since the roots share its
# package cache, and two apt-gets on it at once fail on its lock. Inside a
# fresh root the outer check holds the lock: taking it would deadlock.
cache_lock() {
	mkdir -p "$cache" || return 1
	if [ -e /etc/kup-fresh-root ]; then
		say "in a fresh root: $cache is the outer check's, which holds its lock"
		return 0
	fi
	exec 9>"$cache/lock" || return 1
	if ! flock -n 9; then
		say "waiting for another run using $cache"
		flock 9
	fi
}

# make_tarball: the pristine root, made once (and again when a month old).
make_tarball() {
	local tmp rc
	if [ -s "$tarball" ] && [ -z "$(find "$tarball" -mtime +30)" ]; then
		return 0
	fi
	[ -n "$mirror" ] || { echo "this machine's apt sources name no $suite mirror" >&2; return 1; }
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
	rc=$?
	rm -rf --one-file-system "$tmp"
	return $rc
}

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

# The root's mounts, the last made first.
root_mounts() {
	local i
	for ((i = ${#root_binds[@]} - 1; i >= 0; i--)); do
		echo "$root${root_binds[$i]}"
	done
	echo "$root/var/cache/apt/archives" "$root/dev" "$root/sys" "$root/proc" "$root"
}

# root_mounted: anything still mounted on or under the root.
root_mounted() {
	awk -v r="$root" '$2 == r || index($2, r "/") == 1 { found = 1 } END { exit !found }' /proc/mounts
}

# root_cleanup: every process still running in the root, then every
# mount, then the root.
root_cleanup() {
	local i
	[ -n "$root" ] && [ -d "$root" ] || { root=""; return 0; }
	kill_root || echo "processes left in $root" >&2
	# Already slaves when mounted, but a signal may have come in between.
	mount --make-rslave "$root/sys" 2>/dev/null
	mount --make-rslave "$root/dev" 2>/dev/null
	for i in 1 2 3 4 5; do
		root_mounted || break
		umount -R $(root_mounts) 2>/dev/null
		root_mounted && sleep 1
	done
	if root_mounted; then
		umount -R -l $(root_mounts) 2>/dev/null
		sleep 1
	fi
	if root_mounted; then
		echo "still mounted under $root; not removing it" >&2
	else
		rm -rf --one-file-system "$root"
	fi
	root=""
	root_binds=()
}

# in_root CMD: CMD in the root, with the environment of a fresh login.
in_root() {
	chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		${http_proxy:+http_proxy=$http_proxy} /bin/bash -c "$1"
}

# root_new PREFIX [DIR...]: a new root, /var/tmp/PREFIX.XXXXXX, in $root:
# unpacked, /proc, /sys and /dev mounted, the package cache and the cache
# directory bound, and each DIR of this machine at the same path; this
# machine's sources, its resolver, and "apt-get update" done. The root is
# a mount of its own (bound onto itself), so that in it "/" is a mount
# point, which root_own_ns needs there: a nested run makes "/" a slave.
root_new() {
	local d
	root=$(mktemp -d "/var/tmp/$1.XXXXXX") || return 1
	shift
	mount --bind "$root" "$root" && mount --make-private "$root" || return 1
	tar -C "$root" --numeric-owner -xf "$tarball" || return 1
	mount -t proc proc "$root/proc" &&
	mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys" &&
	mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev" || return 1
	mkdir -p "$cache/archives/partial" "$root/var/cache/apt/archives"
	mount --bind "$cache/archives" "$root/var/cache/apt/archives" || return 1
	for d in "$cache" "$@"; do
		mkdir -p "$d" "$root$d"
		root_binds+=("$d")
		mount --bind "$d" "$root$d" || return 1
	done
	echo "$cache" >"$root/etc/kup-fresh-root"
	echo "$sources" | awk '{ print "deb", $1, $2, "main" }' >"$root/etc/apt/sources.list"
	apt_host_policy >"$root/etc/apt/apt.conf.d/99kup-host"
	cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
	in_root 'apt-get update -q >/dev/null'
}
