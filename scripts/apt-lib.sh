# SPDX-License-Identifier: GPL-2.0
#
# Sourced: Debian's archive as this machine reaches it, for the scripts
# that fetch another release's packages (scripts/chroot-lib.sh for
# debootstrap roots, scripts/kernels.sh for the kernels of the test
# matrix). Nothing here changes the machine's own apt configuration: the
# mirrors are read from its sources at run time, and another suite is
# reached through a private configuration (apt_private).
#
# Functions: host_sources, host_suite, suite_sources, apt_host_policy,
# apt_private, apt_private_get.

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

# host_suite: this machine's release, by codename (bookworm, trixie).
host_suite() {
	(. /etc/os-release && echo "${VERSION_CODENAME:-}")
}

# suite_sources SUITE: "URI SUITE" lines for SUITE, made from this
# machine's own: each source of its release (and -updates, -security; not
# -backports, which a fresh install does not have) with SUITE's name in
# place of the release's. Unstable (sid) has none of those: only the main
# archive's line.
suite_sources() {
	local want=$1 have
	have=$(host_suite)
	host_sources | awk -v h="$have" -v w="$want" '
		$2 == h || $2 ~ "^" h "-(updates|security)$" {
			rest = substr($2, length(h) + 1)
			if (w == "sid" && rest != "") next
			print $1, w rest
		}' | sort -u
}

# apt_host_policy: this machine's apt settings on the archive's dates, as
# apt.conf lines for a root or a private configuration. A machine that
# reaches a snapshot of the archive turns the Valid-Until check off, and
# unstable's Release file (valid for a week) needs that there too.
apt_host_policy() {
	apt-config dump 2>/dev/null | grep -E '^Acquire::Check-(Valid-Until|Date) ' || true
}

# apt_private DIR SOURCE-LINE...: an apt configuration of its own in DIR
# (DIR/apt.conf, for APT_CONFIG) that knows only the given "deb URI SUITE
# COMPONENT" lines, its lists and caches under DIR, and no installed
# packages; "apt-get update" done with it. For downloading another
# release's packages without adding a source to this machine.
apt_private() {
	local dir=$1
	shift
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/etc"
	printf '%s\n' "$@" >"$dir/etc/sources.list"
	: >"$dir/status"
	cat >"$dir/apt.conf" <<EOC
Dir::Etc::sourcelist "$dir/etc/sources.list";
Dir::Etc::sourceparts "$dir/etc/sources.list.d";
Dir::State::Lists "$dir/lists";
Dir::State::status "$dir/status";
Dir::Cache "$dir/cache";
$(apt_host_policy)
EOC
	mkdir -p "$dir/etc/sources.list.d"
	# As root, apt fetches as its sandbox user, who must own the lists.
	[ "$(id -u)" != 0 ] || chown -R _apt "$dir/lists" 2>/dev/null || true
	APT_CONFIG=$dir/apt.conf apt-get update -q >"$dir/update.log" 2>&1 ||
		{ tail -n 5 "$dir/update.log" >&2; return 1; }
}

# apt_private_get DIR DEST PACKAGE...: download the packages with DIR's
# configuration into DEST (not installed).
apt_private_get() {
	local dir=$1 dest=$2 p
	shift 2
	mkdir -p "$dest"
	[ "$(id -u)" != 0 ] || chown _apt "$dest" 2>/dev/null || true
	(cd "$dest" && APT_CONFIG=$dir/apt.conf apt-get download -q "$@" 2>&1 |
		grep -E '^(Get|E):' || true)
	for p in "$@"; do
		ls "$dest/${p%%=*}"_*.deb >/dev/null 2>&1 ||
			{ echo "apt: $p not downloaded" >&2; return 1; }
	done
}
