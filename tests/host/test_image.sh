#!/bin/sh
# The appliance's disk image as a file: GPT and protective MBR with
# gptmbr.bin, one FAT32 partition labelled PXESTICK (clean for fsck.fat),
# both boot loaders (syslinux; Debian's signed shim and GRUB) and their
# configs, the kernel and initramfs, the
# technician's files; the initramfs' contents (static pxestick and busybox,
# the iPXE binaries, modules with every dependency); the stick's
# pxestick.conf (every key of `pxestick serve --help`, all valid when
# uncommented); the size; and reproducibility (the same bytes twice).
# Builds its images from the parts in build/image (make image-parts), as
# `make image` does.
. tests/host/lib.sh

WORK=$BUILD/image
ISO=$FIXTURES/archiso/archiso.iso
KEYS=$FIXTURES/keys/ed25519.pub
MiB=1048576
OFF=$MiB
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

# fat_cat IMAGE PATH: a text file of the image's FAT partition on stdout.
fat_cat() {
	mtype -i "$1@@$OFF" "::/$2"
}
# fat_cmp IMAGE PATH FILE: that file of the partition is FILE, byte for byte.
fat_cmp() {
	mcopy -n -i "$1@@$OFF" "::/$2" "$TMPD/fat.out" && cmp "$TMPD/fat.out" "$3"
}

# ---- the generic image (what plain `make image` makes): disk layout ----------
IMG=$TMPD/pxestick.img
mkimg "$IMG" 2>"$TMPD/mk.err"
check "image: mkimage.sh makes the generic image" sh -c 'cat "$1"; test -s "$0"' "$IMG" "$TMPD/mk.err"
sfdisk -d "$IMG" >"$TMPD/sfdisk" 2>&1
gpt_ok() {
	cat "$TMPD/sfdisk"
	grep -q '^label: gpt' "$TMPD/sfdisk" &&
		[ "$(grep -c '^[^ ]*img[0-9] :' "$TMPD/sfdisk")" -eq 1 ] &&
		grep -q 'start= *2048, .*name="PXESTICK", attrs="LegacyBIOSBootable"' "$TMPD/sfdisk" &&
		sfdisk --verify "$IMG" 2>&1 | grep -q '^No errors detected'
}
check "image: GPT with one partition at 1 MiB, named PXESTICK, LegacyBIOSBootable" gpt_ok
check "image: the partition is typed basic data (every desktop OS mounts it)" \
	grep -q 'type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7' "$TMPD/sfdisk"
check "image: PARTTYPE=esp types it EFI system partition" sh -c \
	'PARTTYPE=esp PXESTICK_BIN="$0" sh image/mkimage.sh "$1" "$2/esp.img" 2>/dev/null &&
	 sfdisk -d "$2/esp.img" | grep -q "type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B"' "$PXESTICK" "$WORK" "$TMPD"
mbr_ok() {
	dd if="$IMG" bs=440 count=1 status=none | cmp - /usr/lib/syslinux/mbr/gptmbr.bin &&
		[ "$(od -An -tx1 -j 450 -N1 "$IMG" | tr -d ' ')" = ee ] &&
		[ "$(od -An -tx1 -j 510 -N2 "$IMG" | tr -d ' ')" = 55aa ]
}
check "image: protective MBR (type EE, 55AA) with syslinux's gptmbr.bin as boot code" mbr_ok
dd if="$IMG" of="$TMPD/part.img" bs=$MiB skip=1 status=none
check "image: FAT32 labelled PXESTICK" sh -c \
	'minfo -i "$0@@1M" :: | grep -q "^disk type=\"FAT32   \"" && mlabel -s -i "$0@@1M" :: | grep -q "PXESTICK"' "$IMG"
check "image: fsck.fat finds the filesystem clean" fsck.fat -n "$TMPD/part.img"
check "image: BIOS boot sector is syslinux's, its FAT32 backup is the same" sh -c \
	'dd if="$0" bs=1 skip=3 count=8 status=none | grep -q SYSLINUX &&
	 dd if="$0" bs=512 count=1 status=none >"$1/bs0" && dd if="$0" bs=512 skip=6 count=1 status=none | cmp - "$1/bs0"' \
	"$TMPD/part.img" "$TMPD"

# ---- the generic image: files ------------------------------------------------------
mdir -/ -a -b -i "$IMG@@$OFF" :: >"$TMPD/files" 2>&1
for f in EFI/BOOT/BOOTX64.EFI EFI/BOOT/grubx64.efi EFI/BOOT/mmx64.efi EFI/debian/grub.cfg \
	boot/syslinux/syslinux.cfg boot/syslinux/ldlinux.sys boot/syslinux/ldlinux.c32 \
	boot/vmlinuz boot/initrd.img README.txt pxestick.conf; do
	check "image: $f present" grep -qix "::/$f" "$TMPD/files"
done
check "image: isos/ present and empty" sh -c \
	'grep -qix "::/isos/" "$0" && ! grep -qi "^::/isos/." "$0"' "$TMPD/files"
