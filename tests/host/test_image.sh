#!/bin/sh
# The appliance's disk image as a file: GPT and protective MBR with
# gptmbr.bin; two FAT32 partitions, each clean for fsck.fat and filling
# its GPT entry: PXEBOOT (entry 2) at 1 MiB, an EFI system partition marked
# LegacyBIOSBootable, with syslinux in its boot sector, both boot loaders
# (syslinux; Debian's signed shim and GRUB), their configs, the kernel and
# initramfs; then PXESTICK (entry 1), basic data, physically last (what
# `pxestick stick grow` grows) with the technician's files -- neither
# holding the other's files; the initramfs' contents (static pxestick and
# busybox, the iPXE binaries, modules with every dependency); the stick's
# pxestick.conf (every key of `pxestick serve --help`, all valid when
# uncommented); the sizes; and reproducibility (the same bytes twice).
# Builds its images from the parts in build/image (make image-parts), as
# `make image` does.
. tests/host/lib.sh

WORK=$BUILD/image
ISO=$FIXTURES/archiso/archiso.iso
KEYS=$FIXTURES/keys/ed25519.pub
MiB=1048576
ESP=C12A7328-F81F-11D2-BA4B-00A0C93EC93B
DATA=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7
for f in "$WORK/initrd.img" "$WORK/kernel/vmlinuz" "$WORK/efi/shimx64.efi" "$ISO" "$KEYS"; do
	if [ ! -f "$f" ]; then
		not_ok "image: $f missing (make image-parts fixtures)"
		exit 1
	fi
done
export MTOOLS_SKIP_CHECK=1

# mkimg OUT ARGS...: a variant from the same parts.
mkimg() {
	o=$1
	shift
	PXESTICK_BIN=$PXESTICK sh image/mkimage.sh "$@" "$WORK" "$o"
}

# at IMAGE NAME: mtools' name for the FAT in IMAGE's partition NAME
# (IMAGE@@BYTES), found in the GPT, not assumed; a name mtools cannot open
# when there is no such partition.
at() {
	at_p=$(gpt_part "$1" "$2")
	if [ -z "$at_p" ]; then
		echo "$1: no partition $2" >&2
		echo "$TMPD/no-partition-$2"
		return 1
	fi
	echo "$1@@$((${at_p% *} * 512))"
}
# fat_cat IMAGE NAME PATH: a text file of partition NAME on stdout.
fat_cat() {
	mtype -i "$(at "$1" "$2")" "::/$3"
}
# fat_cmp IMAGE NAME PATH FILE: that file of partition NAME is FILE, byte for byte.
fat_cmp() {
	rm -f "$TMPD/fat.out"
	mcopy -n -i "$(at "$1" "$2")" "::/$3" "$TMPD/fat.out" && cmp "$TMPD/fat.out" "$4"
}
# fat_ls IMAGE NAME: every directory and file of partition NAME, one
# "::/PATH" a line (directories end in /), lower case (FAT ignores case),
# sorted.
fat_ls() {
	mdir -/ -a -b -i "$(at "$1" "$2")" :: | tr A-Z a-z | LC_ALL=C sort
}
# entries IMAGE: IMAGE's GPT entries, one "N NAME START SIZE TYPE ATTRS" a
# line (N: the entry's number, ATTRS "-" for none), as sfdisk reads them.
entries() {
	sfdisk --json "$1" | python3 -c '
import json, re, sys
for p in json.load(sys.stdin)["partitiontable"]["partitions"]:
    n = re.search(r"([0-9]+)$", p["node"]).group(1)
    print(n, p["name"], p["start"], p["size"], p["type"], p.get("attrs", "-"))'
}
# bpb IMAGE NAME OFFSET: the 32-bit field at OFFSET of partition NAME's FAT
# boot sector, in decimal.
bpb() {
	bpb_p=$(gpt_part "$1" "$2")
	[ -n "$bpb_p" ] || return 1
	od -An -tu4 -j $((${bpb_p% *} * 512 + $3)) -N4 "$1" | tr -d ' '
}
# layout IMAGE: the two partitions as mkimage.sh lays them out, for IMAGE's
# size: PXEBOOT (entry 2) at LBA 2048, whole MiB, at least BOOT_MIB (64);
# PXESTICK (entry 1) right after it and to 1 MiB before the disk's end
# (the last MiB: the backup GPT and alignment); sfdisk --verify clean.
# Leaves the entries in $TMPD/entries.
layout() {
	entries "$1" >"$TMPD/entries" || return 1
	cat "$TMPD/entries"
	sfdisk --verify "$1" 2>&1 | grep -q '^No errors detected' || { sfdisk --verify "$1"; return 1; }
	awk -v disk=$(($(stat -c %s "$1") / 512)) -v esp=$ESP -v data=$DATA '
		$1 == 2 && $2 == "PXEBOOT" && $3 == 2048 && $4 >= 64 * 2048 && $4 % 2048 == 0 &&
			$5 == esp && $6 == "LegacyBIOSBootable" { boot_end = $3 + $4; nb++ }
		$1 == 1 && $2 == "PXESTICK" && $4 % 2048 == 0 && $3 + $4 == disk - 2048 &&
			$5 == data && $6 == "-" { data_start = $3; nd++ }
		END { exit !(NR == 2 && nb == 1 && nd == 1 && data_start == boot_end) }' "$TMPD/entries"
}

