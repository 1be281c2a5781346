#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The package test, one part of make check (tests/check.sh). One TAP line
# per check, "ok - pkg: ..." or "not ok - pkg: ...":
#  a. make install into a staging root (DESTDIR, INSTALL_MOD_PATH) puts
#     exactly the expected files, product modules only, and make uninstall
#     with the same variables leaves the staging root empty;
#  b. make deb; in a fresh minbase root of this machine's release, Debian
#     12 or 13 (scripts/chroot-lib.sh), apt-get install the four packages
#     and the VM kernel's headers (linux-headers-KVER, of the same release)
#     from the archive: DKMS builds kup.ko and kup_tunnel.ko, a client module
#     builds out of tree against only the installed headers and
#     Module.symvers, a user program with only pkg-config, man finds the
#     pages (tests/pkg/root_steps.sh);
#  c. those modules and programs, and the installed kupctl, run in the VM
#     (tests/pkg/vm_pkg.sh through tests/vm/run-vm.sh);
#  d. apt-get remove --purge takes all of it away again, DKMS's modules too.
# Inside make check-fresh this runs in a fresh root itself: its root is
# then nested, from the same tarball and package cache (see chroot-lib.sh).
# Needs root (chroot, mount), the VM's kernel (make setup). Logs:
# build/pkg/*.log.
set -u
set -o pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/chroot-lib.sh"
logs="$top/build/pkg"

say() { echo "# pkg: $*"; }
die() { echo "not ok - pkg: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (a fresh root: chroot, mount)"
root_own_ns "$0" "$@"
cd "$top" || exit 1
mkdir -p "$logs"

ver=$(cat VERSION)
kdir=$(scripts/kernel.sh kdir)
kver=$(scripts/kernel.sh kver)
[ -n "$kver" ] || die "no kernel headers for the VM's kernel (make setup)"
manpages=$(for m in man/man*/*.[0-9]; do [ -e "$m" ] && echo "${m##*/}"; done)

# ko_suffix: what modules_install adds to a module's name for these
# headers: .xz on Debian 13 (6.12 is built with MODULE_COMPRESS_XZ and
# MODULE_COMPRESS_ALL), nothing on Debian 12. 6.1 compresses whenever a
# MODULE_COMPRESS_<TYPE> is set; from 6.2 on only with
# MODULE_COMPRESS_ALL too.
ko_suffix() {
	grep -qx '# CONFIG_MODULE_COMPRESS_ALL is not set' "$kdir/.config" && return
	sed -n 's/^CONFIG_MODULE_COMPRESS_\(GZIP\|XZ\|ZSTD\)=y$/\1/p' "$kdir/.config" |
		sed 's/^GZIP$/.gz/; s/^XZ$/.xz/; s/^ZSTD$/.zst/'
}
ks=$(ko_suffix)

failed=0
verdict() {
	if [ "$1" = 0 ]; then echo "ok - pkg: $2"; else echo "not ok - pkg: $2"; failed=1; fi
	return "$1"
}

# make, without the variables of the make check that runs this.
tree_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$top" "$@"
}