check "image: no authorized_keys in the generic image" sh -c '! grep -qix "::/authorized_keys" "$0"' "$TMPD/files"
check "image: no systemd-boot entries, no shim fallback (fbx64.efi)" sh -c \
	'! grep -Eqi "^::/(loader/|EFI/BOOT/fbx64\.efi)" "$0"' "$TMPD/files"
check "image: BOOTX64.EFI is Debian's shim (image/efi.sh)" fat_cmp "$IMG" EFI/BOOT/BOOTX64.EFI "$WORK/efi/shimx64.efi"
check "image: EFI/BOOT/grubx64.efi is Debian's signed GRUB" fat_cmp "$IMG" EFI/BOOT/grubx64.efi "$WORK/efi/grubx64.efi"
check "image: EFI/BOOT/mmx64.efi is shim's MokManager" fat_cmp "$IMG" EFI/BOOT/mmx64.efi "$WORK/efi/mmx64.efi"
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
check "image: boot/vmlinuz is the Debian kernel" fat_cmp "$IMG" boot/vmlinuz "$WORK/kernel/vmlinuz"
check "image: boot/initrd.img is the built initramfs" fat_cmp "$IMG" boot/initrd.img "$WORK/initrd.img"
entries_ok() {
	g=$(fat_cat "$IMG" EFI/debian/grub.cfg) && s=$(fat_cat "$IMG" boot/syslinux/syslinux.cfg) || return 1
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
check "image: CMDLINE_EXTRA reaches both configs" sh -c \
	'CMDLINE_EXTRA=pxestick.debug=1 PXESTICK_BIN="$0" sh image/mkimage.sh "$1" "$2/x.img" 2>/dev/null &&
	 mtype -i "$2/x.img@@1M" ::/EFI/debian/grub.cfg | grep -q "^	linux /boot/vmlinuz .* quiet pxestick.debug=1$" &&
	 mtype -i "$2/x.img@@1M" ::/boot/syslinux/syslinux.cfg | grep -q "^  APPEND .* quiet pxestick.debug=1$"' \
	"$PXESTICK" "$WORK" "$TMPD"
size=$(stat -c %s "$IMG")
check "image: the generic image is at most 48 MiB ($((size / MiB)) MiB)" test "$size" -le $((48 * MiB))

# ---- pxestick.conf on the stick ------------------------------------------------
fat_cat "$IMG" pxestick.conf >"$TMPD/stick.conf"
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
check "image with ISO: built" test -s "$TMPD/iso.img"
check "image with ISO: isos/archiso.iso is the ISO" fat_cmp "$TMPD/iso.img" isos/archiso.iso "$ISO"
check "image with ISO: authorized_keys is the keys file" fat_cmp "$TMPD/iso.img" authorized_keys "$KEYS"
check "image with ISO: pxestick.conf is the given config" fat_cmp "$TMPD/iso.img" pxestick.conf "$TMPD/my.conf"
fits() {
	isz=$(stat -c %s "$ISO")
	free=$(minfo -i "$TMPD/iso.img@@1M" :: >/dev/null && mdir -i "$TMPD/iso.img@@1M" :: | sed -n 's/ *\([0-9 ]*\) bytes free/\1/p' | tr -d ' ')
	echo "ISO $isz bytes, $free bytes free"
	[ "${free:-0}" -ge $((4 * MiB)) ]
}
check "image with ISO: sized to fit with room to spare" fits
dd if="$TMPD/iso.img" of="$TMPD/part2.img" bs=$MiB skip=1 status=none
check "image with ISO: fsck.fat finds it clean" fsck.fat -n "$TMPD/part2.img"
mkimg "$TMPD/big.img" --size 300M 2>/dev/null
check "image --size 300M: 300 MiB, sparse, FAT32 over it, clean" sh -c \
	'[ "$(stat -c %s "$0")" -eq $((300 * 1048576)) ] && [ "$(du -k "$0" | cut -f1)" -lt 102400 ] &&
	 dd if="$0" of="$0.p" bs=1M skip=1 status=none && fsck.fat -n "$0.p" >/dev/null' "$TMPD/big.img"
check_exit "image --size 20M: refused, the contents do not fit" 1 mkimg "$TMPD/small.img" --size 20M

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
	echo "# image: $((size / MiB)) MiB; on the partition: kernel $(($(stat -c %s "$WORK/kernel/vmlinuz") / 1024)) KiB," \
		"initramfs $(($(stat -c %s "$WORK/initrd.img") / 1024)) KiB (zstd of $(($(stat -c %s "$TMPD/initrd.cpio") / 1024)) KiB)"
	awk -F'\t' '{ split($2, p, "/"); k = p[1]; if (k == "lib") k = "lib/modules"; if ($2 ~ /drivers\/net\/ethernet/) k = "modules: drivers/net/ethernet"; s[k] += $1 }
		END { for (k in s) printf "#   %-32s %6d KiB\n", k, s[k] / 1024 }' "$WORK/initrd.list" | sort -k3 -n -r
} 
host_done