# ---- the generic image (what plain `make image` makes): disk layout ----------
IMG=$TMPD/pxestick.img
mkimg "$IMG" 2>"$TMPD/mk.err"
check "image: mkimage.sh makes the generic image" sh -c 'cat "$1"; test -s "$0"' "$IMG" "$TMPD/mk.err"
entries "$IMG" >"$TMPD/entries" 2>&1
check "image: a GPT with two entries, sfdisk --verify and sgdisk -v find no problem" sh -c '
	cat "$1"; [ "$(wc -l <"$1")" -eq 2 ] &&
	sfdisk --verify "$0" 2>&1 | grep -q "^No errors detected" &&
	sgdisk -v "$0" | grep -q "^No problems found"' "$IMG" "$TMPD/entries"
check "image: entry 2 PXEBOOT at 1 MiB (LBA 2048), at least 64 MiB, EFI system partition (firmware looks there)" \
	awk -v esp=$ESP '$1 == 2 { f = $2 == "PXEBOOT" && $3 == 2048 && $4 >= 64 * 2048 && $4 % 2048 == 0 && $5 == esp }
		END { exit !f }' "$TMPD/entries"
check "image: PXEBOOT alone is LegacyBIOSBootable (gptmbr.bin boots the first entry marked so)" sh -c \
	'[ "$(grep -c " LegacyBIOSBootable$" "$0")" -eq 1 ] && grep -q "^2 PXEBOOT .* LegacyBIOSBootable$" "$0"' \
	"$TMPD/entries"
