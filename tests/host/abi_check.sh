#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# libkup's exported ABI against its header and its version map:
#   - the map names every symbol (no wildcard among its globals);
#   - the built libkup.so exports exactly the functions kup.h declares, plus
#     kernproxy_errno, each under the version node the map puts it in;
#   - the library's file name and soname follow the VERSION file;
#   - a program linked against it asks for the versions it uses, so one
#     that calls kernproxy_info() needs KUP_1.1.
# Prints TAP lines without numbers; the caller numbers them.
# usage: abi_check.sh [LIBKUP.SO [MAP [HEADER]]]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
so=${1:-$top/build/lib/libkup.so}
map=${2:-$top/lib/libkup.map}
hdr=${3:-$top/include/kup.h}
version=$(cat "$top/VERSION")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() {
	local what=$1
	shift
	if "$@"; then
		echo "ok - abi: $what"
	else
		echo "not ok - abi: $what"
	fi
}

# "NAME VERSION" for every global of the map, sorted.
map_symbols() {
	sed 's|/\*.*\*/||' "$map" | awk '
		/\{/ { node = $1; sub(/.*\{/, "") }
		/global:/ { global = 1; sub(/.*global:/, "") }
		/local:/ { global = 0 }
		/\}/ { global = 0 }
		global {
			n = split($0, s, /[ \t;]+/)
			for (k = 1; k <= n; k++) if (s[k] != "") print s[k], node
		}
	' | sort
}

# Every function kup.h declares, sorted.
header_functions() {
	grep -oE '\bkernproxy_[a-z_]+\(' "$hdr" | tr -d '(' | sort -u
}

# "NAME VERSION" for every symbol the library defines and exports, sorted.
exported() {
	readelf --dyn-syms -W "$so" |
		awk '$7 != "UND" && $8 ~ /@/ { split($8, v, "@+"); print v[1], v[2] }' |
		grep -v -E '^KUP_[0-9.]+ KUP_' | sort
}

no_wildcard() {
	! map_symbols | awk '{ print $1 }' | grep -q '[*?]'
}

header_in_map() {
	local missing
	missing=$(comm -23 <(header_functions) <(map_symbols | awk '{ print $1 }' | grep -v '^kernproxy_errno$'))
	[ -z "$missing" ] || { echo "# in kup.h, not in the map: $missing"; return 1; }
}

exports_match() {
	local diff
	diff=$(diff <(map_symbols) <(exported))
	[ -z "$diff" ] || { echo "$diff" | sed 's/^/#   map<>lib /'; return 1; }
}

map_in_header() {
	local extra
	extra=$(comm -13 <(header_functions) <(map_symbols | awk '{ print $1 }' | grep -v '^kernproxy_errno$'))
	[ -z "$extra" ] || { echo "# in the map, not in kup.h: $extra"; return 1; }
}

soname_ok() {
	local real soname
	real=$(readlink -f "$so")
	soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
	[ "$(basename "$real")" = "libkup.so.$version" ] &&
		[ "$soname" = "libkup.so.${version%%.*}" ] ||
		{ echo "# file $(basename "$real"), soname $soname, VERSION $version"; return 1; }
}

# A program calling kernproxy_info() must need KUP_1.1, and KUP_1.0 for
# kernproxy_open(): what keeps it off a libkup.so.1 too old for it.
needs_versions() {
	local need
	cat >"$tmp/p.c" <<-'EOF'
	#include <kup.h>
	int main(void)
	{
		struct kernproxy_info i;
		void *h = kernproxy_open("kup_none");

		return kernproxy_info(h, &i);
	}
	EOF
	cc -I"$top/include" -o "$tmp/p" "$tmp/p.c" -L"$(dirname "$so")" -lkup || return 1
	need=$(readelf -V -W "$tmp/p" | grep -oE 'Name: KUP_[0-9.]+' | sort -u | tr '\n' ' ')
	[ "$need" = "Name: KUP_1.0 Name: KUP_1.1 " ] || { echo "# the program needs: $need"; return 1; }
}

check "the version map names every symbol (no wildcard)" no_wildcard
check "every function of kup.h is in the version map" header_in_map
check "every function of the version map is in kup.h" map_in_header
check "libkup.so exports exactly the map's symbols, each at its version" exports_match
check "libkup.so.$version has the soname libkup.so.${version%%.*}" soname_ok
check "a program calling kernproxy_info() needs KUP_1.1 and KUP_1.0" needs_versions
