#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The man pages (man/man{3,7,8,9}): mandoc's lint, one page per public
# function of include/kup.h, include/kup/kupdev.h and include/kup/tunnel.h,
# each page's NAME and SYNOPSIS against the header's prototype, the .Xr
# cross references, and man-db's rendering. Then the check's self-test: a
# copy of the pages with planted faults must fail each check.
#
# Prints only TAP lines without numbers ("ok - ...", "not ok - ...") and
# "# " comments; tests/check.sh numbers them. Exits 1 if anything failed.
# Needs mandoc, man-db and groff-base (scripts/setup.sh installs them).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
failed=0

# The public headers, and the section of the pages of their functions.
headers="include/kup.h:3 include/kup/kupdev.h:9 include/kup/tunnel.h:9"
# Cross references to pages of these names must point at one of ours.
ours='^(kup|kernproxy_|kupdev_|tunnel_)'

ok() { echo "ok - man pages: $*"; }
notok() { echo "not ok - man pages: $*"; failed=1; }

# oneline TEXT: the first three lines of a tool's messages, on one line.
oneline() {
	head -n 3 <<<"$1" | sed 's/^mandoc: //' | paste -s -d '|' | sed 's/|/ | /g'
}

# pages DIR: every page, as a path relative to DIR (man3/kernproxy_open.3).
pages() {
	(cd "$1" && ls man[3789]/*.[3789] 2>/dev/null)
}

# header_protos: "name<TAB>prototype" for every function the headers
# declare outside #ifdef KUP_TEST_HOOKS, the prototype without its ";", in
# the normal form of norm_proto. Comments and preprocessor lines go first;
# what is left is split into statements at ";".
header_protos() {
	local spec
	for spec in $headers; do
		awk -v sec="${spec#*:}" '
		function norm(s) {
			gsub(/[ \t\n]+/, " ", s)
			gsub(/ *\* */, "*", s); gsub(/ *\( */, "(", s)
			gsub(/ *\) */, ")", s); gsub(/ *, */, ",", s)
			sub(/^ /, "", s); sub(/ $/, "", s)
			return s
		}
		{ text = text $0 "\n" }
		END {
			# Comments.
			while ((i = index(text, "/*")) > 0) {
				rest = substr(text, i + 2)
				j = index(rest, "*/")
				text = substr(text, 1, i - 1) " " (j ? substr(rest, j + 2) : "")
			}
			n = split(text, line, "\n")
			depth = 0; skip = 0; code = ""
			for (k = 1; k <= n; k++) {
				l = line[k]
				sub(/\/\/.*/, "", l)
				if (l ~ /^[ \t]*#[ \t]*if/) {
					depth++
					if (!skip && l ~ /KUP_TEST_HOOKS/ && l !~ /^[ \t]*#[ \t]*ifndef/)
						skip = depth
					continue
				}
				if (l ~ /^[ \t]*#[ \t]*else/) {
					if (skip == depth) skip = 0
					continue
				}
				if (l ~ /^[ \t]*#[ \t]*endif/) {
					if (skip == depth) skip = 0
					depth--
					continue
				}
				if (l ~ /^[ \t]*#/ || skip)
					continue
				code = code " " l
			}
			m = split(code, stmt, ";")
			for (k = 1; k <= m; k++) {
				s = stmt[k]
				sub(/.*[{}]/, "", s)
				s = norm(s)
				if (s ~ /^typedef/)
					continue
				if (!match(s, /(kernproxy|kupdev|tunnel)_[A-Za-z0-9_]+\(/))
					continue
				name = substr(s, RSTART, RLENGTH - 1)
				printf "%s\t%s\t%s\n", name, sec, s
			}
		}' "${spec%%:*}"
	done
}

# page_info FILE: what a page says about its function, one line each:
# "nm NAME" for each .Nm of its NAME section, "dt TITLE SECTION", and
# "fn NAME<TAB>prototype" for each .Fn/.Fo of its SYNOPSIS, in the normal
# form of header_protos (.Ft, then the arguments of .Fn or of .Fa lines).
page_info() {
	awk '
	function norm(s) {
		gsub(/[ \t]+/, " ", s)
		gsub(/ *\* */, "*", s); gsub(/ *\( */, "(", s)
		gsub(/ *\) */, ")", s); gsub(/ *, */, ",", s)
		sub(/^ /, "", s); sub(/ $/, "", s)
		return s
	}
	# The arguments of a macro line, mdoc quoting, into a[1..]; the count.
	function args(s, a,    n, c, w) {
		n = 0
		sub(/^\.[A-Za-z]+[ \t]*/, "", s)
		while (length(s)) {
			if (substr(s, 1, 1) == "\"") {
				s = substr(s, 2)
				c = index(s, "\"")
				w = c ? substr(s, 1, c - 1) : s
				s = c ? substr(s, c + 1) : ""
			} else {
				c = match(s, /[ \t]/)
				w = c ? substr(s, 1, c - 1) : s
				s = c ? substr(s, c) : ""
			}
			a[++n] = w
			sub(/^[ \t]+/, "", s)
		}
		return n
	}
	/^\.Sh / { sh = substr($0, 5); next }
	/^\.Dt / { print "dt " $2 " " $3; next }
	sh == "NAME" && /^\.Nm / { print "nm " $2; next }
	sh != "SYNOPSIS" { next }
	/^\.Ft / { ft = substr($0, 5); next }
	/^\.Fn / {
		n = args($0, a); p = ""
		for (i = 2; i <= n; i++) p = p (i > 2 ? "," : "") a[i]
		printf "fn %s\t%s\n", a[1], norm(ft " " a[1] "(" p ")")
		next
	}
	/^\.Fo / { fo = $2; p = ""; na = 0; next }
	/^\.Fa / && fo != "" { args($0, a); p = p (na++ ? "," : "") a[1]; next }
	/^\.Fc/ && fo != "" {
		printf "fn %s\t%s\n", fo, norm(ft " " fo "(" p ")")
		fo = ""
		next
	}' "$1"
}

# so_target DIR PAGE: the page a ".so" stub stands for, or PAGE itself.
so_target() {
	local so
	so=$(awk '!/^\.\\"/ && NF { if ($1 == ".so") print $2; exit }' "$1/$2")
	echo "${so:-$2}"
}

# Only manN/*.N and an optional README: make install copies man/man*/*.
check_layout() {
	local dir=$1 f bad=0
	while IFS= read -r f; do
		case "$f" in
		README) ;;
		man3/*.3 | man7/*.7 | man8/*.8 | man9/*.9) ;;
		*) notok "$f does not belong in man/ (only man{3,7,8,9}/*.{3,7,8,9})"; bad=1 ;;
		esac
	done < <(cd "$dir" && find . -type f | sed 's|^\./||' | sort)
	[ $bad -eq 0 ] && ok "layout is man{3,7,8,9}/*.{3,7,8,9}"
}

# The first line is the SPDX comment: the library's licence for 3 and 7,
# the kernel's for 8 and 9.
check_spdx() {
	local dir=$1 p want first bad=0
	for p in $(pages "$dir"); do
		case "$p" in
		*.3 | *.7) want='LGPL-2.1 OR MIT' ;;
		*) want='GPL-2.0' ;;
		esac
		first=$(head -n 1 "$dir/$p")
		if [ "$first" != ".\\\" SPDX-License-Identifier: $want" ]; then
			notok "$p: first line is not '.\\\" SPDX-License-Identifier: $want'"
			bad=1
		fi
	done
	[ $bad -eq 0 ] && ok "every page starts with its SPDX line"
}

# a. mandoc's lint at level warning: not a single message.
check_lint() {
	local dir=$1 p out n=0 bad=0
	for p in $(pages "$dir"); do
		n=$((n + 1))
		if ! out=$(cd "$dir" && mandoc -T lint -W warning "$p" 2>&1) ||
		   [ -n "$out" ]; then
			notok "$p: mandoc -T lint -W warning: $(oneline "$out")"
			bad=1
		fi
	done
	[ $n -gt 0 ] || { notok "no page found in $dir"; return; }
	[ $bad -eq 0 ] && ok "mandoc -T lint -W warning is silent on all $n pages"
}

# b. Every function of the headers has its page. A page may come before
# its function reaches the header (it is checked all the same in c).
check_complete() {
	local dir=$1 name sec proto n=0 bad=0
	while IFS=$'\t' read -r name sec proto; do
		n=$((n + 1))
		if [ ! -f "$dir/man$sec/$name.$sec" ]; then
			notok "$name ($proto) has no page man$sec/$name.$sec"
			bad=1
		fi
	done < <(header_protos)
	[ $n -gt 0 ] || { notok "no function found in $headers"; return; }
	[ $bad -eq 0 ] && ok "each of the $n functions of the headers has its page"
}

# c. A function's page (or the page its .so stub stands for) names it in
# NAME and SYNOPSIS, its .Dt is its name, and its SYNOPSIS prototype is
# the header's, where the header has the function.
check_synopsis() {
	local dir=$1 p name sec target info want got n=0 bad=0
	local protos
	protos=$(header_protos)
	for p in $(pages "$dir" | grep -E '^man[39]/'); do
		n=$((n + 1))
		name=$(basename "$p"); sec=${name##*.}; name=${name%.*}
		target=$(so_target "$dir" "$p")
		if [ ! -f "$dir/$target" ]; then
			notok "$p: .so $target: no such page"; bad=1; continue
		fi
		info=$(page_info "$dir/$target")
		if ! grep -qx "nm $name" <<<"$info"; then
			notok "$p: NAME has no .Nm $name${target:+ (in $target)}"; bad=1
		fi
		if ! grep -q "^fn $name	" <<<"$info"; then
			notok "$p: SYNOPSIS has no .Fn $name or .Fo $name"; bad=1
			continue
		fi
		if [ "$target" = "$p" ] &&
		   ! grep -qx "dt $(tr '[:lower:]' '[:upper:]' <<<"$name") $sec" <<<"$info"; then
			notok "$p: .Dt is not $(tr '[:lower:]' '[:upper:]' <<<"$name") $sec"; bad=1
		fi
		want=$(awk -F'\t' -v n="$name" '$1 == n { print $3 }' <<<"$protos")
		if [ -z "$want" ]; then
			echo "# $p: $name is not in the headers (yet): its prototype is not compared"
			continue
		fi
		got=$(grep "^fn $name	" <<<"$info" | head -n 1 | cut -f 2)
		if [ "$got" != "$want" ]; then
			notok "$p: SYNOPSIS says '$got', the header '$want'"; bad=1
		fi
	done
	[ $n -gt 0 ] || { notok "no function page found in $dir"; return; }
	[ $bad -eq 0 ] && ok "each of the $n function pages names its function, and its SYNOPSIS is the header's prototype"
}

# d. Every .Xr to a page of ours points at one that exists; others (libc's,
# the kernel's man-pages) are taken as they are.
check_xr() {
	local dir=$1 p name sec n=0 bad=0
	for p in $(pages "$dir"); do
		while read -r name sec; do
			n=$((n + 1))
			[[ $name =~ $ours ]] || continue
			if [ ! -f "$dir/man$sec/$name.$sec" ]; then
				notok "$p: .Xr $name $sec: no such page in man/"; bad=1
			fi
		done < <(awk '/^\./ { for (i = 1; i < NF; i++)
				if ($i == "Xr" || $i == ".Xr") print $(i + 1), $(i + 2) }' "$dir/$p" |
			 sort -u)
	done
	[ $bad -eq 0 ] && ok "all $n distinct .Xr references of the pages resolve (those to KUP pages in man/)"
}

# e. man-db (groff) renders each page without a warning.
check_render() {
	local dir=$1 p out n=0 bad=0
	if ! command -v man >/dev/null || ! command -v groff >/dev/null; then
		ok "man-db renders every page without warnings # SKIP man-db or groff not installed"
		return
	fi
	for p in $(pages "$dir"); do
		n=$((n + 1))
		out=$(cd "$dir" && LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$p" 2>&1 >/dev/null)
		if [ -n "$out" ]; then
			notok "$p: man --warnings -l: $(oneline "$out")"
			bad=1
		fi
	done
	[ $bad -eq 0 ] && ok "man --warnings -l renders all $n pages without a warning"
}

run_checks() {
	check_layout "$1"
	check_spdx "$1"
	check_lint "$1"
	check_complete "$1"
	check_synopsis "$1"
	check_xr "$1"
	check_render "$1"
}

# The checks must catch what they are for: on a copy of the pages, a lint
# error, a missing page, a SYNOPSIS that is not the prototype and a
# dangling .Xr, each caught by its check and naming its page.
selftest() {
	local tmp out miss=""
	tmp=$(mktemp -d)
	cp -r man "$tmp/man"
	printf '.Xx not a macro\n' >>"$tmp/man/man3/kernproxy_flush.3"
	rm "$tmp/man/man9/kupdev_pass.9"
	sed -i 's/^\.Fn kernproxy_open .*/.Fn kernproxy_open "const char *path"/' \
		"$tmp/man/man3/kernproxy_open.3"
	printf '.Xr kupdev_nowhere 9\n' >>"$tmp/man/man9/tunnel_user.9"
	# In a subshell: its failures are the expected ones, not ours.
	out=$(run_checks "$tmp/man" 2>&1)
	rm -rf "$tmp"
	grep -q '^not ok - man pages: man3/kernproxy_flush.3: mandoc -T lint' <<<"$out" ||
		miss="$miss lint"
	grep -q '^not ok - man pages: kupdev_pass .* has no page man9/kupdev_pass.9' <<<"$out" ||
		miss="$miss missing-page"
	grep -q "^not ok - man pages: man3/kernproxy_open.3: SYNOPSIS says 'void\*kernproxy_open(const char\*path)'" <<<"$out" ||
		miss="$miss synopsis"
	grep -q '^not ok - man pages: man9/tunnel_user.9: .Xr kupdev_nowhere 9' <<<"$out" ||
		miss="$miss xr"
	if [ -z "$miss" ]; then
		ok "the check catches a planted lint error, missing page, wrong SYNOPSIS and dangling .Xr"
	else
		notok "the check misses planted faults:$miss"
		sed 's/^/#   /' <<<"$out"
	fi
}

if ! command -v mandoc >/dev/null; then
	notok "mandoc is not installed (make setup installs it)"
	exit 1
fi
run_checks man
selftest
exit $failed
