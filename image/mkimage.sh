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
# Layout (one partition, so every OS shows it, and BIOS and UEFI boot it):
#   LBA 0        protective MBR with syslinux's gptmbr.bin boot code
#   LBA 1-33     GPT
#   1 MiB - end  partition 1, FAT32, label PXESTICK, attribute
#                LegacyBIOSBootable; type Microsoft basic data
#                (PARTTYPE=data, the default: Windows, macOS and Linux
#                desktops show and mount it, and UEFI firmware boots
#                \EFI\BOOT\BOOTX64.EFI from any FAT partition of a
#                removable disk) or EFI system partition (PARTTYPE=esp:
#                for firmware that insists; desktops then hide it)
#     EFI/BOOT/BOOTX64.EFI          Debian's signed shim (UEFI, Secure Boot
#                                   on or off); it runs, from its folder,
#     EFI/BOOT/grubx64.efi          Debian's signed GRUB (mmx64.efi beside
#                                   it: MokManager, should shim want it)
#     EFI/debian/grub.cfg           what that GRUB reads: its built-in
#                                   prefix is /EFI/debian on its partition
#     boot/syslinux/ldlinux.sys, ldlinux.c32, syslinux.cfg   (BIOS)
#     boot/vmlinuz, boot/initrd.img
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
PARTTYPE=${PARTTYPE:-data}
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git -C "$top" log -1 --format=%ct 2>/dev/null) || SOURCE_DATE_EPOCH=0
fi
export SOURCE_DATE_EPOCH
GPTMBR=${GPTMBR:-/usr/lib/syslinux/mbr/gptmbr.bin}

for f in "$work/kernel/vmlinuz" "$work/initrd.img" "$GPTMBR" \
	"$work/efi/shimx64.efi" "$work/efi/mmx64.efi" "$work/efi/grubx64.efi"; do
	[ -s "$f" ] || die "$f missing"
done
case $PARTTYPE in
esp) ptype=C12A7328-F81F-11D2-BA4B-00A0C93EC93B ;;
data) ptype=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7 ;;
*) die "PARTTYPE must be esp or data" ;;
esac

# ---- the partition's files, staged with fixed time stamps -------------------
stage=$work/stick
rm -rf "$stage"
mkdir -p "$stage/EFI/BOOT" "$stage/EFI/debian" "$stage/boot/syslinux" "$stage/isos"
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

cp "$top/image/stick/README.txt" "$stage/README.txt"
if [ -n "$conf" ]; then
	cp "$conf" "$stage/pxestick.conf"
else
	sh "$top/image/stick-conf.sh" "$PXESTICK_BIN" "$top/image/conf-defaults.txt" \
		>"$stage/pxestick.conf"
fi
[ -z "$keys" ] || cp "$keys" "$stage/authorized_keys"
printf '%s\n' "$adds" | sed '/^$/d' | while IFS= read -r d; do
	[ -e "$d" ] || die "--add $d: no such file or directory"
	cp -RL "$d" "$stage/"
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
content=$(($(du -s -B1 --apparent-size "$stage" | cut -f1) + isobytes))
if [ -n "$size" ]; then
	total=$(numfmt --from=iec "${size%B}" 2>/dev/null) || die "--size $size: not a size"
else
	# Contents, 2% for FAT and cluster slack, 8 MiB for state and logs.
	total=$((content + content / 50 + 8 * MiB + 2 * MiB))
	[ "$total" -ge $((40 * MiB)) ] || total=$((40 * MiB))
fi
total=$(((total + MiB - 1) / MiB * MiB))
start=2048                                   # sectors: 1 MiB
nsect=$((total / 512 - start - 2048))        # the last MiB holds the backup GPT
[ $((nsect * 512)) -ge $((content + content / 50 + 2 * MiB)) ] ||
	die "--size $size is too small: the contents need $((content / MiB + 3)) MiB"
# FAT32 cluster sizes as Windows formats them; FAT32 needs >= 65525 clusters.
if [ $((nsect * 512)) -le $((260 * MiB)) ]; then spc=1
elif [ $((nsect * 512)) -le $((8192 * MiB)) ]; then spc=8
elif [ $((nsect * 512)) -le $((16384 * MiB)) ]; then spc=16
elif [ $((nsect * 512)) -le $((32768 * MiB)) ]; then spc=32
else spc=64
fi

# ---- GUIDs and serial from SOURCE_DATE_EPOCH ---------------------------------
guid() {
	h=$(printf 'pxestick %s %s' "$1" "$SOURCE_DATE_EPOCH" | sha256sum | cut -c1-32)
	printf '%s-%s-4%s-8%s-%s\n' "$(echo "$h" | cut -c1-8)" "$(echo "$h" | cut -c9-12)" \
		"$(echo "$h" | cut -c14-16)" "$(echo "$h" | cut -c18-20)" "$(echo "$h" | cut -c21-32)" |
		tr a-f A-F
}
serial=$(printf 'pxestick fat %s' "$SOURCE_DATE_EPOCH" | sha256sum | cut -c1-8)

# ---- the disk ----------------------------------------------------------------
rm -f "$out"
truncate -s "$total" "$out"
sfdisk --quiet --no-reread --no-tell-kernel "$out" <<EOF
label: gpt
label-id: $(guid disk)
first-lba: 34
start=$start, size=$nsect, type=$ptype, uuid=$(guid part), name="PXESTICK", attrs="LegacyBIOSBootable"
EOF
# gptmbr.bin: 440 bytes of boot code in front of the partition table; it
# boots the partition marked LegacyBIOSBootable.
dd if="$GPTMBR" of="$out" bs=440 count=1 conv=notrunc status=none

img="$out@@$((start * 512))"
export MTOOLS_SKIP_CHECK=1
mformat -i "$img" -F -v PXESTICK -N "$serial" -T "$nsect" -H "$start" -h 64 -s 32 \
	-c "$spc" ::
# Directories first (sorted), then files: the same order every time.
(cd "$stage" && find . -mindepth 1 -type d | sed 's|^\./||' | LC_ALL=C sort) |
	while IFS= read -r d; do mmd -i "$img" "::/$d"; done
(cd "$stage" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) |
	while IFS= read -r f; do mcopy -i "$img" "$stage/$f" "::/$f"; done
while IFS= read -r iso; do
	mcopy -i "$img" "$iso" "::/isos/${iso##*/}"
done <"$work/isos.txt"
# BIOS: ldlinux.sys + ldlinux.c32 into boot/syslinux, the volume boot
# record patched to load them (through mtools: no mount).
syslinux --offset $((start * 512)) --directory /boot/syslinux --install "$out"
# syslinux patched the boot sector only: make the FAT32 backup boot sector
# (sector 6 of the partition) the same, or fsck.fat/chkdsk find them apart.
dd if="$out" of="$out" bs=512 skip="$start" seek=$((start + 6)) count=1 conv=notrunc status=none

say "$out: $((total / MiB)) MiB, partition $((nsect / 2048)) MiB, contents $((content / MiB)) MiB"