# What make install PREFIX=/usr puts in a staging root: every file.
expected_files() {
	local h m s
	printf '%s\n' "/lib/modules/$kver/extra/kup.ko$ks" "/lib/modules/$kver/extra/kup_tunnel.ko$ks" \
		"/lib/modules/$kver/extra/kup/Module.symvers" /usr/bin/kupctl /usr/include/kup.h \
		/usr/lib/libkup.a /usr/lib/libkup.so /usr/lib/libkup.so.1 "/usr/lib/libkup.so.$ver" \
		/usr/lib/pkgconfig/libkup.pc
	for h in kup/kupdev.h kup/tunnel.h kup/kup_ns.h kup/kup_compat.h kup/ring.h kup/ring_shim.h uapi/kup/kup_abi.h; do
		echo "/usr/src/kup-$ver/include/$h"
	done
	for m in $manpages; do
		s=${m##*.}
		echo "/usr/share/man/man$s/$m"
	done
}

# a. The staged install and uninstall.
install_tree() {
	local stage t0=$SECONDS diffs
	stage=$(mktemp -d /var/tmp/kup-stage.XXXXXX)
	local vars=(DESTDIR="$stage" PREFIX=/usr INSTALL_MOD_PATH="$stage" KDIR="$kdir")
	tree_make install "${vars[@]}" >"$logs/install.log" 2>&1
	verdict $? "make install DESTDIR=... PREFIX=/usr INSTALL_MOD_PATH=... ($((SECONDS - t0))s)" ||
		tail -n 20 "$logs/install.log" | sed 's/^/#   /'
	diffs=$(diff <(expected_files | sort) <(cd "$stage" && find . ! -type d | sed 's/^\.//' | sort))
	verdict $? "it installs exactly the $(expected_files | wc -l) expected files" ||
		echo "$diffs" | sed 's/^/#   (< expected, > installed) /'
	[ "$(readlink "$stage/usr/lib/libkup.so")" = "libkup.so.$ver" ] &&
		[ "$(readlink "$stage/usr/lib/libkup.so.1")" = "libkup.so.$ver" ] &&
		grep -qx "Version: $ver" "$stage/usr/lib/pkgconfig/libkup.pc" &&
		grep -qx "libdir=/usr/lib" "$stage/usr/lib/pkgconfig/libkup.pc"
	verdict $? "libkup.so and libkup.so.1 link to libkup.so.$ver; libkup.pc says $ver and /usr/lib"
	# The product build: no test-only pauses (KUP_TEST_HOOKS) in kup.ko.
	local ko="$stage/lib/modules/$kver/extra/kup.ko$ks"
	[ -e "$ko" ] && [ "$(modinfo -F version "$ko")" = "$ver" ] &&
		[[ "$(modinfo -F vermagic "$ko")" == "$kver "* ]] && [[ "$(modinfo -F parm "$ko")" != *test_* ]]
	verdict $? "the installed kup.ko$ks is $ver, for $kver, without the test hooks"

	tree_make uninstall "${vars[@]}" >"$logs/uninstall.log" 2>&1
	verdict $? "make uninstall with the same variables" ||
		tail -n 20 "$logs/uninstall.log" | sed 's/^/#   /'
	left=$(cd "$stage" && find . -mindepth 1 | sort)
	[ -z "$left" ]
	verdict $? "it leaves the staging root empty, directories too" ||
		echo "$left" | sed 's/^/#   left: /'
	rm -rf --one-file-system "$stage"
}

# b, c, d. The packages in a fresh root, and what they installed in the VM.
packages() {
	local t0=$SECONDS d
	tree_make deb >"$logs/deb.log" 2>&1
	verdict $? "make deb ($((SECONDS - t0))s)" || { tail -n 20 "$logs/deb.log" | sed 's/^/#   /'; return 1; }
	# Named by debian/changelog's version, which must be VERSION's, -1.
	local missing=""
	for d in kup-dkms_${ver}-1_all libkup1_${ver}-1_amd64 libkup-dev_${ver}-1_amd64 kup-tools_${ver}-1_amd64; do
		[ -s "build/deb/$d.deb" ] || missing="$missing $d.deb"
	done
	[ -z "$missing" ]
	verdict $? "the four packages are release $ver-1, as VERSION says${missing:+ (missing:$missing; there: $(cd build/deb && echo *.deb))}" ||
		return 1

	t0=$SECONDS
	cache_lock || { verdict 1 "lock $cache"; return 1; }
	make_tarball >>"$logs/root.log" 2>&1 || { verdict 1 "the minbase tarball (see $logs/root.log)"; return 1; }
	trap 'root_cleanup' EXIT
	trap 'root_cleanup; exit 130' INT
	trap 'root_cleanup; exit 143' TERM
	root_new kup-pkg >>"$logs/root.log" 2>&1
	verdict $? "a fresh $suite minbase root ($((SECONDS - t0))s)" || return 1
	mkdir -p "$root/root/pkg" &&
		cp build/deb/*.deb tests/pkg/root_steps.sh tests/pkg/pkg_user.c "$root/root/pkg/" &&
		cp -r tests/pkg/client "$root/root/pkg/"
	verdict $? "the packages and the test's sources copied into the root" || return 1

	in_root "/root/pkg/root_steps.sh install $kver $ver $(echo $manpages)" || failed=1
	also_kernels
	vm_run
	in_root "/root/pkg/root_steps.sh purge $kver $ver" || failed=1
	cp "$root"/root/pkg/*.log "$logs/" 2>/dev/null
	root_cleanup
}

# DKMS for the backports kernel of the matrix too (scripts/kernels.sh),
# whose headers the root takes from its release's backports: Linux 6.12
# on Debian 12.
also_kernels() {
	local rel hs
	[[ " $(scripts/kernels.sh list) " == *" backports "* ]] || return 0
	rel=$(scripts/kernels.sh release backports) || { verdict 1 "the backports kernel is prepared"; return 1; }
	hs=$(host_suite)
	in_root "/root/pkg/root_steps.sh also $rel $ver 'deb $mirror $hs-backports main'" || failed=1
}

# c. In the VM: nothing from the tree but the VM's kernel and its runner.
vm_run() {
	local vm="$logs/vm" t0=$SECONDS
	rm -rf "$vm"
	if [ ! -s "$root/root/vm/kmod/kup.ko" ] || [ ! -x "$root/root/vm/bin/pkg_user" ]; then
		verdict 1 "the VM run: nothing to run, an earlier step failed"
		return 1
	fi
	cp -r "$root/root/vm" "$vm" &&
		sed "s/@VERSION@/$ver/g" tests/pkg/vm_pkg.sh >"$vm/vm_pkg.sh"
	verdict $? "the VM's modules, programs and script in $vm" || return 1
	KUP_VM_MODULES="$vm/kmod" KUP_VM_BINS="$vm/bin" \
		tests/vm/run-vm.sh --name pkg --timeout 120 "$vm/vm_pkg.sh"
	case $? in
	0) ;;
	1) failed=1 ;;	# it said why
	*) verdict 1 "the VM runner died" ;;
	esac
	say "VM run: $((SECONDS - t0))s"
}

t0=$SECONDS
install_tree
packages || failed=1
say "$((SECONDS - t0))s in all"
# 1 after any "not ok", as the other parts of make check do.
exit $failed
