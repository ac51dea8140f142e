#!/bin/sh
# `pxestick stick grow` and `pxestick stick mkfs` judged by util-linux,
# gdisk, dosfstools and mtools, not by themselves:
#
#   grow:      the appliance image (image/mkimage.sh: PXEBOOT at 1 MiB,
#              then PXESTICK, physically last, 102 MiB in all; a file put
#              on PXESTICK with mtools) on a 1 GiB "stick" (truncate):
#              sfdisk --verify and sgdisk -v find no problem; sfdisk --json
#              shows PXESTICK ending on the last MiB boundary before the
#              backup GPT, which is at the last LBA, and PXEBOOT as it was;
#              the table is byte for byte the one sfdisk writes itself for
#              that layout; both partitions' bytes and the file are
#              unchanged; a second run writes nothing; PXEBOOT (not the
#              last) is refused
#   power cut: PXESTICK_STICK_STOP_AFTER=N for every write N: the cut
#              image still has a table sfdisk reads (the old layout or the
#              new), the file is intact, and a run without the hook ends in
#              exactly the grown image
#   hostile:   (ASan+UBSan binary) random bytes, a truncated image, an
#              empty file, a disk smaller than the image, a damaged primary
#              with a good backup: a clear message and exit status 1 (the
#              last: repaired, 0), never a crash
#   mkfs:      (ASan+UBSan) files of 40 MiB to 70 GiB (sparse): fsck.fat
#              clean, blkid and minfo read FAT32, the label and the serial
#              asked for, clusters as Windows sizes them, the data region on
#              a 1 MiB boundary; a file copied in and out with mtools; too
#              small or bad arguments refused; a loop device (root only)
#              formatted, mounted by the kernel's vfat, and refused while
#              mounted; and the first boot's flow: a mkimage.sh image on an
#              8 GiB stick, grown, its PXESTICK partition made anew through a
#              loop device over it
. tests/host/lib.sh

for tool in sfdisk sgdisk mformat mcopy minfo syslinux fsck.fat blkid; do
	if ! command -v "$tool" > /dev/null; then
		not_ok "stick: $tool is not installed (make deps)"
		exit 1
	fi
done
export MTOOLS_SKIP_CHECK=1
export SOURCE_DATE_EPOCH=1767225600
MiB=1048576
BIG=1073741824
S=$((BIG / 512))                 # the stick's sectors
NEW_END=$((S - 2048 - 1))        # PXESTICK's last LBA once grown
ESP=C12A7328-F81F-11D2-BA4B-00A0C93EC93B
DATA=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7

