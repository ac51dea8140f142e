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

. "$(dirname "$0")/deb.sh"
[ $# -eq 1 ] || die "usage: kernel.sh OUTDIR"
out=$1
meta=${KERNEL_PACKAGE:-linux-image-amd64}

# The versioned package: the metapackage's Depends on linux-image-*.
pkg=$(apt-cache depends "$meta" 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1) || true
case $meta in linux-image-[0-9]*) pkg=$meta ;; esac
deb=$(deb_fetch "$out/deb" "$pkg" 'linux-image-*.deb')

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