boot=$(gpt_part "$IMG" PXEBOOT)
boot=${boot:-0 0}
DATA_START=$((${boot% *} + ${boot#* }))
check "image: entry 1 PXESTICK, basic data (every desktop OS mounts it), physically last: LBA $DATA_START to 1 MiB before the end" \
	grep -qx "1 PXESTICK $DATA_START $(($(stat -c %s "$IMG") / 512 - 2048 - DATA_START)) $DATA -" "$TMPD/entries"
check "image: the layout mkimage.sh promises (PXESTICK right after PXEBOOT, whole MiB)" layout "$IMG"
mbr_ok() {
	dd if="$IMG" bs=440 count=1 status=none | cmp - /usr/lib/syslinux/mbr/gptmbr.bin &&
		[ "$(od -An -tx1 -j 450 -N1 "$IMG" | tr -d ' ')" = ee ] &&
		[ "$(od -An -tx1 -j 510 -N2 "$IMG" | tr -d ' ')" = 55aa ]
}
check "image: protective MBR (type EE, 55AA) with syslinux's gptmbr.bin as boot code" mbr_ok
for p in PXEBOOT PXESTICK; do
	check "image: $p is FAT32 labelled $p" sh -c \
		'minfo -i "$0" :: | grep "^disk type=" | grep -q "\"FAT32   \"" &&
		 mlabel -s -i "$0" :: | tee /dev/stderr | grep -q "^ Volume label is $1 *\$"' \
		"$(at "$IMG" $p)" $p
	part_out "$IMG" $p "$TMPD/$p.part"
	check "image: fsck.fat finds $p clean" fat_clean "$TMPD/$p.part"
	# syslinux's boot code finds ldlinux.sys through the hidden sectors; a
	# FAT larger than its partition would spill into the next.
	check "image: $p's FAT fills its partition (BPB: hidden sectors = start, sectors = size)" sh -c \
		'[ "$0" = "$1 $2" ] || { echo "partition $0, BPB $1 $2"; exit 1; }' \
		"$(gpt_part "$IMG" $p)" "$(bpb "$IMG" $p 28)" "$(bpb "$IMG" $p 32)"
done
check "image: the two FATs have different serial numbers (by-uuid names both)" \
	test "$(bpb "$IMG" PXEBOOT 67)" != "$(bpb "$IMG" PXESTICK 67)"
check "image: PXEBOOT's boot sector is syslinux's, its FAT32 backup is the same" sh -c \
	'dd if="$0" bs=1 skip=3 count=8 status=none | grep -q SYSLINUX &&
	 dd if="$0" bs=512 count=1 status=none >"$1/bs0" && dd if="$0" bs=512 skip=6 count=1 status=none | cmp - "$1/bs0"' \
	"$TMPD/PXEBOOT.part" "$TMPD"
check "image: PXESTICK's boot sector is not syslinux's (nothing boots the data partition)" sh -c \
	'! dd if="$0" bs=512 count=1 status=none | grep -aq SYSLINUX' "$TMPD/PXESTICK.part"

# ---- the generic image: files ------------------------------------------------------
fat_ls "$IMG" PXEBOOT >"$TMPD/boot.files" 2>&1
fat_ls "$IMG" PXESTICK >"$TMPD/data.files" 2>&1
BOOT_FILES="EFI/BOOT/BOOTX64.EFI EFI/BOOT/grubx64.efi EFI/BOOT/mmx64.efi EFI/debian/grub.cfg
	boot/syslinux/syslinux.cfg boot/syslinux/ldlinux.sys boot/syslinux/ldlinux.c32
	boot/vmlinuz boot/initrd.img"
for f in $BOOT_FILES; do
	check "image: $f on PXEBOOT" grep -qix "::/$f" "$TMPD/boot.files"
done
for f in README.txt pxestick.conf isos/; do
	check "image: $f on PXESTICK" grep -qix "::/$f" "$TMPD/data.files"
done
# with_dirs: each path read (no trailing /) and the folders it is in, as
# fat_ls prints them.
with_dirs() {
	while read -r wd_f; do
		wd_d=$wd_f
		while [ "${wd_d%/*}" != "$wd_d" ]; do
			wd_d=${wd_d%/*}
			echo "::/$wd_d/"
		done
		echo "::/$wd_f"
	done | tr A-Z a-z | LC_ALL=C sort -u
}
# shellcheck disable=SC2086
printf '%s\n' $BOOT_FILES | with_dirs >"$TMPD/boot.want"
# The technician's files are not on the partition the desktops hide.
check "image: PXEBOOT holds the boot files, their folders and nothing else" \
	diff "$TMPD/boot.want" "$TMPD/boot.files"
check "image: no boot file on PXESTICK (no EFI/, no boot/)" sh -c \
	'cat "$0"; ! grep -Eq "^::/(efi|boot)/" "$0"' "$TMPD/data.files"
check "image: PXESTICK holds README.txt, pxestick.conf and an empty isos/, nothing else" sh -c \
	'printf "::/isos/\n::/pxestick.conf\n::/readme.txt\n" | diff - "$0"' "$TMPD/data.files"
check "image: no authorized_keys in the generic image" sh -c \
	'! grep -qx "::/authorized_keys" "$0" "$1"' "$TMPD/boot.files" "$TMPD/data.files"
check "image: no systemd-boot entries, no shim fallback (fbx64.efi)" sh -c \
	'! grep -Eq "^::/(loader/|efi/boot/fbx64\.efi)" "$0" "$1"' "$TMPD/boot.files" "$TMPD/data.files"
check "image: BOOTX64.EFI is Debian's shim (image/efi.sh)" fat_cmp "$IMG" PXEBOOT EFI/BOOT/BOOTX64.EFI "$WORK/efi/shimx64.efi"
check "image: EFI/BOOT/grubx64.efi is Debian's signed GRUB" fat_cmp "$IMG" PXEBOOT EFI/BOOT/grubx64.efi "$WORK/efi/grubx64.efi"
check "image: EFI/BOOT/mmx64.efi is shim's MokManager" fat_cmp "$IMG" PXEBOOT EFI/BOOT/mmx64.efi "$WORK/efi/mmx64.efi"
# The certificates in each PE's signature: Microsoft's UEFI CA signed shim,
# Debian's key GRUB and the kernel (shim carries Debian's CA).
signed_by() {
	LC_ALL=C grep -aq "$2" "$1" || { echo "$1: no '$2' in its signature"; return 1; }
}
check "image: shim is signed by Microsoft's UEFI CA" signed_by "$WORK/efi/shimx64.efi" 'Microsoft Corporation UEFI CA'
check "image: GRUB is signed by Debian" signed_by "$WORK/efi/grubx64.efi" 'Debian Secure Boot Signer'
check "image: the kernel is signed by Debian" signed_by "$WORK/kernel/vmlinuz" 'Debian Secure Boot Signer'
check "image: GRUB's built-in prefix is /EFI/debian (where grub.cfg goes)" signed_by "$WORK/efi/grubx64.efi" '/EFI/debian'
check "image: efi.txt names the three packages" sh -c \
	'for p in shim-signed shim-helpers-amd64-signed grub-efi-amd64-signed; do grep -q "^$p " "$0" || exit 1; done' "$WORK/efi/efi.txt"
check "image: boot/vmlinuz is the Debian kernel" fat_cmp "$IMG" PXEBOOT boot/vmlinuz "$WORK/kernel/vmlinuz"
check "image: boot/initrd.img is the built initramfs" fat_cmp "$IMG" PXEBOOT boot/initrd.img "$WORK/initrd.img"
entries_ok() {
	g=$(fat_cat "$IMG" PXEBOOT EFI/debian/grub.cfg) && s=$(fat_cat "$IMG" PXEBOOT boot/syslinux/syslinux.cfg) || return 1
	printf '%s\n---\n%s\n' "$g" "$s"
	printf '%s\n' "$g" | grep -q '^set timeout=0$' &&
		printf '%s\n' "$g" | grep -q '^if serial --unit=0 --speed=115200; then$' &&
		printf '%s\n' "$g" | grep -q '^	terminal_output --append serial$' &&
		printf '%s\n' "$g" | grep -q '^	linux /boot/vmlinuz console=ttyS0,115200 console=tty1 quiet$' &&
		printf '%s\n' "$g" | grep -q '^	initrd /boot/initrd.img$' &&
		printf '%s\n' "$s" | grep -q '^  LINUX /boot/vmlinuz$' &&
		printf '%s\n' "$s" | grep -q '^  INITRD /boot/initrd.img$' &&
		printf '%s\n' "$s" | grep -q '^  APPEND .*console=ttyS0,115200 console=tty1'
}
check "image: GRUB's and syslinux's configs boot /boot/vmlinuz with /boot/initrd.img" entries_ok
extra_ok() {
	CMDLINE_EXTRA=pxestick.debug=1 mkimg "$TMPD/x.img" 2>/dev/null &&
		fat_cat "$TMPD/x.img" PXEBOOT EFI/debian/grub.cfg | grep -q "^	linux /boot/vmlinuz .* quiet pxestick.debug=1$" &&
		fat_cat "$TMPD/x.img" PXEBOOT boot/syslinux/syslinux.cfg | grep -q "^  APPEND .* quiet pxestick.debug=1$"
}
check "image: CMDLINE_EXTRA reaches both configs" extra_ok
# 1 MiB (MBR, GPT, alignment) + PXEBOOT's 64 + PXESTICK's 36 (FAT32's
# least, with room) + 1 (the backup GPT): what a download costs.
size=$(stat -c %s "$IMG")
check "image: the generic image is 102 MiB: 1 + 64 (PXEBOOT) + 36 (PXESTICK) + 1 ($((size / MiB)) MiB)" \
	test "$size" -eq $((102 * MiB))
# The first boot copies the technician's files onto PXEBOOT while it
# remakes PXESTICK (mkimage.sh: 16 MiB of room).
boot_free() {
	free=$(mdir -i "$(at "$IMG" PXEBOOT)" :: | sed -n 's/ *\([0-9 ]*\) bytes free/\1/p' | tr -d ' ')
	echo "PXEBOOT: ${free:-?} bytes free"
	[ "${free:-0}" -ge $((16 * MiB)) ]
}
check "image: PXEBOOT has 16 MiB free" boot_free

# ---- pxestick.conf on the stick ------------------------------------------------
fat_cat "$IMG" PXESTICK pxestick.conf >"$TMPD/stick.conf"
conf_keys_ok() {
	"$PXESTICK" serve --help | sed -n 's/^  --\([a-z][a-z0-9-]*\) .*/\1/p' >"$TMPD/keys"
	[ -s "$TMPD/keys" ] || return 1
	rc=0
	while read -r k; do
		grep -q "^#$k = " "$TMPD/stick.conf" || grep -q "^#$k =$" "$TMPD/stick.conf" ||
			{ echo "no '#$k = ...' line"; rc=1; }
	done <"$TMPD/keys"
	return $rc
}
check "stick pxestick.conf: every key of 'pxestick serve --help' is there, commented" conf_keys_ok
check "stick pxestick.conf: nothing is set (every line a comment or blank)" sh -c \
	'! grep -v "^#" "$0" | grep -q .' "$TMPD/stick.conf"
check "stick pxestick.conf: uncommented, every line is valid for pxestick" sh -c \
	'sed "s/^#\([a-z]\)/\1/" "$0" >"$0.on" && "$1" serve --config "$0.on" --check-config' \
	"$TMPD/stick.conf" "$PXESTICK"
check "stick pxestick.conf: a key missing from image/conf-defaults.txt stops the build" sh -c \
	'grep -v "^menu-timeout " image/conf-defaults.txt >"$0/d.txt"; ! sh image/stick-conf.sh "$1" "$0/d.txt" >/dev/null 2>&1' \
	"$TMPD" "$PXESTICK"

# ---- the initramfs -------------------------------------------------------------------
zstd -q -dc "$WORK/initrd.img" >"$TMPD/initrd.cpio"
cpio -t --quiet <"$TMPD/initrd.cpio" >"$TMPD/initrd.list" 2>/dev/null
check "initramfs: zstd-compressed newc cpio" test -s "$TMPD/initrd.list"
for f in init bin/busybox bin/sh sbin/modprobe sbin/udhcpc usr/bin/pxestick dev/console \
	etc/inittab etc/passwd usr/libexec/pxestick/boot usr/libexec/pxestick/run \
	usr/lib/pxestick/undionly.kpxe usr/lib/pxestick/ipxe.efi usr/lib/pxestick/snponly.efi; do
	check "initramfs: $f" grep -qx "$f" "$TMPD/initrd.list"
done
mkdir -p "$TMPD/x"
(cd "$TMPD/x" && cpio -id --quiet usr/bin/pxestick bin/busybox 'lib/modules/*' 2>/dev/null) <"$TMPD/initrd.cpio"
check "initramfs: pxestick is statically linked" sh -c \
	'file "$0" | tee /dev/stderr | grep -q "statically linked"' "$TMPD/x/usr/bin/pxestick"
check "initramfs: pxestick is the one built" cmp "$TMPD/x/usr/bin/pxestick" "$PXESTICK"
# The hypervisors' NICs and disk controllers (docs/VMS.md), with modules.alias
# entries so the hotplug loads them.
for m in vmxnet3 vmw_pvscsi mptsas mptspi hv_vmbus hv_netvsc hv_storvsc hyperv-keyboard \
	xen-netfront xen-blkfront; do
	check "initramfs: the VM driver $m" sh -c '
		find "$0/lib/modules" -name "$1.ko*" | grep -q . &&
		grep -q "$(echo "$1" | tr - _)\$" "$0"/lib/modules/*/modules.alias' "$TMPD/x" "$m"
done
check "initramfs: busybox is statically linked" sh -c \
	'file "$0" | grep -q "statically linked"' "$TMPD/x/bin/busybox"
for f in undionly.kpxe ipxe.efi snponly.efi; do
	check "initramfs: $f is Debian's" sh -c \
		'cd "$0" && cpio -i --quiet --to-stdout "usr/lib/pxestick/$1" <"$0/../initrd.cpio" | cmp - "/usr/lib/ipxe/$1"' \
		"$TMPD/x" "$f"
done
set -- "$TMPD"/x/lib/modules/*/modules.dep
mods=$(dirname "$1")
for m in e1000e r8169 igb tg3 virtio_net xhci_pci ehci_pci usb_storage uas sd_mod ahci nvme \
	vfat exfat nls_ascii nls_utf8 r8152; do
	check "initramfs: module $m" grep -q "/$(echo "$m" | sed 's/_/[-_]/g')\.ko:" "$mods/modules.dep"
done
deps_ok() {
	rc=0
	tr ' ' '\n' <"$mods/modules.dep" | sed 's/:$//' | sed '/^$/d' | sort -u >"$TMPD/depfiles"
	while read -r f; do [ -f "$mods/$f" ] || { echo "missing $f"; rc=1; }; done <"$TMPD/depfiles"
	return $rc
}
check "initramfs: every module modules.dep names is there" deps_ok
check "initramfs: modules.alias has the PCI aliases modprobe needs" grep -q '^alias pci:v00008086d000010D3.* e1000e$' "$mods/modules.alias"
check "initramfs: no sound, GPU or wireless drivers" sh -c \
	'! grep -Eq "^kernel/(sound|drivers/gpu|drivers/net/wireless)/" "$0"' "$mods/modules.picked"

# ---- an image with an ISO, keys and a config -------------------------------------
printf 'menu-timeout = 5\n' >"$TMPD/my.conf"
mkimg "$TMPD/iso.img" --iso "$ISO" --keys "$KEYS" --conf "$TMPD/my.conf" 2>"$TMPD/mk.err"
check "image with ISO: built, with the same two partitions" layout "$TMPD/iso.img"
check "image with ISO: isos/archiso.iso on PXESTICK is the ISO" fat_cmp "$TMPD/iso.img" PXESTICK isos/archiso.iso "$ISO"
check "image with ISO: authorized_keys on PXESTICK is the keys file" fat_cmp "$TMPD/iso.img" PXESTICK authorized_keys "$KEYS"
check "image with ISO: pxestick.conf on PXESTICK is the given config" fat_cmp "$TMPD/iso.img" PXESTICK pxestick.conf "$TMPD/my.conf"
check "image with ISO: PXEBOOT holds the boot files and nothing else (no ISO, keys or config)" sh -c \
	'mdir -/ -a -b -i "$0" :: | tr A-Z a-z | LC_ALL=C sort | diff "$1" -' \
	"$(at "$TMPD/iso.img" PXEBOOT)" "$TMPD/boot.want"
fits() {
	isz=$(stat -c %s "$ISO")
	free=$(mdir -i "$(at "$TMPD/iso.img" PXESTICK)" :: | sed -n 's/ *\([0-9 ]*\) bytes free/\1/p' | tr -d ' ')
	echo "ISO $isz bytes, PXESTICK: ${free:-?} bytes free"
	[ "${free:-0}" -ge $((4 * MiB)) ]
}
check "image with ISO: PXESTICK sized to fit it with room to spare" fits
for p in PXEBOOT PXESTICK; do
	part_out "$TMPD/iso.img" $p "$TMPD/iso.part"
	check "image with ISO: fsck.fat finds $p clean" fat_clean "$TMPD/iso.part"
done

# ---- --size: PXEBOOT stays, PXESTICK takes the rest ------------------------------------
# spc IMAGE NAME: partition NAME's sectors per cluster.
spc() {
	minfo -i "$(at "$1" "$2")" :: | sed -n 's/^cluster size: \([0-9]*\) sectors$/\1/p'
}
# sized SIZE MIB SPC: mkimage.sh --size SIZE makes a sparse image of MIB MiB
# with the layout, PXESTICK's FAT filling its partition with clusters of SPC
# sectors (as Windows would format it), both FATs clean.
sized() {
	f=$TMPD/sized.img
	rm -f "$f"
	mkimg "$f" --size "$1" 2>&1 || return 1
	layout "$f" || return 1
	echo "$(($(stat -c %s "$f") / MiB)) MiB, $(du -k "$f" | cut -f1) KiB used," \
		"PXESTICK: $(spc "$f" PXESTICK) sectors per cluster"
	[ "$(stat -c %s "$f")" -eq $(($2 * MiB)) ] && [ "$(du -k "$f" | cut -f1)" -lt 102400 ] &&
		grep -qx "2 PXEBOOT $boot .*" "$TMPD/entries" &&
		[ "$(bpb "$f" PXESTICK 32)" = "$(gpt_part "$f" PXESTICK | cut -d' ' -f2)" ] &&
		[ "$(spc "$f" PXESTICK)" = "$3" ] || return 1
	for p in PXEBOOT PXESTICK; do
		part_out "$f" $p "$TMPD/sized.part" && fat_clean "$TMPD/sized.part" || return 1
	done
}
check "image --size 300M: 300 MiB, sparse, PXEBOOT as it was, PXESTICK the rest, 512-byte clusters, clean" \
	sized 300M 300 1
check "image --size 8G: 8 GiB, sparse, PXESTICK the rest with 4 KiB clusters, clean" sized 8G 8192 8
# The least: 1 + PXEBOOT + 36 (PXESTICK) + 1 MiB.
least=$((${boot#* } / 2048 + 38))
check "image --size ${least}M: the least (PXESTICK 36 MiB)" sized ${least}M $least 1
check_exit "image --size $((least - 1))M: refused, PXESTICK would be under 36 MiB" 1 \
	mkimg "$TMPD/small.img" --size $((least - 1))M
check_exit "image --size 20M: refused, the contents do not fit" 1 mkimg "$TMPD/small.img" --size 20M
rm -f "$TMPD/sized.img" "$TMPD/sized.part"

# ---- reproducible ----------------------------------------------------------------------
repro_img() {
	mkimg "$TMPD/r1.img" --iso "$ISO" --keys "$KEYS" 2>/dev/null &&
		sleep 1 && mkimg "$TMPD/r2.img" --iso "$ISO" --keys "$KEYS" 2>/dev/null &&
		cmp "$TMPD/r1.img" "$TMPD/r2.img"
}
check "reproducible: the same image twice, byte for byte" repro_img
repro_initrd() {
	mkdir -p "$TMPD/w1" "$TMPD/w2" &&
		ln -s "$(cd "$WORK/kernel" && pwd)" "$TMPD/w1/kernel" && ln -s "$(cd "$WORK/kernel" && pwd)" "$TMPD/w2/kernel" &&
		PXESTICK_BIN=$PXESTICK ZSTD_LEVEL=1 sh image/initramfs.sh "$TMPD/w1" &&
		sleep 1 && PXESTICK_BIN=$PXESTICK ZSTD_LEVEL=1 sh image/initramfs.sh "$TMPD/w2" &&
		cmp "$TMPD/w1/initrd.cpio" "$TMPD/w2/initrd.cpio" && cmp "$TMPD/w1/initrd.img" "$TMPD/w2/initrd.img"
}
check "reproducible: the same initramfs twice, byte for byte (sorted, SOURCE_DATE_EPOCH)" repro_initrd
# newc_stamps CPIO: each entry's "mtime uid gid name" (newc headers).
newc_stamps() {
	python3 - "$1" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
o = 0
while d[o:o + 6] == b"070701":
    f = [int(d[o + 6 + 8 * i:o + 14 + 8 * i], 16) for i in range(13)]
    name = d[o + 110:o + 110 + f[11] - 1].decode()
    if name == "TRAILER!!!":
        break
    print(f[5], f[2], f[3], name)
    o = (o + 110 + f[11] + 3) & ~3
    o = (o + f[6] + 3) & ~3
EOF
}
stamps_ok() {
	want=$(cat "$WORK/initrd.epoch")
	newc_stamps "$TMPD/initrd.cpio" >"$TMPD/stamps"
	echo "$(wc -l <"$TMPD/stamps") entries, want mtime $want"
	awk -v t="$want" '$1 != t || $2 != 0 || $3 != 0 { print; bad = 1 } END { exit bad }' "$TMPD/stamps" &&
		[ "$(wc -l <"$TMPD/stamps")" -gt 500 ]
}
check "reproducible: every initramfs entry has the SOURCE_DATE_EPOCH time and owner 0:0" stamps_ok

# ---- the image for hypervisors (make image FORMAT=...) ----------------------------------
for f in qcow2 vmdk vhdx vdi; do
	rm -f "$TMPD/pxestick.$f"
	check "image FORMAT=$f: qemu-img reads it as $f, the same disk as the raw image" sh -c '
		sh image/vmformat.sh "$0" "$1" &&
		qemu-img info --output=json "${0%.img}.$1" | grep -q "\"format\": \"$1\"" &&
		qemu-img compare -f raw -F "$1" "$0" "${0%.img}.$1"' "$IMG" "$f"
done
check_exit "image FORMAT=ova: refused, with the formats named" 1 sh image/vmformat.sh "$IMG" ova

# ---- what takes the room ----------------------------------------------------------------
{
	echo "# image: $((size / MiB)) MiB; on PXEBOOT: kernel $(($(stat -c %s "$WORK/kernel/vmlinuz") / 1024)) KiB," \
		"initramfs $(($(stat -c %s "$WORK/initrd.img") / 1024)) KiB (zstd of $(($(stat -c %s "$TMPD/initrd.cpio") / 1024)) KiB)"
	awk -F'\t' '{ split($2, p, "/"); k = p[1]; if (k == "lib") k = "lib/modules"; if ($2 ~ /drivers\/net\/ethernet/) k = "modules: drivers/net/ethernet"; s[k] += $1 }
		END { for (k in s) printf "#   %-32s %6d KiB\n", k, s[k] / 1024 }' "$WORK/initrd.list" | sort -k3 -n -r
} 
host_done
