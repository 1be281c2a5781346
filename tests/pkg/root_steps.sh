#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run by tests/pkg/check.sh inside a fresh minbase root (Debian 12 or 13), in
# /root/pkg, which holds the four packages, this script, pkg_user.c and
# client/. Prints one TAP line per check; the logs stay in /root/pkg/*.log,
# and their last lines are printed as comments after a failure.
#   root_steps.sh install RELEASE VERSION [MANPAGE...]
#     apt-get install the packages and RELEASE's headers; DKMS must have
#     built and installed kup.ko and kup_tunnel.ko (compressed as the
#     kernel's own modules are: .ko.xz on Debian 13), with their
#     Module.symvers; build the client module against the installed
#     headers and that Module.symvers only, and pkg_user with pkg-config
#     only (dynamic, and static for the VM); each MANPAGE (NAME.SECTION)
#     must be found by man -w. What the VM runs goes to /root/vm/{kmod,bin}.
#   root_steps.sh also RELEASE VERSION SOURCE-LINE
#     another kernel, whose headers come from SOURCE-LINE (Linux 6.12 from
#     backports on Debian 12): installing them, DKMS must build and
#     install kup for it by itself, as it does after a kernel upgrade.
#   root_steps.sh purge RELEASE VERSION
#     apt-get remove --purge: DKMS's modules and files must be gone, for
#     every kernel.
set -u
set -o pipefail
export DEBIAN_FRONTEND=noninteractive
cd /root/pkg || exit 1

failed=0
verdict() {
	if [ "$1" = 0 ]; then
		echo "ok - pkg: $2"
	else
		echo "not ok - pkg: $2"
		failed=1
		[ -n "${3:-}" ] && [ -e "$3" ] && tail -n 25 "$3" | sed 's/^/#   /'
	fi
	return "$1"
}

install_step() {
	local kver=$1 ver=$2 t0=$SECONDS rc
	local mods=/lib/modules/$kver/updates/dkms
	local symvers=$mods/kup/Module.symvers
	shift 2

	apt-get install -y -q --no-install-recommends ./kup-dkms_*.deb ./libkup1_*.deb \
		./libkup-dev_*.deb ./kup-tools_*.deb "linux-headers-$kver" gcc libc6-dev pkgconf man-db \
		>apt-install.log 2>&1
	rc=$?
	verdict $rc "apt-get install ./kup-dkms ./libkup1 ./libkup-dev ./kup-tools linux-headers-$kver ($((SECONDS - t0))s)" \
		apt-install.log || { [ -e "/var/lib/dkms/kup/$ver/build/make.log" ] &&
			tail -n 25 "/var/lib/dkms/kup/$ver/build/make.log" | sed 's/^/#   dkms: /'; return 1; }

	dkms status kup >dkms-status.log 2>&1
	grep -q "^kup/$ver, $kver, x86_64: installed" dkms-status.log
	verdict $? "dkms status: kup/$ver built and installed for $kver ($(paste -sd ' ' dkms-status.log))"

	local ko tko
	ko=$(ko_file "$mods/kup")
	tko=$(ko_file "$mods/kup_tunnel")
	[ -n "$ko" ] && [ -n "$tko" ] &&
		[ "$(modinfo -F version "$ko")" = "$ver" ] &&
		[[ "$(modinfo -F vermagic "$ko")" == "$kver "* ]]
	verdict $? "DKMS installed kup.ko and kup_tunnel.ko (${ko##*/}, version $ver, for $kver; ${tko##*/}) in $mods"
	grep -q '[[:space:]]kupdev_create[[:space:]].*[[:space:]]KUP$' "$symvers" 2>/dev/null &&
		grep -q '[[:space:]]tunnel_read[[:space:]]' "$symvers"
	verdict $? "DKMS left their Module.symvers (kup's and kup_tunnel's exports, namespace KUP) in $symvers"

	range_step "$ver"
	client_step "$kver" "$ver" "$symvers" || return 1
	user_step "$ver" || return 1
	man_step "$@"

	rm -rf /root/vm && mkdir -p /root/vm/kmod /root/vm/bin &&
		ko_plain "$ko" /root/vm/kmod/kup.ko && ko_plain "$tko" /root/vm/kmod/kup_tunnel.ko &&
		cp /root/client/pkg_echo.ko /root/vm/kmod/ &&
		cp pkg_user /usr/bin/kupctl /root/vm/bin/
	verdict $? "the DKMS modules, the client, pkg_user and the installed kupctl ready for the VM"
}

