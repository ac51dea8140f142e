# image/deb.sh - one Debian package's .deb, downloaded, never installed on
# the build host (sourced by image/kernel.sh and image/efi.sh, which define
# say and die).
#
# deb_fetch DIR PKG [GLOB]: prints DIR/PKG_VERSION_amd64.deb, apt's
# candidate version, fetched with `apt-get download` (apt checks it against
# the signed archive indexes) unless DIR has it already.  When apt cannot
# resolve PKG (offline, no lists, or PKG empty) the newest .deb in DIR
# named GLOB (default PKG_*.deb) is used, and said so on stderr.
deb_fetch() {
	dir=$1
	pkg=$2
	glob=${3:-${2}_*.deb}
	mkdir -p "$dir"
	ver=
	[ -z "$pkg" ] || ver=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		deb=$(find "$dir" -name "$glob" 2>/dev/null | sort -V | tail -n 1) || true
		[ -n "$deb" ] || die "cannot resolve ${pkg:-$glob} (run apt-get update) and no .deb in $dir"
		say "apt cannot resolve ${pkg:-$glob}; using the cached ${deb##*/}"
		printf '%s\n' "$deb"
		return 0
	fi
	deb=$dir/${pkg}_$(printf '%s' "$ver" | sed 's/:/%3a/')_amd64.deb
	if [ -s "$deb" ]; then
		printf '%s\n' "$deb"
		return 0
	fi
	say "downloading $pkg $ver"
	# As root apt downloads as user _apt: let it write there.
	if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$dir"; fi
	(cd "$dir" && apt-get -q download "$pkg=$ver") >"$dir/download.log" 2>&1 || {
		cat "$dir/download.log" >&2
		die "apt-get download $pkg=$ver failed"
	}
	[ -s "$deb" ] || die "apt-get download left no $deb"
	printf '%s\n' "$deb"
}
