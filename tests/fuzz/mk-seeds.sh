#!/bin/sh
# Regenerate the ISO seed corpus (committed: small images made by xorriso
# and genisoimage, stored from sector 16 on as fuzz_iso expects).
set -eu
out=$(cd "$(dirname "$0")" && pwd)/corpus/iso
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/t/arch/boot/x86_64" "$tmp/t/loader/entries" "$tmp/t/d1/d2/d3/d4/d5/d6/d7/d8/d9"
printf 'k' > "$tmp/t/arch/boot/x86_64/vmlinuz-linux"
printf 'title Arch\nlinux /arch/boot/x86_64/vmlinuz-linux\n' > "$tmp/t/loader/entries/01.conf"
printf 'x' > "$tmp/t/d1/d2/d3/d4/d5/d6/d7/d8/d9/deep.txt"
: > "$tmp/t/empty"
ln -s arch/boot "$tmp/t/link"
ln -s /loader/entries/01.conf "$tmp/t/abs"
printf 'b' > "$tmp/t/boot.img"
# Drop the system area and the trailing zero padding (fuzz_iso reads zeros there).
strip16() { python3 -c 'import sys; d=open(sys.argv[1],"rb").read()[32768:]; open(sys.argv[2],"wb").write(d.rstrip(b"\0"))' "$1" "$2"; }
export SOURCE_DATE_EPOCH=1725194401
xorriso -as mkisofs -quiet -iso-level 3 -full-iso9660-filenames -joliet -joliet-long \
	-rational-rock -volid ARCH_202409 -b boot.img -no-emul-boot -boot-load-size 4 \
	-o "$tmp/a.iso" "$tmp/t" 2>/dev/null
strip16 "$tmp/a.iso" "$out/xorriso-rr-joliet-eltorito"
genisoimage -quiet -R -J -o "$tmp/b.iso" "$tmp/t" 2>/dev/null
strip16 "$tmp/b.iso" "$out/genisoimage-rr-relocated"
genisoimage -quiet -o "$tmp/c.iso" "$tmp/t" 2>/dev/null
strip16 "$tmp/c.iso" "$out/plain-level1"
genisoimage -quiet -J -o "$tmp/d.iso" "$tmp/t" 2>/dev/null
strip16 "$tmp/d.iso" "$out/joliet-only"
ls -la "$out"