# The packaged KERNELS range: DKMS must refuse, before it looks for any
# headers, a kernel just below Linux-Minimum and one just above
# Linux-Maximum (dkms exits 77 for a BUILD_EXCLUSIVE mismatch).
range_step() {
	local ver=$1 file=/usr/src/kup-$1/KERNELS lo hi k rc
	lo=$(sed -n 's/^Linux-Minimum: *//p' "$file" 2>/dev/null)
	hi=$(sed -n 's/^Linux-Maximum: *//p' "$file" 2>/dev/null)
	[ -n "$lo" ] && [ -n "$hi" ]
	verdict $? "kup-dkms carries KERNELS: Linux ${lo:-?} to ${hi:-?}" || return 1
	for k in "${lo%.*}.$((${lo#*.} - 1)).0-1-amd64" "${hi%.*}.$((${hi#*.} + 1)).0-1-amd64"; do
		dkms build "kup/$ver" -k "$k" >dkms-range.log 2>&1
		rc=$?
		[ $rc = 77 ] && grep -q BUILD_EXCLUSIVE dkms-range.log
		verdict $? "dkms build for Linux $k, outside the range, is refused (exit $rc)" dkms-range.log
	done
}

# ko_file PATH: PATH.ko as installed, compressed or not (one of them).
ko_file() {
	local f
	for f in "$1.ko" "$1.ko.xz" "$1.ko.zst" "$1.ko.gz"; do
		[ -s "$f" ] && { echo "$f"; return 0; }
	done
}

# ko_plain FILE DEST: FILE uncompressed to DEST, for the VM's busybox
# insmod, which loads only a plain .ko. The tool is the one DKMS
# compressed it with.
ko_plain() {
	case "$1" in
	*.ko.xz) xz -dc "$1" >"$2" ;;
	*.ko.zst) zstd -qdc "$1" >"$2" ;;
	*.ko.gz) gzip -dc "$1" >"$2" ;;
	*) cp "$1" "$2" ;;
	esac
}

# Out of tree, as a user builds one: only the installed headers and symvers.
client_step() {
	local kver=$1 ver=$2 symvers=$3 rc
	rm -rf /root/client && cp -r client /root/client || return 1
	make -C "/lib/modules/$kver/build" M=/root/client modules \
		KUP_INCLUDE="/usr/src/kup-$ver/include" KBUILD_EXTRA_SYMBOLS="$symvers" \
		>client-build.log 2>&1
	rc=$?
	# modpost only warns about a symbol it cannot resolve: that is a failure.
	[ $rc = 0 ] && ! grep -E 'undefined!|does not import|^ERROR' client-build.log >&2 &&
		[ "$(modinfo -F import_ns /root/client/pkg_echo.ko)" = KUP ] &&
		[ "$(modinfo -F depends /root/client/pkg_echo.ko)" = kup ]
	verdict $? "client module built out of tree against /usr/src/kup-$ver/include and the installed Module.symvers (imports KUP, depends on kup)" \
		client-build.log
}

# With pkg-config alone: dynamic (runs here: no device, ENOENT, so libkup.so.1
# was found and loaded; /lib is /usr/lib, merged) and static (for the VM's
# busybox root).
user_step() {
	local ver=$1 rc
	[ "$(pkg-config --modversion libkup 2>&1)" = "$ver" ]
	verdict $? "pkg-config --modversion libkup is $ver"
	# shellcheck disable=SC2046
	gcc -o pkg_user_dyn pkg_user.c $(pkg-config --cflags --libs libkup) >user-build.log 2>&1 &&
		ldd pkg_user_dyn >>user-build.log 2>&1 &&
		grep -Eq 'libkup\.so\.1 => (/usr)?/lib/x86_64-linux-gnu/libkup\.so\.1 ' user-build.log
	verdict $? "pkg_user built with pkg-config --cflags --libs libkup, linked to the installed libkup.so.1" \
		user-build.log || return 1
	./pkg_user_dyn hello >>user-build.log 2>&1
	rc=$?
	[ $rc = 2 ]
	verdict $? "it runs, and finds no /dev/pkg_echo here (exit $rc, 2 expected)" user-build.log
	# shellcheck disable=SC2046
	gcc -static -o pkg_user pkg_user.c $(pkg-config --static --cflags --libs libkup) >>user-build.log 2>&1 &&
		[[ "$(readelf -d pkg_user 2>&1)" != *NEEDED* ]]
	verdict $? "pkg_user built static with pkg-config --static --cflags --libs libkup, for the VM" \
		user-build.log
}

