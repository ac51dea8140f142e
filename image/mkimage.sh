#!/bin/sh
# image/mkimage.sh - the appliance's disk image, without root or loop
# devices: sfdisk writes the GPT into the file, mtools formats and fills
# the FAT32 partition at its byte offset, syslinux installs its BIOS boot
# code through mtools (--offset), gptmbr.bin goes into the MBR.
#
#   sh image/mkimage.sh [--iso FILE]... [--keys FILE] [--conf FILE]
#                       [--add DIR]... [--size SIZE] WORKDIR OUT
#   --add DIR: DIR (script.d, repo, archinstall, clients...) copied to the
#   top of the stick
#
# WORKDIR holds image/kernel.sh's (kernel/vmlinuz), image/efi.sh's
# (efi/shimx64.efi, mmx64.efi, grubx64.efi) and image/initramfs.sh's output
# (initrd.img).  OUT: the image file (replaced).  SIZE: the whole image, as
# for truncate (e.g. 8G; the file is sparse); default: what the contents
# need plus room for the state folder and a few updates, at least 40 MiB.
#
# Layout: a boot partition the desktops hide, and the technician's
# partition, which a first boot on a larger stick grows to fill it
# (appliance/lib.sh stick_grow; docs/STICK.md):
#   LBA 0        protective MBR with syslinux's gptmbr.bin boot code
#   LBA 1-33     GPT: entry 1 PXESTICK, entry 2 PXEBOOT (the data partition
#                first in the table: Windows before 10 1703 shows only a
#                USB stick's first partition)
#   1 MiB        partition 2 "PXEBOOT", FAT32 label PXEBOOT, EFI system
#                partition (UEFI firmware looks there; desktops hide it),
#                attribute LegacyBIOSBootable (gptmbr.bin boots it); at
#                least BOOT_MIB (64) MiB: what the boot files need, and room
#                for a copy of the technician's files while the data
#                partition is remade at the first boot
#     EFI/BOOT/BOOTX64.EFI          Debian's signed shim (UEFI, Secure Boot
#                                   on or off); it runs, from its folder,
#     EFI/BOOT/grubx64.efi          Debian's signed GRUB (mmx64.efi beside
#                                   it: MokManager, should shim want it)
#     EFI/debian/grub.cfg           what that GRUB reads: its built-in
#                                   prefix is /EFI/debian on its partition
#     boot/syslinux/ldlinux.sys, ldlinux.c32, syslinux.cfg   (BIOS)
#     boot/vmlinuz, boot/initrd.img
#   then         partition 1 "PXESTICK", FAT32 label PXESTICK, Microsoft
#                basic data (every desktop OS mounts it), to the last MiB:
#     isos/  authorized_keys  pxestick.conf  README.txt    (the technician's)
#   last 33 sectors: the backup GPT
#
# CMDLINE_EXTRA: more kernel parameters (e.g. pxestick.debug=1).
# Reproducible: SOURCE_DATE_EPOCH (default: the last commit) is every
# file's time stamp (mtools stamps new files with it); the disk and partition GUIDs and
# the FAT serial number are derived from it.
set -eu

die() { printf 'mkimage: error: %s\n' "$*" >&2; exit 1; }
say() { printf 'mkimage: %s\n' "$*" >&2; }

top=$(cd "$(dirname "$0")/.." && pwd)
isos=
keys=
conf=
adds=
size=
while [ $# -gt 2 ]; do
	case $1 in
	--iso) isos="$isos
$2" ;;
	--keys) keys=$2 ;;
	--conf) conf=$2 ;;
	--add) adds="$adds
$2" ;;
	--size) size=$2 ;;
	*) die "unknown option $1" ;;
	esac
	shift 2
done
[ $# -eq 2 ] || die "usage: mkimage.sh [--iso FILE]... [--keys FILE] [--conf FILE] [--add DIR]... [--size SIZE] WORKDIR OUT"
work=$1
out=$2
PXESTICK_BIN=${PXESTICK_BIN:-build/pxestick}
BOOT_MIB=${BOOT_MIB:-64}
[ "$BOOT_MIB" -ge 36 ] 2>/dev/null || die "BOOT_MIB must be at least 36 (FAT32's smallest)"
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git -C "$top" log -1 --format=%ct 2>/dev/null) || SOURCE_DATE_EPOCH=0
fi
export SOURCE_DATE_EPOCH
GPTMBR=${GPTMBR:-/usr/lib/syslinux/mbr/gptmbr.bin}