# Loop devices and the mount of the mkfs section: undone however the test
# ends (only those this test made: LOOPS, MOUNTED).
LOOPS=
MOUNTED=
cleanup() {
	[ -z "$MOUNTED" ] || umount "$MOUNTED" 2> /dev/null
	for l in $LOOPS; do losetup -d "$l" 2> /dev/null; done
	rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM

# ---- the image: mkimage.sh's layout, with stand-in kernel, loaders and initramfs ----
WORK=$TMPD/work
mkdir -p "$WORK/kernel" "$WORK/efi"
printf 'not a kernel\n' > "$WORK/kernel/vmlinuz"
printf 'not an initramfs\n' > "$WORK/initrd.img"
for f in shimx64.efi mmx64.efi grubx64.efi; do printf 'not %s\n' "$f" > "$WORK/efi/$f"; done
printf 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIStandInKeyForTheStickTestOnly test@host\n' > "$TMPD/keys.pub"
IMG=$TMPD/image.img
PXESTICK_BIN=$PXESTICK sh image/mkimage.sh --keys "$TMPD/keys.pub" "$WORK" "$IMG" 2> "$TMPD/mk.err"
if [ ! -s "$IMG" ]; then
	not_ok "stick: mkimage.sh makes the image"
	sed 's/^/# /' "$TMPD/mk.err"
	exit 1
fi
IMG_MIB=$(($(stat -c %s "$IMG") / MiB))
# The partitions, from the table (entry 1 PXESTICK lies after entry 2).
# shellcheck disable=SC2046
set -- $(gpt_part "$IMG" PXEBOOT) $(gpt_part "$IMG" PXESTICK)
BOOT_START=${1:-0} BOOT_SIZE=${2:-0} DATA_START=${3:-0} DATA_SIZE=${4:-0}
OLD_END=$((DATA_START + DATA_SIZE - 1))
check "stick: the image ($IMG_MIB MiB): PXEBOOT at LBA 2048, PXESTICK right after it (LBA $DATA_START) to its last MiB" \
	test "$BOOT_START" -eq 2048 -a "$BOOT_SIZE" -ge $((64 * 2048)) -a "$DATA_START" -eq $((BOOT_START + BOOT_SIZE)) \
	-a "$OLD_END" -eq $((IMG_MIB * 2048 - 2048 - 1))
head -c $((3 * MiB + 12345)) /dev/urandom > "$TMPD/payload"
mcopy -i "$IMG@@$((DATA_START * 512))" "$TMPD/payload" ::/payload.bin
# The partitions' bytes before (the FATs, the files in them).
dd if="$IMG" bs=512 skip="$DATA_START" count="$DATA_SIZE" status=none | sha256sum > "$TMPD/part.sum"
dd if="$IMG" bs=512 skip="$BOOT_START" count="$BOOT_SIZE" status=none | sha256sum > "$TMPD/boot.sum"

# copy SRC DST: a 1 GiB stick holding SRC's first IMG_MIB MiB and last MiB
# (all a grow writes; cp would read the whole sparse GiB).
copy() {
	rm -f "$2"
	truncate -s "$BIG" "$2"
	dd if="$1" of="$2" bs=$MiB count="$IMG_MIB" conv=notrunc,sparse status=none
	if [ "$(stat -c %s "$1")" -eq "$BIG" ]; then
		dd if="$1" of="$2" bs=$MiB skip=1023 seek=1023 conv=notrunc status=none
	fi
}
# stick FILE: a fresh 1 GiB stick with the image written at its start.
stick() {
	copy "$IMG" "$1"
}
# fingerprint FILE: the same fingerprint for the same bytes in the places a grow
# may write (the middle is checked to be zeros once, below).
fingerprint() {
	{ head -c $((IMG_MIB * MiB)) "$1"; tail -c $MiB "$1"; } | sha256sum
}
# part_end FILE: PXESTICK's last LBA as sfdisk reads it.
part_end() {
	gpt_part "$1" PXESTICK | { read -r s n && echo $((s + n - 1)); }
}
# file_ok FILE: the payload comes out of PXESTICK's FAT byte for byte.
file_ok() {
	rm -f "$TMPD/out.bin"
	mcopy -n -i "$1@@$((DATA_START * 512))" ::/payload.bin "$TMPD/out.bin" && cmp "$TMPD/out.bin" "$TMPD/payload"
}
# part_same FILE: both partitions' old extents hold the same bytes.
part_same() {
	dd if="$1" bs=512 skip="$DATA_START" count="$DATA_SIZE" status=none | sha256sum |
		cmp - "$TMPD/part.sum" &&
		dd if="$1" bs=512 skip="$BOOT_START" count="$BOOT_SIZE" status=none | sha256sum |
		cmp - "$TMPD/boot.sum"
}

# ---- grow -----------------------------------------------------------------
G=$TMPD/grown.img
stick "$G"
check "stick: grow a 64 MiB image on a 1 GiB stick" "$PXESTICK" stick grow "$G"
verify_clean() {
	sfdisk --verify "$1" > "$TMPD/verify" 2>&1
	cat "$TMPD/verify"
	grep -q '^No errors detected' "$TMPD/verify" &&
		! grep -Eiq 'mismatch|corrupt|not on the end|[0-9] errors? detected' "$TMPD/verify"
}
check "stick: sfdisk --verify finds no problem" verify_clean "$G"
check "stick: sgdisk -v finds no problem" sh -c 'sgdisk -v "$0" | tee /dev/stderr | grep -q "^No problems found"' "$G"
json_ok() {
	sfdisk --json "$G" > "$TMPD/json" || return 1
	cat "$TMPD/json"
	python3 - "$TMPD/json" "$S" "$NEW_END" "$DATA_START" "$BOOT_SIZE" "$ESP" "$DATA" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))["partitiontable"]
