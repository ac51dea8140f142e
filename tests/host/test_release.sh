#!/bin/sh
# The published image (mk/release.sh, `make release`): built twice from
# this commit -- the initramfs too, in two work folders -- the two are the
# same bytes; SHA256SUMS checks; it is at most 64 MiB compressed; it
# names the version `pxestick --version` says; and it is the appliance's
# disk: GPT, the PXESTICK partition, FAT clean, no ISO and no key on it.
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
check "a GPT disk with the PXESTICK partition" sh -c "
	sfdisk --json '$TMPD/p.img' | grep -q '\"name\": \"PXESTICK\"' && sfdisk --verify '$TMPD/p.img'"
start=$(sfdisk --json "$TMPD/p.img" | python3 -c 'import json,sys; print(json.load(sys.stdin)["partitiontable"]["partitions"][0]["start"])')
export MTOOLS_SKIP_CHECK=1
check "its FAT is clean, with the loaders, the README and a pxestick.conf" sh -c "
	dd if='$TMPD/p.img' of='$TMPD/part.img' bs=512 skip=$start status=none &&
	fsck.fat -n '$TMPD/part.img' &&
	mdir -i '$TMPD/part.img' ::/EFI/BOOT | grep -qi bootx64 &&
	mtype -i '$TMPD/part.img' ::/README.txt | grep -q . &&
	mtype -i '$TMPD/part.img' ::/pxestick.conf | grep -q 'http-port'"
check "no ISO and no key on it: every technician brings theirs" sh -c "
	! mdir -i '$TMPD/part.img' ::/isos | grep -qi '\.iso' &&
	! mdir -i '$TMPD/part.img' :: | grep -qi authorized"
host_done