for f in "$work/kernel/vmlinuz" "$work/initrd.img" "$GPTMBR" \
	"$work/efi/shimx64.efi" "$work/efi/mmx64.efi" "$work/efi/grubx64.efi"; do
	[ -s "$f" ] || die "$f missing"
done
ESP=C12A7328-F81F-11D2-BA4B-00A0C93EC93B
DATA=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7

# ---- the partitions' files, staged with fixed time stamps -------------------
stage=$work/stick/boot
data=$work/stick/data
rm -rf "$work/stick"
mkdir -p "$stage/EFI/BOOT" "$stage/EFI/debian" "$stage/boot/syslinux" "$data/isos"
cp "$work/kernel/vmlinuz" "$stage/boot/vmlinuz"
cp "$work/initrd.img" "$stage/boot/initrd.img"
# shim as the removable-media loader; it starts grubx64.efi from its own
# folder (no fbx64.efi there, so never its fallback).  GRUB checks the
# kernel's signature through shim when Secure Boot is on.
cp "$work/efi/shimx64.efi" "$stage/EFI/BOOT/BOOTX64.EFI"
cp "$work/efi/grubx64.efi" "$stage/EFI/BOOT/grubx64.efi"
cp "$work/efi/mmx64.efi" "$stage/EFI/BOOT/mmx64.efi"

# The kernel command line, one for both loaders.  tty1 last: /dev/console
# is the monitor; ttyS0 gets the same status lines (appliance/lib.sh say).
cmdline="console=ttyS0,115200 console=tty1 quiet${CMDLINE_EXTRA:+ $CMDLINE_EXTRA}"
# GRUB's root is the partition it came from: /boot/... are the stick's.
# The serial console only where there is one (most PCs have none).
cat >"$stage/EFI/debian/grub.cfg" <<EOF
if serial --unit=0 --speed=115200; then
	terminal_input --append serial
	terminal_output --append serial
fi
set default=0
set timeout=0
menuentry pxestick {
	linux /boot/vmlinuz $cmdline
	initrd /boot/initrd.img
}
EOF
cat >"$stage/boot/syslinux/syslinux.cfg" <<EOF
DEFAULT pxestick
PROMPT 0
TIMEOUT 0
SERIAL 0 115200
LABEL pxestick
  LINUX /boot/vmlinuz
  INITRD /boot/initrd.img
  APPEND $cmdline
EOF

cp "$top/image/stick/README.txt" "$data/README.txt"
if [ -n "$conf" ]; then
	cp "$conf" "$data/pxestick.conf"
else
	sh "$top/image/stick-conf.sh" "$PXESTICK_BIN" "$top/image/conf-defaults.txt" \
		>"$data/pxestick.conf"
fi
[ -z "$keys" ] || cp "$keys" "$data/authorized_keys"
printf '%s\n' "$adds" | sed '/^$/d' | while IFS= read -r d; do
	[ -e "$d" ] || die "--add $d: no such file or directory"
	cp -RL "$d" "$data/"