s, end, start, boot_size = (int(a) for a in sys.argv[2:6])
esp, data = sys.argv[6:8]
p, b = t["partitions"]      # entries 1 and 2
assert t["label"] == "gpt" and t["lastlba"] == s - 34, t
assert p["name"] == "PXESTICK" and p["type"] == data and "attrs" not in p, p
assert p["start"] == start and p["start"] + p["size"] - 1 == end, p
assert (end + 1) % 2048 == 0, p
assert b["name"] == "PXEBOOT" and b["type"] == esp and b["attrs"] == "LegacyBIOSBootable", b
assert b["start"] == 2048 and b["size"] == boot_size, b
EOF
}
check "stick: sfdisk --json: PXESTICK (entry 1) ends at LBA $NEW_END (a MiB boundary), PXEBOOT as it was" json_ok
check "stick: the backup GPT header is at the last LBA" sh -c \
	'[ "$(dd if="$0" bs=512 skip=$(($1 - 1)) count=1 status=none | head -c 8)" = "EFI PART" ]' "$G" "$S"
# sfdisk writing the same layout on a blank 1 GiB file: LBA 1-33 and the
# last 33 sectors must be the same bytes (LBA 0 holds gptmbr.bin's code).
same_as_sfdisk() {
	r=$TMPD/ref.img
	rm -f "$r"
	truncate -s "$BIG" "$r"
	# Without last-lba: sfdisk places the backup and the usable end itself.
	sfdisk -d "$G" | grep -v "^last-lba:" | sfdisk --quiet --no-reread --no-tell-kernel "$r" || return 1
	dd if="$G" bs=512 skip=1 count=33 status=none > "$TMPD/a"
	dd if="$r" bs=512 skip=1 count=33 status=none > "$TMPD/b"
	dd if="$G" bs=512 skip=$((S - 33)) count=33 status=none >> "$TMPD/a"
	dd if="$r" bs=512 skip=$((S - 33)) count=33 status=none >> "$TMPD/b"
	cmp "$TMPD/a" "$TMPD/b"
}
check "stick: the table is byte for byte what sfdisk writes for that layout" same_as_sfdisk
check "stick: the protective MBR covers the stick (and keeps gptmbr.bin)" sh -c \
	'sfdisk --verify "$0" 2>&1 | grep -q "PMBR size mismatch" && exit 1
	 cmp -n 440 "$0" /usr/lib/syslinux/mbr/gptmbr.bin' "$G"
check "stick: both partitions' bytes are unchanged" part_same "$G"
check "stick: the file on the FAT is intact (mcopy, cmp)" file_ok "$G"
check "stick: nothing written between the image and the backup GPT" sh -c \
	'dd if="$0" bs=$1 skip=$2 count=$((1023 - $2)) status=none | cmp -n $(((1023 - $2) * $1)) - /dev/zero' \
	"$G" "$MiB" "$IMG_MIB"
fingerprint "$G" > "$TMPD/grown.sum"
again() {
	"$PXESTICK" stick grow "$G" | tee "$TMPD/again" && grep -q 'nothing to do' "$TMPD/again" &&
		fingerprint "$G" | cmp - "$TMPD/grown.sum"
}
check "stick: a second run is a no-op (nothing written)" again
# PXEBOOT lies before PXESTICK: grown, it would run over PXESTICK.
not_last() {
	stick "$TMPD/nl.img"
	fingerprint "$TMPD/nl.img" > "$TMPD/nl.sum"
	"$PXESTICK" stick grow --label PXEBOOT "$TMPD/nl.img" > "$TMPD/nl.out" 2>&1
	rc=$?
	cat "$TMPD/nl.out"
	[ "$rc" -eq 1 ] && grep -q 'not the last one' "$TMPD/nl.out" &&
		fingerprint "$TMPD/nl.img" | cmp - "$TMPD/nl.sum"
}
check "stick: grow --label PXEBOOT (not the last partition): refused, exit 1, nothing written" not_last
rm -f "$TMPD/nl.img"

