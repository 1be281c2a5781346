#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fresh-machine check (make check-fresh): the README's commands, typed
# as a newcomer types them, on a minimal Debian 12 (bookworm) and a minimal
# Debian 13 (trixie) made anew, so that nothing installed on this machine
# by hand can hide a missing install step, on either release.
#
# A pristine "debootstrap --variant=minbase SUITE" root of each release is
# made once and kept as a tarball outside the work tree (KUP_FRESH_CACHE,
# default /var/cache/kup-fresh); every run unpacks it anew (scripts/chroot-lib.sh,
# which the package test, tests/pkg/check.sh, uses too: also nested, in
# the make check this script runs). The debug kernel's cache
# (scripts/debug-kernel.sh) is shared the same way: it saves a kernel build
# of several minutes, keyed by the source package's version and the config,
# which the root installs and has itself; each release keeps its own kernel
# there (6.1 and 6.12).
#
# Each run: unpack, bind /proc, /sys and /dev, copy a clean clone of the
# committed tree to /root/kup, "apt-get install make", then the steps.
# Runs:
#   1. for each release, make check, then make demo: both must pass (one
#      verdict per release);
#   2. the self-tests, on the first release only (what they prove is the
#      check's, not the release's): the same with linux-headers-amd64
#      taken out of scripts/setup.sh; make check must fail ("no kernel
#      headers"), which proves this check sees a missing install step; and
#      the same for busybox-static and make demo.
# usage: fresh-check.sh [--no-self-test | --only-self-test]
#                       [--releases "SUITE..."]  (default "bookworm trixie")
# Needs root (debootstrap, chroot, mount). Full logs: build/fresh/*.log.
set -u
set -o pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/chroot-lib.sh"
dbgk=/var/cache/kup-debug-kernel
logs="$top/build/fresh"
runs="main self"
releases="bookworm trixie"
args=("$@")	# for root_own_ns, which runs this script again
usage() {
	echo "usage: fresh-check.sh [--no-self-test | --only-self-test] [--releases \"SUITE...\"]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case "$1" in
	--no-self-test) runs=main ;;
	--only-self-test) runs=self ;;
	--releases) [ -n "${2:-}" ] || usage; releases=$2; shift ;;
	*) usage ;;
	esac
	shift
done

say() { echo "fresh: $*"; }
die() { echo "fresh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mount)"
root_own_ns "$0" "${args[@]}"
case "$cache/" in "$top"/*) die "KUP_FRESH_CACHE must be outside the work tree" ;; esac
cache_lock || die "cannot lock $cache"
for r in $releases; do
	use_suite "$r"
	[ -n "$mirror" ] || die "this machine's apt sources name no $r mirror (from its own release's)"
done

# git_top ARGS: git on this tree even when it belongs to another user (as
# with "sudo make check-fresh"), which git refuses for root by default.
safe_cfg=$(mktemp)
printf '[safe]\n\tdirectory = %s\n\tdirectory = %s/.git\n' "$top" "$top" >"$safe_cfg"
git_top() {
	GIT_CONFIG_GLOBAL=$safe_cfg git "$@"
}

trap 'root_cleanup; rm -f "$safe_cfg"' EXIT
trap 'root_cleanup; exit 130' INT
trap 'root_cleanup; exit 143' TERM

# new_root: a fresh root (with the debug kernel's cache), the tree, make.
new_root() {
	root_new kup-fresh "$dbgk" || return 1
	git_top clone -q "$top" "$root/root/kup" || return 1
	in_root 'export DEBIAN_FRONTEND=noninteractive
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
		root_cleanup
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
	root_cleanup
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

# release_of SUITE: how the verdicts name it.
release_of() {
	case "$1" in
	bookworm) echo "Debian 12 (bookworm)" ;;
	trixie) echo "Debian 13 (trixie)" ;;
	*) echo "Debian $1" ;;
	esac
}

# on SUITE: the roots made from now on are SUITE's, its tarball made if
# need be.
on() {
	local t0=$SECONDS
	use_suite "$1"
	make_tarball || die "cannot make the $1 minbase root"
	say "pristine $1 root ready: $((SECONDS - t0))s"
}

# KUP_KERNELS= : make check without the matrix's other kernels (Linux
# 6.12 from backports and the newest, scripts/kernels.sh), which make check
# on this machine runs, as CI does just before; each release's own kernels
# (generic, PREEMPT_RT, debug) still run. They would add about 12 minutes
# (two VM suites, their builds, DKMS for 6.12) to a check that is about
# the install steps, and CI's 90 minutes could not hold both fresh roots.
if [[ " $runs " == *" main "* ]]; then
	for r in $releases; do
		on "$r"
		t0=$SECONDS
		run "main-$r" "KUP_KERNELS= make check" "make demo"
		rc=$?
		verdict $rc "make check and make demo pass on a fresh $(release_of "$r") minbase root ($((SECONDS - t0))s)"
	done
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
	on "${releases%% *}"
	self_test self-headers linux-headers-amd64 "make check" "no kernel headers"
	self_test self-busybox busybox-static "make demo" "busybox missing"
fi

echo "fresh: $((n - failed)) passed, $failed failed"
[ $failed = 0 ]