done
# The ISOs are copied straight from where they are (no staging copy).
isobytes=0
printf '%s\n' "$isos" | sed '/^$/d' >"$work/isos.txt"
while IFS= read -r iso; do
	[ -f "$iso" ] || die "$iso: no such file"
	case ${iso##*/} in *.iso | *.ISO) ;; *) die "$iso: not named *.iso" ;; esac
	isobytes=$((isobytes + $(stat -c %s "$iso")))
done <"$work/isos.txt"

# ---- sizes -----------------------------------------------------------------
MiB=1048576
bytes_in() { du -s -B1 --apparent-size "$1" | cut -f1; }
mib_up() { echo $((($1 + MiB - 1) / MiB)); }
# The boot partition: its files plus 2% for FAT and slack, plus 16 MiB
# (a copy of a fresh stick's files during the first boot's growth, a
# larger kernel later), at least BOOT_MIB.
boot_mib=$(mib_up $(($(bytes_in "$stage") * 102 / 100 + 16 * MiB)))
[ "$boot_mib" -ge "$BOOT_MIB" ] || boot_mib=$BOOT_MIB
content=$(($(bytes_in "$data") + isobytes))
need_mib=$(mib_up $((content + content / 50 + 2 * MiB)))
if [ -n "$size" ]; then
	total=$(numfmt --from=iec "${size%B}" 2>/dev/null) || die "--size $size: not a size"
	total=$(($(mib_up "$total") * MiB))
	data_mib=$((total / MiB - 1 - boot_mib - 1))   # the last MiB: the backup GPT
	least=$need_mib
	[ "$least" -ge 36 ] || least=36                # FAT32's smallest
	[ "$data_mib" -ge "$least" ] ||
		die "--size $size is too small: it needs at least $((boot_mib + least + 2)) MiB"
else
	# Contents, 2% for FAT and cluster slack, 8 MiB for state and logs;
	# FAT32 needs 65525 clusters: at least 36 MiB.
	data_mib=$((need_mib + 8))
	[ "$data_mib" -ge 36 ] || data_mib=36
	total=$(((1 + boot_mib + data_mib + 1) * MiB))
fi
boot_start=2048                              # sectors: 1 MiB
boot_sect=$((boot_mib * 2048))
data_start=$((boot_start + boot_sect))
data_sect=$((data_mib * 2048))
# FAT32 cluster sizes as Windows formats them (and pxestick stick mkfs).
spc_for() {
	if [ "$1" -le 532480 ]; then echo 1
	elif [ "$1" -le 16777216 ]; then echo 8
	elif [ "$1" -le 33554432 ]; then echo 16
	elif [ "$1" -le 67108864 ]; then echo 32
	else echo 64
	fi
}

# ---- GUIDs and serials from SOURCE_DATE_EPOCH ---------------------------------
guid() {
	h=$(printf 'pxestick %s %s' "$1" "$SOURCE_DATE_EPOCH" | sha256sum | cut -c1-32)
	printf '%s-%s-4%s-8%s-%s\n' "$(echo "$h" | cut -c1-8)" "$(echo "$h" | cut -c9-12)" \
		"$(echo "$h" | cut -c14-16)" "$(echo "$h" | cut -c18-20)" "$(echo "$h" | cut -c21-32)" |
		tr a-f A-F
}
serial() { printf 'pxestick fat %s %s' "$1" "$SOURCE_DATE_EPOCH" | sha256sum | cut -c1-8; }

# ---- the disk ----------------------------------------------------------------
rm -f "$out"
truncate -s "$total" "$out"
# Entry 1 is the data partition though it lies second (see the top).
sfdisk --quiet --no-reread --no-tell-kernel "$out" <<EOF
label: gpt
label-id: $(guid disk)
first-lba: 34
start=$data_start, size=$data_sect, type=$DATA, uuid=$(guid part), name="PXESTICK"
start=$boot_start, size=$boot_sect, type=$ESP, uuid=$(guid boot), name="PXEBOOT", attrs="LegacyBIOSBootable"
EOF
# gptmbr.bin: 440 bytes of boot code in front of the partition table; it
# boots the partition marked LegacyBIOSBootable.
dd if="$GPTMBR" of="$out" bs=440 count=1 conv=notrunc status=none

export MTOOLS_SKIP_CHECK=1
# fat START SECTORS LABEL DIR: format a FAT32 at START and copy DIR's tree
# into it; directories first (sorted), then files: the same order every time.
fat() {
	img="$out@@$(($1 * 512))"
	mformat -i "$img" -F -v "$3" -N "$(serial "$3")" -T "$2" -H "$1" -h 64 -s 32 \
		-c "$(spc_for "$2")" ::
	(cd "$4" && find . -mindepth 1 -type d | sed 's|^\./||' | LC_ALL=C sort) |
		while IFS= read -r d; do mmd -i "$img" "::/$d"; done
	(cd "$4" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) |
		while IFS= read -r f; do mcopy -i "$img" "$4/$f" "::/$f"; done
}
fat "$boot_start" "$boot_sect" PXEBOOT "$stage"
fat "$data_start" "$data_sect" PXESTICK "$data"
# The ISOs are copied straight from where they are (no staging copy).
while IFS= read -r iso; do
	mcopy -i "$out@@$((data_start * 512))" "$iso" "::/isos/${iso##*/}"
done <"$work/isos.txt"
# BIOS: ldlinux.sys + ldlinux.c32 into boot/syslinux, the volume boot
# record patched to load them (through mtools: no mount).
syslinux --offset $((boot_start * 512)) --directory /boot/syslinux --install "$out"
# syslinux patched the boot sector only: make the FAT32 backup boot sector
# (sector 6 of the partition) the same, or fsck.fat/chkdsk find them apart.
dd if="$out" of="$out" bs=512 skip="$boot_start" seek=$((boot_start + 6)) count=1 \
	conv=notrunc status=none

say "$out: $((total / MiB)) MiB: boot partition $boot_mib MiB, data partition $data_mib MiB (contents $((content / MiB)) MiB)"