# ---- power cuts -------------------------------------------------------------
# How many writes a grow makes: one line each.
stick "$TMPD/count.img"
WRITES=$("$PXESTICK" stick grow "$TMPD/count.img" | grep -c ': wrote the ')
check "stick: a grow is 5 writes (backup entries, backup header, primary entries, primary header, MBR)" \
	test "$WRITES" -eq 5
finishes() {
	"$PXESTICK" stick grow "$1" && fingerprint "$1" | cmp - "$TMPD/grown.sum"
}
n=1
while [ "$n" -le "$WRITES" ]; do
	C=$TMPD/cut.img
	stick "$C"
	check_exit "stick: power cut after write $n: the hook stops it (exit 3)" 3 \
		env PXESTICK_STICK_STOP_AFTER=$n "$PXESTICK" stick grow "$C"
	end=$(part_end "$C")
	# shellcheck disable=SC2015
	[ "$end" = "$OLD_END" ] || [ "$end" = "$NEW_END" ] && ok "stick: after cut $n sfdisk reads a table (partition 1 ends at $end)" ||
		{ not_ok "stick: after cut $n sfdisk reads a table (partition 1 ends at '$end')"; sfdisk -d "$C" 2>&1 | sed 's/^/# /'; }
	check "stick: after cut $n the file is intact" file_ok "$C"
	check "stick: after cut $n the partition's bytes are unchanged" part_same "$C"
	check "stick: after cut $n a second run finishes the grown image" finishes "$C"
	n=$((n + 1))
done

# ---- hostile and damaged disks (ASan+UBSan) --------------------------------
# refused NAME FILE PATTERN: exit 1 and a message matching PATTERN.
refused() {
	"$PXESTICK_ASAN" stick grow "$2" > "$TMPD/hostile" 2>&1
	rc=$?
	if [ "$rc" -eq 1 ] && grep -q "$3" "$TMPD/hostile"; then
		ok "stick: $1: exit 1, \"$3\""
	else
		not_ok "stick: $1 (exit $rc)"
		sed 's/^/# /' "$TMPD/hostile"
	fi
}
H=$TMPD/hostile.img
head -c $((2 * MiB)) /dev/urandom > "$H"
refused "random bytes" "$H" "no protective MBR\|no MBR signature"
# A valid MBR in front of random headers.
dd if="$IMG" of="$H" bs=512 count=1 conv=notrunc status=none
refused "random bytes behind a protective MBR" "$H" "no valid GPT: primary header (LBA 1): .*backup header"
head -c 20000 "$IMG" > "$H"
refused "a truncated image (the first 20000 bytes)" "$H" "past the end of the disk"
: > "$H"
refused "an empty file" "$H" "too small to hold a GPT"
cp "$IMG" "$H" && truncate -s $((32 * MiB)) "$H"
refused "a 32 MiB stick (smaller than the image)" "$H" "smaller than the image"
check_exit "stick: a directory: exit 2" 2 "$PXESTICK_ASAN" stick grow "$TMPD"
check_exit "stick: no such file: exit 2" 2 "$PXESTICK_ASAN" stick grow "$TMPD/none"
check_exit "stick: no argument: exit 2" 2 "$PXESTICK_ASAN" stick grow
check_exit "stick: --help: exit 0" 0 "$PXESTICK_ASAN" stick grow --help
# The primary header zeroed on the grown stick: rebuilt from the backup.
copy "$G" "$H"
dd if=/dev/zero of="$H" bs=512 seek=1 count=1 conv=notrunc status=none
repaired() {
	"$PXESTICK_ASAN" stick grow "$H" | tee "$TMPD/rep" &&
		grep -q 'primary GPT is damaged (no GPT signature' "$TMPD/rep" &&
		fingerprint "$H" | cmp - "$TMPD/grown.sum"
}
check "stick: a zeroed primary header is rebuilt from the backup (sfdisk's bytes again)" repaired
# Random junk in a grown stick's primary entries and header: refused or
# repaired, never a crash; sfdisk agrees with what is left.
i=0
while [ "$i" -lt 12 ]; do
	copy "$G" "$H"
	dd if=/dev/urandom of="$H" bs=1 seek=$((512 + i * 997 % 16896)) count=$((1 + i)) \
		conv=notrunc status=none
	"$PXESTICK_ASAN" stick grow "$H" > "$TMPD/junk" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && fingerprint "$H" | cmp -s - "$TMPD/grown.sum"; then
		:
	elif [ "$rc" -eq 1 ] && grep -q 'pxestick stick: ' "$TMPD/junk"; then
		:
	else
		not_ok "stick: junk at LBA 1-33 (case $i): exit $rc"
		sed 's/^/# /' "$TMPD/junk"
		i=100
	fi
	i=$((i + 1))
