#!/bin/sh
# mk/release.sh - the published image: one for every stick.
#
#   sh mk/release.sh OUTDIR [WORKDIR]
#
# Builds the initramfs from the static binary ($BUILD/pxestick) and the
# Debian kernel (default $BUILD/image/kernel: image/kernel.sh) and takes
# Debian's signed shim and GRUB ($BUILD/image/efi: image/efi.sh)
# in WORKDIR (default $BUILD/release-work), the disk image with no ISO and
# no key (the technician copies theirs onto the stick: docs/FLASHING.md),
# and writes:
#   OUTDIR/pxestick-VERSION.img.zst   the raw image, zstd -19
#   OUTDIR/SHA256SUMS                 its SHA-256, as sha256sum -c reads it
# VERSION is what `pxestick --version` says (mk/version.sh).  Reproducible:
# every time stamp is the commit's (SOURCE_DATE_EPOCH), the GUIDs and FAT
# serial derive from it, the compressor runs single-threaded with fixed
# parameters -- two builds of one commit are the same bytes
# (tests/host/test_release.sh builds twice and compares).  The compressed
# image must stay at most RELEASE_MAX_MIB (64) MiB.
set -eu
die() { printf 'release: error: %s\n' "$*" >&2; exit 1; }
say() { printf 'release: %s\n' "$*" >&2; }

[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: release.sh OUTDIR [WORKDIR]"
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
out=$1
work=${2:-$BUILD/release-work}
max=${RELEASE_MAX_MIB:-64}
PXESTICK_BIN=${PXESTICK_BIN:-$BUILD/pxestick}
export PXESTICK_BIN
[ -x "$PXESTICK_BIN" ] || die "$PXESTICK_BIN missing (make)"
version=$("$PXESTICK_BIN" --version | sed -n '1s/^pxestick //p')
[ "$version" = "$(sh "$top/mk/version.sh")" ] ||
	die "$PXESTICK_BIN says \"$version\", this checkout is $(sh "$top/mk/version.sh"): make first"
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git -C "$top" log -1 --format=%ct 2>/dev/null) || SOURCE_DATE_EPOCH=0
fi
export SOURCE_DATE_EPOCH

mkdir -p "$work" "$out"
kernel=${KERNEL_DIR:-$BUILD/image/kernel}
efi=${EFI_DIR:-$BUILD/image/efi}
[ -s "$kernel/kernel.txt" ] || die "$kernel/kernel.txt missing (make image-parts)"
[ -s "$efi/efi.txt" ] || die "$efi/efi.txt missing (make image-parts)"
[ -e "$work/kernel" ] || ln -s "$(cd "$kernel" && pwd)" "$work/kernel"
[ -e "$work/efi" ] || ln -s "$(cd "$efi" && pwd)" "$work/efi"
sh "$top/image/initramfs.sh" "$work" >/dev/null
img=$out/pxestick-$version.img
sh "$top/image/mkimage.sh" "$work" "$img" 2>/dev/null
rm -f "$img.zst"
zstd -q -19 -T1 --no-progress "$img" -o "$img.zst"
rm -f "$img"
(cd "$out" && sha256sum "pxestick-$version.img.zst" > SHA256SUMS)
size=$(stat -c %s "$img.zst")
say "$img.zst: $((size / 1024)) KiB compressed; $(cut -c1-16 "$out/SHA256SUMS")..."
[ "$size" -le $((max * 1048576)) ] || die "$img.zst is $((size / 1048576)) MiB: over $max MiB"
