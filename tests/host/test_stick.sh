#!/bin/sh
# `pxestick stick grow` judged by util-linux and gdisk, not by itself:
#
#   grow:      the appliance image (image/mkimage.sh, 64 MiB, a file put on
#              its FAT with mtools) on a 1 GiB "stick" (truncate): sfdisk
#              --verify and sgdisk -v find no problem; sfdisk --json shows
#              the partition ending on the last MiB boundary before the
#              backup GPT, which is at the last LBA; the table is byte for
#              byte the one sfdisk writes itself for that layout; the
#              partition's bytes and the file are unchanged; a second run
#              writes nothing
#   power cut: PXESTICK_STICK_STOP_AFTER=N for every write N: the cut
#              image still has a table sfdisk reads (the old layout or the
#              new), the file is intact, and a run without the hook ends in
#              exactly the grown image
#   hostile:   (ASan+UBSan binary) random bytes, a truncated image, an
#              empty file, a disk smaller than the image, a damaged primary
#              with a good backup: a clear message and exit status 1 (the
#              last: repaired, 0), never a crash
. tests/host/lib.sh

for tool in sfdisk sgdisk mformat mcopy syslinux; do
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
NEW_END=$((S - 2048 - 1))        # the partition's last LBA once grown

# ---- the image: mkimage.sh's layout, with stand-in kernel, loaders and initramfs ----
WORK=$TMPD/work
mkdir -p "$WORK/kernel" "$WORK/efi"
printf 'not a kernel\n' > "$WORK/kernel/vmlinuz"
printf 'not an initramfs\n' > "$WORK/initrd.img"
for f in shimx64.efi mmx64.efi grubx64.efi; do printf 'not %s\n' "$f" > "$WORK/efi/$f"; done
IMG=$TMPD/image.img
PXESTICK_BIN=$PXESTICK sh image/mkimage.sh --size 64M "$WORK" "$IMG" 2> "$TMPD/mk.err"
if [ ! -s "$IMG" ]; then
	not_ok "stick: mkimage.sh makes a 64 MiB image"
	sed 's/^/# /' "$TMPD/mk.err"
	exit 1
fi
head -c $((3 * MiB + 12345)) /dev/urandom > "$TMPD/payload"
mcopy -i "$IMG@@$MiB" "$TMPD/payload" ::/payload.bin
OLD_END=$(sfdisk -d "$IMG" | sed -n 's/.*start= *2048, size= *\([0-9]*\),.*/\1/p')
OLD_END=$((2048 + OLD_END - 1))
# The partition's bytes before (the FAT and the file in it).
dd if="$IMG" bs=512 skip=2048 count=$((OLD_END - 2047)) status=none | sha256sum > "$TMPD/part.sum"

# copy SRC DST: a 1 GiB stick holding SRC's first 64 MiB and last MiB
# (all a grow writes; cp would read the whole sparse GiB).
copy() {
	rm -f "$2"
	truncate -s "$BIG" "$2"
	dd if="$1" of="$2" bs=$MiB count=64 conv=notrunc status=none
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
	{ head -c $((64 * MiB)) "$1"; tail -c $MiB "$1"; } | sha256sum
}
# part_end FILE: the last LBA of partition 1 as sfdisk reads it.
part_end() {
	sfdisk -d "$1" 2> /dev/null |
		sed -n 's/.*start= *\([0-9]*\), size= *\([0-9]*\),.*/\1 \2/p' |
		{ read -r s n && echo $((s + n - 1)); }
}
# file_ok FILE: the payload comes out of the FAT byte for byte.
file_ok() {
	rm -f "$TMPD/out.bin"
	mcopy -n -i "$1@@$MiB" ::/payload.bin "$TMPD/out.bin" && cmp "$TMPD/out.bin" "$TMPD/payload"
}
# part_same FILE: the partition's old extent holds the same bytes.
part_same() {
	dd if="$1" bs=512 skip=2048 count=$((OLD_END - 2047)) status=none | sha256sum |
		cmp - "$TMPD/part.sum"
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
	python3 - "$TMPD/json" "$S" "$NEW_END" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))["partitiontable"]
s, end = int(sys.argv[2]), int(sys.argv[3])
p, = t["partitions"]
assert t["label"] == "gpt" and t["lastlba"] == s - 34, t
assert p["start"] == 2048 and p["start"] + p["size"] - 1 == end, p
assert (end + 1) % 2048 == 0 and p["name"] == "PXESTICK", p
assert p["attrs"] == "LegacyBIOSBootable", p
EOF
}
check "stick: sfdisk --json: partition 1 ends at LBA $NEW_END (a MiB boundary)" json_ok
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
check "stick: the partition's bytes are unchanged" part_same "$G"
check "stick: the file on the FAT is intact (mcopy, cmp)" file_ok "$G"
check "stick: nothing written between the image and the backup GPT" sh -c \
	'dd if="$0" bs=$1 skip=64 count=959 status=none | cmp -n $((959 * $1)) - /dev/zero' "$G" "$MiB"
fingerprint "$G" > "$TMPD/grown.sum"
again() {
	"$PXESTICK" stick grow "$G" | tee "$TMPD/again" && grep -q 'nothing to do' "$TMPD/again" &&
		fingerprint "$G" | cmp - "$TMPD/grown.sum"
}
check "stick: a second run is a no-op (nothing written)" again

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

host_done