done
[ "$i" -eq 12 ] && ok "stick: junk in the primary (12 cases): repaired from the backup or refused, no crash"

# ---- mkfs ------------------------------------------------------------------
PX=$PXESTICK_ASAN
# bpb FILE OFFSET BYTES: a little-endian field of FILE's FAT boot sector.
bpb() {
	od -An -tu"$3" -j "$2" -N "$3" "$1" | tr -d ' '
}
# fat_is FAT SERIAL SPC: blkid and minfo read a FAT32 labelled PXESTICK with
# SERIAL (8 hex digits, upper case) in FAT (a file or a block device); SPC
# sectors per cluster; the two FATs after the reserved sectors leave the
# data region on a 1 MiB boundary; the filesystem is all of FAT.
fat_is() {
	if [ -b "$1" ]; then
		fi_n=$(blockdev --getsz "$1")
	else
		fi_n=$(($(stat -c %s "$1") / 512))
	fi
	fi_data=$(($(bpb "$1" 14 2) + 2 * $(bpb "$1" 36 4)))
	blkid -p "$1" | tee "$TMPD/blkid" && minfo -i "$1" :: > "$TMPD/minfo" || return 1
	grep -E '^(disk type|disk label|serial number|cluster size|reserved|fats|big size)' "$TMPD/minfo"
	echo "data region at sector $fi_data; $fi_n sectors"
	grep -q ' TYPE="vfat"' "$TMPD/blkid" && grep -q ' VERSION="FAT32"' "$TMPD/blkid" &&
		grep -q ' LABEL="PXESTICK"' "$TMPD/blkid" &&
		grep -q " UUID=\"$(echo "$2" | cut -c1-4)-$(echo "$2" | cut -c5-8)\"" "$TMPD/blkid" &&
		grep -qx 'disk type="FAT32   "' "$TMPD/minfo" && grep -qx 'disk label="PXESTICK   "' "$TMPD/minfo" &&
		grep -qx "serial number: $2" "$TMPD/minfo" &&
		[ "$(bpb "$1" 13 1)" = "$3" ] && [ "$(bpb "$1" 16 1)" = 2 ] &&
		[ $((fi_data % 2048)) -eq 0 ] && [ "$(bpb "$1" 32 4)" -eq "$fi_n" ]
}
# round_trip FAT: a file (larger than a cluster) and a folder copied in with
# mtools, the file copied back byte for byte, fsck.fat clean after.
head -c $((MiB + 4321)) /dev/urandom > "$TMPD/fatfile"
round_trip() {
	rm -f "$TMPD/fatfile.back"
	mmd -i "$1" ::/isos && mcopy -i "$1" "$TMPD/fatfile" ::/isos/file.iso &&
		mcopy -n -i "$1" ::/isos/file.iso "$TMPD/fatfile.back" && cmp "$TMPD/fatfile" "$TMPD/fatfile.back" &&
		fat_clean "$1"
}
# Windows' table (and fatgen103's): 512 B clusters up to 260 MiB, 4 KiB
# to 8 GiB, 8 KiB to 16 GiB, 16 KiB to 32 GiB, 32 KiB above.
F=$TMPD/fat.img
i=0
for row in 40M:1 300M:8 8G:8 70G:64; do
	size=${row%:*} spc=${row#*:}
	i=$((i + 1))
	serial=5EED00A$i
	rm -f "$F"
	truncate -s "$size" "$F"
	# lower case: the serial is hex, whatever its case
	check "stick mkfs: a $size file: made" \
		"$PX" stick mkfs --serial "$(echo "$serial" | tr A-F a-f)" "$F"
	check "stick mkfs: $size: fsck.fat clean" fat_clean "$F"
	check "stick mkfs: $size: FAT32 PXESTICK, serial $serial, $((spc * 512))-byte clusters, data on a MiB boundary" \
		fat_is "$F" "$serial" "$spc"
	check "stick mkfs: $size: a file copied in and back (mtools), fsck.fat clean again" round_trip "$F"
done
# (the last: 70 GiB) only the FATs' and the root's sectors written
check "stick mkfs: 70G: sparse still (the FATs and the root written, not the data region)" \
	test "$(du -k "$F" | cut -f1)" -lt $((64 * 1024))
# mkfs_spc FILE SPC: made, fsck.fat clean, SPC sectors per cluster.
mkfs_spc() {
	"$PX" stick mkfs --serial 1234ABCD "$1" && fat_clean "$1" && [ "$(bpb "$1" 13 1)" = "$2" ]
}
# The table's edges: the largest size of each cluster size, and 1 MiB more.
for row in 260M:1 261M:8 8192M:8 8193M:16 16384M:16 16385M:32 32768M:32 32769M:64; do
	size=${row%:*} spc=${row#*:}
	rm -f "$F"
	truncate -s "$size" "$F"
	check "stick mkfs: $size: $((spc * 512))-byte clusters, fsck.fat clean" mkfs_spc "$F" "$spc"
done
# About the least: FAT32 needs 65525 clusters.
rm -f "$F"
truncate -s 33M "$F"
check "stick mkfs: 33M (about the least): made, fsck.fat clean, blkid reads FAT32" sh -c \
	'"$0" stick mkfs "$1" && blkid -p "$1" | grep -q "VERSION=\"FAT32\""' "$PX" "$F"
check "stick mkfs: 33M: fsck.fat clean" fat_clean "$F"
for size in 30M 32M; do
	rm -f "$F"
	truncate -s "$size" "$F"
	"$PX" stick mkfs "$F" > "$TMPD/small.out" 2>&1
	rc=$?
	check "stick mkfs: a $size file: refused (exit $rc), 'too small for FAT32', nothing written" sh -c \
		'cat "$0"; [ "$1" -eq 1 ] && grep -q "too small for FAT32" "$0" && cmp -n "$(stat -c %s "$2")" "$2" /dev/zero' \
		"$TMPD/small.out" "$rc" "$F"
done
rm -f "$F"
truncate -s 40M "$F"
check "stick mkfs: --label data_1: label DATA_1" sh -c \
	'"$0" stick mkfs --label data_1 "$1" && blkid -p "$1" | grep -q " LABEL=\"DATA_1\"" && fsck.fat -n "$1"' "$PX" "$F"
check_exit "stick mkfs: --label 'BAD LABEL': usage error" 2 "$PX" stick mkfs --label 'BAD LABEL' "$F"
check_exit "stick mkfs: --label of 12 letters: usage error" 2 "$PX" stick mkfs --label ABCDEFGHIJKL "$F"
check_exit "stick mkfs: --serial not hex: usage error" 2 "$PX" stick mkfs --serial 12G4 "$F"
check_exit "stick mkfs: --serial of 9 digits: usage error" 2 "$PX" stick mkfs --serial 123456789 "$F"
check_exit "stick mkfs: no PARTITION: usage error" 2 "$PX" stick mkfs
check_exit "stick mkfs: two PARTITIONs: usage error" 2 "$PX" stick mkfs "$F" "$F"
check_exit "stick mkfs: no such file: exit 2" 2 "$PX" stick mkfs "$TMPD/none"
check_exit "stick mkfs: a directory: exit 2" 2 "$PX" stick mkfs "$TMPD"
check_exit "stick mkfs: a character device: exit 2" 2 "$PX" stick mkfs /dev/null

# ---- mkfs on loop devices (root only) ----------------------------------------
# loop_attach FILE [LOSETUP-OPTIONS]: LOOP, a loop device over FILE, also
# kept in LOOPS for the cleanup (not on stdout: a $(...) subshell would
# lose LOOPS).  This machine has no partition nodes for loop devices: a
# partition is a loop device with an offset.
loop_attach() {
	la_f=$1
	shift
	LOOP=
	LOOP=$(losetup -f --show "$@" "$la_f") && [ -b "$LOOP" ] || return 1
	LOOPS="$LOOPS $LOOP"
}
loop_detach() {
	losetup -d "$1"
	LOOPS=$(echo "$LOOPS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}
# vfat_mount DEV: the kernel's vfat mounts DEV on $TMPD/mnt.
vfat_mount() {
	mount -t vfat "$1" "$TMPD/mnt" && MOUNTED=$TMPD/mnt
}
vfat_umount() {
	umount "$TMPD/mnt" && MOUNTED=
}
rm -f "$TMPD/loop.img"
truncate -s 300M "$TMPD/loop.img"
if [ "$(id -u)" != 0 ] || ! command -v losetup > /dev/null; then
	ok "stick mkfs: loop devices, the first boot's flow # SKIP needs root and losetup"
elif ! loop_attach "$TMPD/loop.img"; then
	ok "stick mkfs: loop devices, the first boot's flow # SKIP no free loop device"
else
	L=$LOOP
	mkdir -p "$TMPD/mnt"
	check "stick mkfs: a loop device over 300 MiB: made" "$PX" stick mkfs --serial 100BDE71 "$L"
	check "stick mkfs: the loop device: fsck.fat clean" fat_clean "$L"
	check "stick mkfs: the loop device: FAT32 PXESTICK, 4 KiB clusters" fat_is "$L" 100BDE71 8
	check "stick mkfs: the loop device: a file copied in and back (mtools)" round_trip "$L"
	# The kernel's vfat: what the appliance mounts it with.  Some kernels
	# (containers') have none; then ext4 stands in for "mounted".
	if grep -qw vfat /proc/filesystems || modprobe vfat 2> /dev/null; then
		vfat_ok() {
			vfat_mount "$L" && head -c 777777 /dev/urandom > "$TMPD/mnt/written.bin" &&
				cp "$TMPD/mnt/written.bin" "$TMPD/written" && vfat_umount &&
				vfat_mount "$L" && cmp "$TMPD/mnt/written.bin" "$TMPD/written"
		}
		check "stick mkfs: the kernel's vfat mounts it: a file written, read back after a remount" vfat_ok
		"$PX" stick mkfs "$L" > "$TMPD/busy.out" 2>&1
		rc=$?
		check "stick mkfs: the loop device, mounted: refused (exit $rc), 'mounted or in use'" sh -c \
			'cat "$0"; [ "$1" -eq 1 ] && grep -q "(mounted or in use)" "$0"' "$TMPD/busy.out" "$rc"
		vfat_umount
		check "stick mkfs: ... the file still there, fsck.fat clean" sh -c \
			'mcopy -n -i "$0" ::/written.bin "$1.back" && cmp "$1" "$1.back" && fsck.fat -n "$0"' \
			"$L" "$TMPD/written"
	else
		ok "stick mkfs: the kernel's vfat mounts it # SKIP this kernel has no vfat"
		mkfs.ext4 -q -F "$L" && mount -t ext4 "$L" "$TMPD/mnt" && MOUNTED=$TMPD/mnt &&
			head -c 777777 /dev/urandom > "$TMPD/mnt/written.bin" && cp "$TMPD/mnt/written.bin" "$TMPD/written"
		"$PX" stick mkfs "$L" > "$TMPD/busy.out" 2>&1
		rc=$?
		check "stick mkfs: the loop device, mounted (ext4: no vfat here): refused (exit $rc), 'mounted or in use'" sh -c \
			'cat "$0"; [ "$1" -eq 1 ] && grep -q "(mounted or in use)" "$0"' "$TMPD/busy.out" "$rc"
		umount "$TMPD/mnt" && MOUNTED=
		check "stick mkfs: ... the file still there, e2fsck clean" sh -c \
			'mount -t ext4 -o ro "$0" "$1" && cmp "$1/written.bin" "$2"; r=$?; umount "$1"; [ $r -eq 0 ] && e2fsck -n -f "$0"' \
			"$L" "$TMPD/mnt" "$TMPD/written"
	fi
	loop_detach "$L"
	rm -f "$TMPD/loop.img"

	# The first boot on an 8 GiB stick (appliance/lib.sh stick_grow): the
	# table grown, then a FAT32 made on PXESTICK's new extent -- here through
	# a loop device over that extent, as the kernel's partition would be.
	FLOW=$TMPD/flow.img
	cp --sparse=always "$IMG" "$FLOW"
	truncate -s 8G "$FLOW"
	FS=$((8 * BIG / 512))
	check "stick flow: the image on an 8 GiB stick: grown" "$PXESTICK" stick grow "$FLOW"
	# shellcheck disable=SC2046
	set -- $(gpt_part "$FLOW" PXESTICK)
	check "stick flow: PXESTICK from LBA $DATA_START to the last MiB boundary before the backup GPT" \
		test "${1:-0}" -eq "$DATA_START" -a $((${1:-0} + ${2:-0} - 1)) -eq $((FS - 2048 - 1))
	check "stick flow: the grown PXESTICK holds the image's FAT still (payload.bin, authorized_keys)" sh -c \
		'mdir -/ -a -b -i "$0" :: | tee /dev/stderr | grep -qix "::/payload.bin" &&
		 mdir -/ -a -b -i "$0" :: | grep -qix "::/authorized_keys"' "$FLOW@@$((DATA_START * 512))"
	# Never a stale name: a detached device's number may be someone else's now.
	if loop_attach "$FLOW" -o $((${1:-0} * 512)) --sizelimit $((${2:-0} * 512)); then
		L=$LOOP
		check "stick flow: a loop device over PXESTICK, the partition's size" \
			test "$(blockdev --getsize64 "$L")" -eq $((${2:-0} * 512))
		check "stick flow: stick mkfs on it: made" "$PX" stick mkfs --serial 0FF1CE42 "$L"
		check "stick flow: fsck.fat clean" fat_clean "$L"
		check "stick flow: FAT32 PXESTICK, serial 0FF1CE42, 4 KiB clusters, all of the partition" \
			fat_is "$L" 0FF1CE42 8
		loop_detach "$L"
	else
		not_ok "stick flow: a loop device over PXESTICK (losetup -o --sizelimit)"
	fi
	check "stick flow: sfdisk --verify finds no problem" verify_clean "$FLOW"
	check "stick flow: sgdisk -v finds no problem" sh -c \
		'sgdisk -v "$0" | tee /dev/stderr | grep -q "^No problems found"' "$FLOW"
	check "stick flow: a second grow has nothing to do (mkfs left the table alone)" sh -c \
		'"$0" stick grow "$1" | grep -q "nothing to do"' "$PXESTICK" "$FLOW"
	check "stick flow: PXEBOOT's bytes are unchanged" sh -c \
		'dd if="$0" bs=512 skip="$1" count="$2" status=none | sha256sum | cmp - "$3"' \
		"$FLOW" "$BOOT_START" "$BOOT_SIZE" "$TMPD/boot.sum"
	# What the technician sees: an empty FAT (mkfs: "what the partition held
	# is gone"; the appliance puts the files back), mtools at the offset.
	check "stick flow: the new FAT is empty (no payload.bin, no authorized_keys)" sh -c \
		'mdir -a -i "$0" :: | tee /dev/stderr | grep -qx "No files"' "$FLOW@@$((DATA_START * 512))"
	check "stick flow: a file copied in and back at the partition's offset (mtools)" sh -c \
		'mmd -i "$0" ::/isos && mcopy -i "$0" "$1" ::/isos/file.iso &&
		 mcopy -n -i "$0" ::/isos/file.iso "$1.flow" && cmp "$1" "$1.flow"' \
		"$FLOW@@$((DATA_START * 512))" "$TMPD/fatfile"
	for p in PXEBOOT PXESTICK; do
		part_out "$FLOW" $p "$TMPD/flow.part"
		check "stick flow: fsck.fat finds $p clean" fat_clean "$TMPD/flow.part"
	done
	rm -f "$FLOW" "$TMPD/flow.part"
fi

host_done
