#!/bin/sh
# `pxestick stick write IMAGE DEVICE`: the image onto a larger "stick" (a
# file, and a loop device over one) in one go -- written, read back, its
# table grown, judged by sfdisk and mtools; and the devices it must not
# touch: a mounted one (a loop device with a mounted ext4), the system
# disk (the device / is on; the image path given does not exist, so not a
# byte could be written even if the check failed), something that is not
# a disk, a stick smaller than the image, an image that is no disk image.
. tests/host/lib.sh
export MTOOLS_SKIP_CHECK=1
MiB=1048576
PX=$PXESTICK_ASAN

# ---- an image of the appliance's layout (image/mkimage.sh's, smaller): ----
# entry 2 PXEBOOT (EFI system partition, LegacyBIOSBootable) at 1 MiB, then
# entry 1 PXESTICK (basic data) after it, physically last, to the last MiB:
# the partition a write grows is not the table's last entry.
IMG=$TMPD/image.img
BOOT_START=2048 BOOT_SIZE=$((8 * 2048))
DATA_START=$((BOOT_START + BOOT_SIZE)) DATA_SIZE=$((54 * 2048))
truncate -s $((64 * MiB)) "$IMG"
sfdisk -q "$IMG" <<EOF
label: gpt
start=$DATA_START, size=$DATA_SIZE, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="PXESTICK"
start=$BOOT_START, size=$BOOT_SIZE, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="PXEBOOT", attrs="LegacyBIOSBootable"
EOF
mformat -i "$IMG@@$((BOOT_START * 512))" -v PXEBOOT -T "$BOOT_SIZE" -h 64 -s 32 ::
mformat -i "$IMG@@$((DATA_START * 512))" -F -v PXESTICK -T "$DATA_SIZE" -h 64 -s 32 ::
head -c 3000000 /dev/urandom > "$TMPD/payload"
mcopy -i "$IMG@@$((DATA_START * 512))" "$TMPD/payload" ::/payload
head -c 100000 /dev/urandom > "$TMPD/bootfile"
mcopy -i "$IMG@@$((BOOT_START * 512))" "$TMPD/bootfile" ::/bootfile

# judge FILE SECTORS: sfdisk finds no problem; PXESTICK ends on the last MiB
# boundary before the backup GPT, PXEBOOT is where it was; the files on
# both FATs are intact.
judge() {
	sfdisk --verify "$1" > "$TMPD/verify" 2>&1 || { cat "$TMPD/verify"; return 1; }
	data=$(gpt_part "$1" PXESTICK)
	boot=$(gpt_part "$1" PXEBOOT)
	[ "$data" = "$DATA_START $(($2 - 2048 - DATA_START))" ] || { echo "PXESTICK: '$data'"; return 1; }
	[ "$boot" = "$BOOT_START $BOOT_SIZE" ] || { echo "PXEBOOT: '$boot'"; return 1; }
	rm -f "$TMPD/payload.back" "$TMPD/bootfile.back"
	mcopy -n -i "$1@@$((DATA_START * 512))" ::/payload "$TMPD/payload.back" &&
		cmp "$TMPD/payload" "$TMPD/payload.back" &&
		mcopy -n -i "$1@@$((BOOT_START * 512))" ::/bootfile "$TMPD/bootfile.back" &&
		cmp "$TMPD/bootfile" "$TMPD/bootfile.back"
}

# ---- onto a file ----
truncate -s $((1024 * MiB)) "$TMPD/stick.img"
$PX stick write "$IMG" "$TMPD/stick.img" > "$TMPD/w.out" 2>&1
check "onto a 1 GiB file: written, read back, the table grown" sh -c "
	grep -q 'MiB written and read back' '$TMPD/w.out' && grep -q 'grown' '$TMPD/w.out'"
check "... sfdisk --verify clean, PXESTICK to the end, PXEBOOT in place, the files intact" judge "$TMPD/stick.img" $((1024 * 2048))

# ---- refusals that need no device ----
check_exit "an image that is no disk image (a .zst written raw): refused" 1 \
	$PX stick write "$TMPD/payload" "$TMPD/stick.img"
