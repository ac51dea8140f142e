#!/bin/sh
# mk/deps.sh - what `make deps` runs: set up build dependencies on Debian 12.
#
#   1. install the Debian packages listed in mk/packages.txt that are missing
#      (no apt call at all when everything is already installed);
#   2. build BearSSL as a static library with musl-gcc from Debian's "bearssl"
#      SOURCE package (Debian's binary libbearssl.a is built against glibc and
#      does not link with musl) into $BUILD/bearssl/{lib,include}.
#
# Idempotent; a no-op taking well under a second when everything is in place.
# Environment: BUILD  build directory (default "build"; relative paths are
#                     relative to the repository top).
set -eu

say() { printf 'deps: %s\n' "$*"; }
die() { printf 'deps: error: %s\n' "$*" >&2; exit 1; }

top=$(cd "$(dirname "$0")/.." && pwd) || die "cannot find the repository top"
BUILD=${BUILD:-build}
case $BUILD in
/*) build=$BUILD ;;
*) build=$top/$BUILD ;;
esac

# apt/dpkg may be busy (unattended upgrades, another install): wait for the
# locks instead of failing.  apt-get install waits for the dpkg lock by
# itself (DPkg::Lock::Timeout), but apt-get update fails at once when the
# lists lock is taken, so it is retried by apt_update.
apt_lock_wait=600

# apt_update CMD...: run an "apt-get update" command, retrying while the
# lists lock is held by someone else.
apt_update() {
	waited=0
	while :; do
		if out=$("$@" 2>&1); then
			return 0
		fi
		case $out in
		*"Could not get lock"*)
			[ "$waited" -lt "$apt_lock_wait" ] || break
			[ "$waited" -gt 0 ] || say "apt lists are locked, waiting (up to ${apt_lock_wait}s)"
			sleep 5
			waited=$((waited + 5))
			;;
		*) break ;;
		esac
	done
	printf '%s\n' "$out" >&2
	return 1
}

# ---------------------------------------------------------------------------
# 1. Debian packages
# ---------------------------------------------------------------------------

install_packages() {
	# PACKAGE_LISTS: the lists to install (make bench adds the bench's own).
	pkgs=
	for list in ${PACKAGE_LISTS:-mk/packages.txt}; do
		list=$top/$list
		[ -r "$list" ] || die "$list not found"
		# Strip comments, one name per line.
		pkgs="$pkgs
$(awk '{ sub(/#.*/, ""); for (i = 1; i <= NF; i++) print $i }' "$list")"
	done
	pkgs=$(printf '%s\n' "$pkgs" | awk 'NF')
	[ -n "$pkgs" ] || return 0

	# One dpkg-query call for all packages (unknown ones make it exit 1 and
	# complain on stderr; they simply count as missing).
	# shellcheck disable=SC2086 # word splitting of $pkgs is intended
	installed=$(dpkg-query -W -f='${Package} ${Status}\n' $pkgs 2>/dev/null |
		awk '$2 == "install" && $3 == "ok" && $4 == "installed" { print $1 }') || true
	missing=$(printf '%s\n' "$pkgs" | awk -v have="$installed" '
		BEGIN { n = split(have, h, "\n"); for (i = 1; i <= n; i++) ok[h[i]] = 1 }
		!($0 in ok) && !seen[$0]++ { printf "%s%s", sep, $0; sep = " " }')
	[ -n "$missing" ] || return 0

	sudo=
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null 2>&1 ||
			die "not root and sudo not available; as root run: apt-get install $missing"
		sudo=sudo
	fi
	say "installing missing packages: $missing"
	apt_update $sudo apt-get -q update ||
		die "apt-get update failed (missing packages: $missing)"
	# Servers we only run as our own instances (nginx, tftpd-hpa, dnsmasq)
	# must not start as system services on install: a policy-rc.d that
	# says "no" for the duration, unless the machine already has one.
	policy=/usr/sbin/policy-rc.d
	own_policy=
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null &&
			$sudo chmod 755 "$policy" && own_policy=1
	fi
	# shellcheck disable=SC2086 # word splitting of $missing is intended
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get -q -y \
		-o DPkg::Lock::Timeout=$apt_lock_wait \
		install --no-install-recommends $missing
	rc=$?
	[ -n "$own_policy" ] && $sudo rm -f "$policy"
	[ "$rc" -eq 0 ] || die "apt-get install failed for: $missing"
}

install_packages

# ---------------------------------------------------------------------------
# 2. BearSSL (static, musl) from Debian's source package
# ---------------------------------------------------------------------------

