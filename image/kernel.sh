#!/bin/sh
# image/kernel.sh - Debian's kernel for the appliance, never installed on
# the build host.
#
#   sh image/kernel.sh OUTDIR
#
# Resolves the metapackage $KERNEL_PACKAGE (default linux-image-amd64) to
# the versioned image package it depends on, downloads that .deb with
# `apt-get download` (apt checks it against the signed archive indexes),
# unpacks it with `dpkg-deb -x` and runs depmod on the unpacked tree.
# Result:
#   OUTDIR/vmlinuz                  the kernel (Debian's signed build)
#   OUTDIR/tree/lib/modules/KVER/   every module, with modules.dep/.alias
#   OUTDIR/kernel.txt               "package version kver sha256" of the .deb
# A second run with the same candidate version does nothing.  Without
# network the last downloaded .deb is used (said so on stderr).
set -eu

say() { printf 'kernel: %s\n' "$*" >&2; }
die() { printf 'kernel: error: %s\n' "$*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: kernel.sh OUTDIR"
out=$1
meta=${KERNEL_PACKAGE:-linux-image-amd64}
mkdir -p "$out/deb"

# The versioned package: the metapackage's Depends on linux-image-*.
pkg=$(apt-cache depends "$meta" 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1) || true
case $meta in linux-image-[0-9]*) pkg=$meta ;; esac
ver=
[ -z "$pkg" ] || ver=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')
if [ -z "$pkg" ] || [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
	# Offline or no lists: take the newest .deb downloaded before.
	deb=$(find "$out/deb" -name 'linux-image-*.deb' 2>/dev/null | sort -V | tail -n 1) || true
	[ -n "$deb" ] || die "cannot resolve $meta (run apt-get update) and no .deb in $out/deb"
	say "apt cannot resolve $meta; using the cached $(basename "$deb")"
else
	deb=$out/deb/${pkg}_$(printf '%s' "$ver" | sed 's/:/%3a/')_amd64.deb
	if [ ! -s "$deb" ]; then
		say "downloading $pkg $ver"
		# As root apt downloads as user _apt: let it write there.
		if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$out/deb"; fi
		(cd "$out/deb" && apt-get -q download "$pkg=$ver") >"$out/download.log" 2>&1 || {
			cat "$out/download.log" >&2
			die "apt-get download $pkg=$ver failed"
		}
		[ -s "$deb" ] || die "apt-get download left no $deb"
	fi
fi

sum=$(sha256sum "$deb" | cut -d' ' -f1)
pkg=$(dpkg-deb -f "$deb" Package)
ver=$(dpkg-deb -f "$deb" Version)
if [ -s "$out/kernel.txt" ] && [ -f "$out/vmlinuz" ] &&
	[ "$(cut -d' ' -f4 "$out/kernel.txt")" = "$sum" ]; then
	exit 0
fi

say "unpacking $pkg $ver"
rm -rf "$out/tree" "$out/vmlinuz" "$out/kernel.txt"
mkdir -p "$out/tree"
dpkg-deb -x "$deb" "$out/tree"
set -- "$out"/tree/boot/vmlinuz-*
if [ $# -ne 1 ] || [ ! -f "$1" ]; then die "expected one vmlinuz-* in $deb"; fi
kver=${1##*/vmlinuz-}
[ -d "$out/tree/lib/modules/$kver" ] || die "no lib/modules/$kver in $deb"
cp "$1" "$out/vmlinuz"
# Debian's package leaves modules.dep to the postinst's depmod.
depmod -b "$out/tree" "$kver"
printf '%s %s %s %s\n' "$pkg" "$ver" "$kver" "$sum" >"$out/kernel.txt"
say "$pkg $ver (kernel $kver)"