check "... and said why" sh -c "$PX stick write '$TMPD/payload' '$TMPD/stick.img' 2>&1 | grep -q 'not a disk image with a GPT'"
check_exit "a character device is not a disk: refused" 1 $PX stick write "$IMG" /dev/null
check_exit "a missing image: an error, nothing written" 2 \
	$PX stick write "$TMPD/missing.img" "$TMPD/stick.img"

# ---- the system disk: the device / is on ----
root_dev=$(awk '$5 == "/" { print $3; exit }' /proc/self/mountinfo)
root_node=
if [ -n "$root_dev" ] && [ -r "/sys/dev/block/$root_dev/uevent" ]; then
	root_node=/dev/$(sed -n 's/^DEVNAME=//p' "/sys/dev/block/$root_dev/uevent")
	# a partition's disk: the check must refuse the whole disk too
	[ -e "/sys/dev/block/$root_dev/partition" ] &&
		root_node=/dev/$(basename "$(dirname "$(readlink -f "/sys/dev/block/$root_dev")")")
fi
if [ -b "$root_node" ]; then
	$PX stick write "$TMPD/does-not-exist.img" "$root_node" > "$TMPD/sys.out" 2>&1
	rc=$?
	check "the system disk ($root_node) is refused before the image is even opened" sh -c "
		[ $rc = 1 ] && grep -Eq 'is the system disk|is mounted|in use by device-mapper' '$TMPD/sys.out'"
else
	ok "the system disk is refused # SKIP / is not on a block device here"
fi

# ---- loop devices (root only) ----
if [ "$(id -u)" = 0 ] && command -v losetup > /dev/null && L=$(losetup -f --show "$TMPD/stick.img" 2>/dev/null); then
	trap 'umount "$TMPD/mnt" 2>/dev/null; losetup -d $L $M $S 2>/dev/null; rm -rf "$TMPD"' EXIT INT TERM
	truncate -s $((2048 * MiB)) "$TMPD/stick2.img"
	# Each detached device's variable emptied: the trap must not detach
	# a number the kernel has since given someone else.
	losetup -d "$L"
	L=
	L=$(losetup -f --show "$TMPD/stick2.img")
	$PX stick write "$IMG" "$L" > "$TMPD/l.out" 2>&1
	check "onto a loop device over 2 GiB: written and grown" sh -c "
		grep -q 'MiB written and read back' '$TMPD/l.out' && grep -q 'grown' '$TMPD/l.out'" 
	losetup -d "$L"
	L=
	check "... the device's bytes: sfdisk clean, PXESTICK to the end, PXEBOOT in place, the files intact" \
		judge "$TMPD/stick2.img" $((2048 * 2048))
	# a mounted one
	truncate -s $((32 * MiB)) "$TMPD/ext4.img"
	mkfs.ext4 -q -F "$TMPD/ext4.img"
	M=$(losetup -f --show "$TMPD/ext4.img")
	mkdir -p "$TMPD/mnt"
	if mount "$M" "$TMPD/mnt" 2>/dev/null; then
		$PX stick write "$IMG" "$M" > "$TMPD/m.out" 2>&1
		rc=$?
		check "a mounted device is refused, and said where" sh -c "
			[ $rc = 1 ] && grep -q 'is mounted (at $TMPD/mnt): unmount it first' '$TMPD/m.out'"
		umount "$TMPD/mnt"
		# (ext4 itself writes its superblock at umount: judge the content.)
		check "... and nothing was written: no GPT on it, its ext4 clean" sh -c "
			! dd if='$TMPD/ext4.img' bs=512 skip=1 count=1 status=none | grep -q 'EFI PART' &&
			e2fsck -n -f '$TMPD/ext4.img'"
	else
		ok "a mounted device is refused # SKIP cannot mount ext4 here"
	fi
	# smaller than the image
	truncate -s $((32 * MiB)) "$TMPD/small.img"
	S=$(losetup -f --show "$TMPD/small.img")
	check_exit "a stick smaller than the image is refused" 1 $PX stick write "$IMG" "$S"
	losetup -d "$M" "$S" 2>/dev/null
	M='' S=''
else
	ok "loop devices # SKIP needs root and losetup"
fi
host_done
