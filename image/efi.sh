#!/bin/sh
# image/efi.sh - the appliance's UEFI boot chain, Secure Boot signed:
# Debian's shim (signed by Microsoft's UEFI CA), MokManager, and GRUB and
# the kernel (signed by Debian, whose CA shim carries).  Never installed on
# the build host: each .deb is fetched with `apt-get download` (image/deb.sh)
# and unpacked with `dpkg-deb -x`, as image/kernel.sh does the kernel.
#
#   sh image/efi.sh OUTDIR
#
# Result:
#   OUTDIR/shimx64.efi   shim-signed                 -> EFI/BOOT/BOOTX64.EFI
#   OUTDIR/mmx64.efi     shim-helpers-amd64-signed   -> EFI/BOOT/mmx64.efi
#   OUTDIR/grubx64.efi   grub-efi-amd64-signed       -> EFI/BOOT/grubx64.efi
#   OUTDIR/efi.txt       "package version sha256" of each .deb
# fbx64.efi (shim's fallback) is left out on purpose: next to BOOTX64.EFI
# shim would run it instead of GRUB, and it writes boot entries into the
# PC's NVRAM.  A second run with the same .debs does nothing.
set -eu

say() { printf 'efi: %s\n' "$*" >&2; }
die() { printf 'efi: error: %s\n' "$*" >&2; exit 1; }

. "$(dirname "$0")/deb.sh"
[ $# -eq 1 ] || die "usage: efi.sh OUTDIR"
out=$1

# PACKAGE FILE-IN-THE-DEB NAME, one a line.
files='shim-signed usr/lib/shim/shimx64.efi.signed shimx64.efi
shim-helpers-amd64-signed usr/lib/shim/mmx64.efi.signed mmx64.efi
grub-efi-amd64-signed usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed grubx64.efi'

list=$(printf '%s\n' "$files" | while read -r p _ _; do
	deb=$(deb_fetch "$out/deb" "$p")
	printf '%s %s %s\n' "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)" \
		"$(sha256sum "$deb" | cut -d' ' -f1)"
done)
done=1
for n in shimx64.efi mmx64.efi grubx64.efi; do [ -s "$out/$n" ] || done=; done
if [ -n "$done" ] && [ -s "$out/efi.txt" ] && [ "$(cat "$out/efi.txt")" = "$list" ]; then
	exit 0
fi

rm -rf "$out/tree" "$out/efi.txt"
mkdir -p "$out/tree"
printf '%s\n' "$files" | while read -r p f n; do
	deb=$(deb_fetch "$out/deb" "$p")
	say "unpacking $(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)"
	dpkg-deb -x "$deb" "$out/tree"
	[ -s "$out/tree/$f" ] || die "no $f in $deb"
	cp "$out/tree/$f" "$out/$n"
done
rm -rf "$out/tree"
printf '%s\n' "$list" >"$out/efi.txt"
