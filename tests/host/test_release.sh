#!/bin/sh
# The published image (mk/release.sh, `make release`): built twice from
# this commit -- the initramfs too, in two work folders -- the two are the
# same bytes; SHA256SUMS checks; it is at most 64 MiB compressed; it
# names the version `pxestick --version` says; and it is the appliance's
# disk (image/mkimage.sh): GPT, PXEBOOT at 1 MiB with the loaders, then
# PXESTICK, physically last, with the README and a pxestick.conf; both
# FATs clean; no ISO and no key on either.
. tests/host/lib.sh
if [ ! -s "$BUILD/image/kernel/kernel.txt" ] || [ ! -s "$BUILD/image/efi/efi.txt" ]; then
	not_ok "release: $BUILD/image/kernel or efi missing (make image-parts)"
	exit 1
fi
version=$("$PXESTICK" --version | sed -n '1s/^pxestick //p')
for n in 1 2; do
	BUILD=$BUILD sh mk/release.sh "$TMPD/out$n" "$TMPD/work$n" > "$TMPD/release$n.log" 2>&1 ||
		{ not_ok "release: build $n"; sed 's/^/# /' "$TMPD/release$n.log"; exit 1; }
done
z=pxestick-$version.img.zst
check "the image is named after the version pxestick --version says ($version)" \
	test -s "$TMPD/out1/$z"
check "two builds (initramfs and image) are the same bytes" sh -c "
	cmp '$TMPD/out1/$z' '$TMPD/out2/$z' && cmp '$TMPD/out1/SHA256SUMS' '$TMPD/out2/SHA256SUMS' &&
	cmp '$TMPD/work1/initrd.img' '$TMPD/work2/initrd.img'"
check "SHA256SUMS checks with sha256sum -c" sh -c "cd '$TMPD/out1' && sha256sum -c SHA256SUMS"
size=$(stat -c %s "$TMPD/out1/$z")
check "at most 64 MiB compressed ($((size / 1024)) KiB)" test "$size" -le 67108864
zstd -q -d "$TMPD/out1/$z" -o "$TMPD/p.img"
# The partitions by name (entry 1, PXESTICK, lies after entry 2, PXEBOOT).
disk=$(($(stat -c %s "$TMPD/p.img") / 512))
boot=$(gpt_part "$TMPD/p.img" PXEBOOT)
boot=${boot:-0 0}
data=$(gpt_part "$TMPD/p.img" PXESTICK)
data=${data:-0 0}
layout_ok() {
	echo "PXEBOOT: $boot; PXESTICK: $data; $disk sectors"
	[ "${boot% *}" -eq 2048 ] && [ "${data% *}" -eq $((${boot% *} + ${boot#* })) ] &&
		[ $((${data% *} + ${data#* })) -eq $((disk - 2048)) ] && sfdisk --verify "$TMPD/p.img"
}
check "a GPT disk: PXEBOOT at 1 MiB, then PXESTICK to the last MiB (sfdisk --verify clean)" layout_ok
export MTOOLS_SKIP_CHECK=1
part_out "$TMPD/p.img" PXEBOOT "$TMPD/boot.img"
part_out "$TMPD/p.img" PXESTICK "$TMPD/data.img"
check "PXEBOOT: fsck.fat finds its FAT clean" fat_clean "$TMPD/boot.img"
boot_files() {
	mdir -/ -a -b -i "$TMPD/boot.img" :: > "$TMPD/boot.files" || return 1
	for f in EFI/BOOT/BOOTX64.EFI EFI/debian/grub.cfg boot/syslinux/ldlinux.sys \
		boot/syslinux/syslinux.cfg boot/vmlinuz boot/initrd.img; do
		grep -qix "::/$f" "$TMPD/boot.files" || { echo "no $f on PXEBOOT"; return 1; }
	done
}
check "PXEBOOT holds the loaders, the kernel and the initramfs" boot_files
check "PXESTICK: fsck.fat finds its FAT clean" fat_clean "$TMPD/data.img"
check "PXESTICK holds the README and a pxestick.conf" sh -c "
	mtype -i '$TMPD/data.img' ::/README.txt | grep -q . &&
	mtype -i '$TMPD/data.img' ::/pxestick.conf | grep -q 'http-port'"
no_iso_no_key() {
	mdir -/ -a -b -i "$TMPD/boot.img" :: > "$TMPD/files" &&
		mdir -/ -a -b -i "$TMPD/data.img" :: >> "$TMPD/files" || return 1
	cat "$TMPD/files"
	grep -qix '::/isos/' "$TMPD/files" && ! grep -Eqi '\.iso$|authorized' "$TMPD/files"
}
check "no ISO and no key on either partition: every technician brings theirs" no_iso_no_key
host_done