# man -w for every page the tree has (man/manN/NAME.N); none yet: nothing
# to look for.
man_step() {
	local p missing=""
	if [ $# = 0 ]; then
		echo "ok - pkg: man pages # SKIP the tree has none yet (man/man*/*.[0-9])"
		return 0
	fi
	for p in "$@"; do
		man -w "${p##*.}" "${p%.*}" >/dev/null 2>&1 || missing="$missing $p"
	done
	[ -z "$missing" ]
	verdict $? "man -w finds the $# installed man pages${missing:+ (missing:$missing)}"
}

also_step() {
	local kver=$1 ver=$2 t0=$SECONDS mods=/lib/modules/$1/updates/dkms
	echo "$3" >/etc/apt/sources.list.d/kup-also.list
	{ apt-get update -q && apt-get install -y -q --no-install-recommends "linux-headers-$kver"; } \
		>apt-also.log 2>&1
	verdict $? "apt-get install linux-headers-$kver from '$3' ($((SECONDS - t0))s)" apt-also.log ||
		return 1
	dkms status kup >dkms-status.log 2>&1
	grep -q "^kup/$ver, $kver, x86_64: installed" dkms-status.log
	verdict $? "DKMS built and installed kup/$ver for $kver by itself ($(paste -sd ' ' dkms-status.log))" \
		"/var/lib/dkms/kup/$ver/build/make.log"
	local ko tko
	ko=$(ko_file "$mods/kup")
	tko=$(ko_file "$mods/kup_tunnel")
	[ -n "$ko" ] && [ -n "$tko" ] &&
		[[ "$(modinfo -F vermagic "$ko")" == "$kver "* ]] &&
		grep -q '[[:space:]]kupdev_create[[:space:]]' "$mods/kup/Module.symvers"
	verdict $? "kup.ko, kup_tunnel.ko and Module.symvers for $kver in $mods (${ko##*/}, ${tko##*/})"
}

purge_step() {
	local kver=$1 ver=$2 t0=$SECONDS
	apt-get remove --purge -y -q kup-dkms libkup1 libkup-dev kup-tools >apt-purge.log 2>&1
	verdict $? "apt-get remove --purge kup-dkms libkup1 libkup-dev kup-tools ($((SECONDS - t0))s)" apt-purge.log
	[ -z "$(dkms status kup 2>&1)" ]
	verdict $? "dkms status is empty after the purge"
	local left
	left=$(ls -d /lib/modules/*/updates "/usr/src/kup-$ver" /var/lib/dkms/kup \
		/usr/lib/x86_64-linux-gnu/libkup* /usr/include/kup.h /usr/bin/kupctl 2>/dev/null)
	[ -z "$left" ]
	verdict $? "nothing of kup left (modules, Module.symvers, sources, DKMS tree, library, kupctl)${left:+: $left}"
}

case "${1:-}" in
install) shift; [ $# -ge 2 ] || exit 2; install_step "$@" ;;
also) shift; [ $# = 3 ] || exit 2; also_step "$@" ;;
purge) shift; [ $# = 2 ] || exit 2; purge_step "$@" ;;
*) echo "usage: root_steps.sh install RELEASE VERSION [MANPAGE...] | also RELEASE VERSION SOURCE | purge RELEASE VERSION" >&2; exit 2 ;;
esac
# 1 after any "not ok", as the other parts of make check do.
exit $failed