bearssl_dir=$build/bearssl
bearssl_stamp=$bearssl_dir/.stamp
bearssl_lib=$bearssl_dir/lib/libbearssl.a
# -O2, not -Os: SHA-512 of a 1 GiB airootfs is ~10% faster, which keeps
# `archiso verify` level with sha512sum.  A change here rebuilds.
bearssl_cflags='-W -Wall -O2 -fPIC'

# Fast path: nothing to do.
if [ -s "$bearssl_stamp" ] && [ -f "$bearssl_lib" ] && [ -f "$bearssl_dir/include/bearssl.h" ] &&
	grep -qxF "cflags $bearssl_cflags" "$bearssl_stamp"; then
	say "up to date (packages installed, bearssl $(head -n 1 "$bearssl_stamp"))"
	exit 0
fi

for tool in musl-gcc dpkg-source make ar; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found (see mk/packages.txt)"
done

codename=$(sed -n 's/^VERSION_CODENAME=["'\'']\{0,1\}\([^"'\'']*\).*/\1/p' /etc/os-release 2>/dev/null) || true
[ -n "$codename" ] || die "cannot determine the Debian codename from /etc/os-release"

# Find the system's Debian main archive entry: Types has "deb", Suites has the
# bare codename (not -updates/-security) and Components has "main".  Prints
# "URI|SUITE|COMPONENTS|SIGNED-BY" for the first match.
# deb822 (*.sources) format:
find_deb822() {
	awk -v want="$codename" '
	function flush() {
		if (types ~ /(^| )deb( |$)/ && enabled != "no" &&
		    (" " suites " ") ~ (" " want " ") && (" " comps " ") ~ / main /) {
			split(uris, u, " ")
			printf "%s|%s|%s|%s\n", u[1], want, comps, signed
			found = 1; exit
		}
		types = uris = suites = comps = signed = enabled = ""; key = ""
	}
	/^[ \t]*#/ { next }
	/^[ \t]*$/ { flush(); next }
	/^[ \t]/ { if (key == "uris") uris = uris " " $0; next }   # continuation
	{
		key = tolower($0); sub(/:.*/, "", key)
		val = $0; sub(/^[^:]*:[ \t]*/, "", val); sub(/[ \t]+$/, "", val)
		if (key == "types") types = val
		else if (key == "uris") uris = val
		else if (key == "suites") suites = val
		else if (key == "components") comps = val
		else if (key == "signed-by") signed = val
		else if (key == "enabled") enabled = tolower(val)
	}
	END { if (!found) flush() }' "$1"
}
# one-line (*.list) format: deb [opt=val ...] URI SUITE COMPONENT...
find_oneline() {
	awk -v want="$codename" '
	{ sub(/#.*/, "") }
	$1 != "deb" { next }
	{
		signed = ""; i = 2
		if ($2 ~ /^\[/) {
			opts = ""
			for (; i <= NF; i++) { opts = opts " " $i; if ($i ~ /\]$/) { i++; break } }
			gsub(/[][]/, "", opts)
			n = split(opts, o, " ")
			for (j = 1; j <= n; j++)
				if (o[j] ~ /^signed-by=/) { signed = o[j]; sub(/^signed-by=/, "", signed) }
		}
		uri = $i; suite = $(i + 1); comps = ""
		for (k = i + 2; k <= NF; k++) comps = comps (comps == "" ? "" : " ") $k
		if (suite == want && (" " comps " ") ~ / main /) {
			printf "%s|%s|%s|%s\n", uri, suite, comps, signed; exit
		}
	}' "$1"
}

archive=
for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list \
	/etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
	[ -r "$f" ] || continue
	case $f in
	*.sources) archive=$(find_deb822 "$f") ;;
	*) archive=$(find_oneline "$f") ;;
	esac
	[ -z "$archive" ] || break
done
[ -n "$archive" ] ||
	die "no Debian '$codename main' archive entry found in /etc/apt/sources.list{,.d/*}"

IFS='|' read -r arch_uri arch_suite arch_comps arch_signed <<EOF
$archive
EOF
# Signed-By may be a keyring path or an inline key block; only a path can be
# passed on.  Without it apt uses the system's trusted keys (still verified).
signed_opt=
case $arch_signed in
/*) [ -r "$arch_signed" ] && signed_opt="[signed-by=$arch_signed] " ;;
esac
if [ -z "$signed_opt" ] && [ -r /usr/share/keyrings/debian-archive-keyring.gpg ]; then
	signed_opt="[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
fi

# Private apt configuration and state under $build/apt: the system's lists,
# caches and sources are neither read nor written.  The system's apt.conf.d
# is still read (proxy settings etc.); this file is also the "main" config
# file (read after apt.conf.d), so it can drop the system's update hooks
# (PackageKit / AppStream refresh), which concern the system lists only.
aptdir=$build/apt
mkdir -p "$aptdir/state/lists/partial" "$aptdir/cache/archives/partial" \
	"$aptdir/sources.list.d"
printf 'deb-src %s%s %s %s\n' "$signed_opt" "$arch_uri" "$arch_suite" "$arch_comps" \
	>"$aptdir/sources.list"
{
	printf '// generated by mk/deps.sh: private apt setup for fetching source packages\n'
	printf 'Dir::Etc::main "%s";\n' "$aptdir/apt.conf"
	printf 'Dir::Etc::SourceList "%s";\n' "$aptdir/sources.list"
	printf 'Dir::Etc::SourceParts "%s";\n' "$aptdir/sources.list.d"
	printf 'Dir::State "%s";\n' "$aptdir/state"
	printf 'Dir::State::status "/var/lib/dpkg/status";\n'
	printf 'Dir::Cache "%s";\n' "$aptdir/cache"
	printf 'Dir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n'
	[ -r /etc/apt/apt.conf ] && printf '#include "/etc/apt/apt.conf";\n'
	printf '#clear APT::Update::Pre-Invoke;\n'
	printf '#clear APT::Update::Post-Invoke;\n'
	printf '#clear APT::Update::Post-Invoke-Success;\n'
} >"$aptdir/apt.conf"

papt() { APT_CONFIG=$aptdir/apt.conf apt-get -q "$@"; }

say "fetching bearssl source ($(cat "$aptdir/sources.list"))"
apt_update papt update || die "apt-get update (private state in $aptdir) failed"

# apt verifies the files against the hashes in the signed Release/Sources.
src=$build/src
rm -rf "$src"
mkdir -p "$src"
# As root apt downloads as user _apt; let it write there (else it warns and
# downloads unsandboxed as root).
if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$src"; fi
(cd "$src" && papt source --download-only bearssl) >"$aptdir/source.log" 2>&1 || {
	cat "$aptdir/source.log" >&2
	die "apt-get source bearssl failed"
}
if [ "$(id -u)" -eq 0 ]; then chown -R 0:0 "$src"; fi

set -- "$src"/bearssl_*.dsc
if [ $# -ne 1 ] || [ ! -f "$1" ]; then die "expected exactly one bearssl .dsc in $src"; fi
dsc=$1
version=$(sed -n 's/^Version:[[:space:]]*//p' "$dsc")
[ -n "$version" ] || die "no Version in $dsc"

# dpkg-source -x checks the sizes and checksums listed in the .dsc against
# the tarballs.  It also tries to verify the .dsc's OpenPGP signature with
# the Debian developers' keyrings (package debian-keyring); without them it
# only warns "cannot verify inline signature".  That is acceptable: the .dsc
# itself was verified by apt against the Sources index, whose hash is in
# the Release file signed with the Debian archive key.
say "unpacking bearssl $version"
srcdir=$src/bearssl-$version
dpkg-source -x "$dsc" "$srcdir" >"$src/dpkg-source.log" 2>&1 || {
	cat "$src/dpkg-source.log" >&2
	die "dpkg-source -x $dsc failed"
}

# Static library only, with BearSSL's own build system (mk/SingleUnix.mk +
# conf/Unix.mk): target "lib" builds build/libbearssl.a, no DLL/tools/tests.
# BUILD is BearSSL's own output dir (given explicitly so that our BUILD from
# the environment cannot leak in).  The object dir is created up front:
# upstream's rules do not order it before the objects for parallel make.
jobs=$(nproc 2>/dev/null || echo 1)
say "building libbearssl.a with musl-gcc"
mkdir -p "$srcdir/build/obj"
make -C "$srcdir" -j"$jobs" BUILD=build CC=musl-gcc AR=ar \
	CFLAGS="$bearssl_cflags" lib >"$src/make.log" 2>&1 || {
	tail -n 40 "$src/make.log" >&2
	die "building BearSSL failed (full log: $src/make.log)"
}
[ -f "$srcdir/build/libbearssl.a" ] || die "BearSSL build produced no libbearssl.a"

rm -rf "$bearssl_dir"
mkdir -p "$bearssl_dir/lib" "$bearssl_dir/include"
cp "$srcdir/build/libbearssl.a" "$bearssl_dir/lib/"
cp "$srcdir"/inc/*.h "$bearssl_dir/include/"
printf '%s\ncflags %s\n' "$version" "$bearssl_cflags" >"$bearssl_stamp"
say "bearssl $version installed in $bearssl_dir"
