#!/bin/sh
# Regenerate the stick seed corpus (committed): tiny GPT disks made by
# sfdisk, each behind fuzz_stick's 5-byte header (flags, then the disk's
# size in sectors, little endian; 0: the image's own size).
set -eu
out=$(cd "$(dirname "$0")" && pwd)/corpus/stick
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
# seed NAME FLAGS SECTORS IMAGE: the header (SECTORS as 4 LE bytes), then IMAGE.
seed() {
	printf "$(printf '\\%03o' "$2" $(($3 & 255)) $(($3 >> 8 & 255)) $(($3 >> 16 & 255)) $(($3 >> 24 & 255)))" >"$out/$1"
	cat "$4" >>"$out/$1"
}
# gpt FILE SECTORS SFDISK-SCRIPT: a disk of SECTORS sectors.
gpt() {
	rm -f "$1"
	truncate -s $(($2 * 512)) "$1"
	printf '%s\n' "$3" | sfdisk --quiet --no-reread --no-tell-kernel "$1" >/dev/null
}
t='type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7'
id='label: gpt
label-id: 11111111-2222-4333-8444-555555555555
first-lba: 34'
# 72 sectors: the tables (34 + 33) and 5 sectors of partition.
gpt "$tmp/one" 72 "$id
start=34, size=5, $t, uuid=11111111-2222-4333-8444-666666666666, name=\"PXESTICK\""
seed one-grow 0 4096 "$tmp/one"
seed one-full 0 0 "$tmp/one"
seed one-unaligned 0 5000 "$tmp/one"
# The primary header gone: the backup at the last LBA is used.
cp "$tmp/one" "$tmp/nopri"
dd if=/dev/zero of="$tmp/nopri" bs=512 seek=1 count=1 conv=notrunc status=none
seed primary-gone 0 0 "$tmp/nopri"
# Two partitions, the data one last.
gpt "$tmp/two" 72 "$id
start=34, size=2, $t, name=\"BOOT\"
start=36, size=3, $t, name=\"PXESTICK\", attrs=\"LegacyBIOSBootable\""
seed two-grow 0 8192 "$tmp/two"
# The appliance's layout (image/mkimage.sh): entry 1 PXESTICK lies after
# entry 2, the boot partition (EFI system, LegacyBIOSBootable) -- the
# partition to grow is physically last but not the table's last entry.
e='type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B'
gpt "$tmp/appliance" 72 "$id
start=36, size=3, $t, uuid=11111111-2222-4333-8444-777777777777, name=\"PXESTICK\"
start=34, size=2, $e, uuid=11111111-2222-4333-8444-888888888888, name=\"PXEBOOT\", attrs=\"LegacyBIOSBootable\""
seed appliance-grow 0 8192 "$tmp/appliance"
seed appliance-full 0 0 "$tmp/appliance"
# PXESTICK first and the boot partition after it: nothing may grow.
gpt "$tmp/notlast" 72 "$id
start=34, size=2, $t, uuid=11111111-2222-4333-8444-777777777777, name=\"PXESTICK\"
start=36, size=3, $e, uuid=11111111-2222-4333-8444-888888888888, name=\"PXEBOOT\", attrs=\"LegacyBIOSBootable\""
seed not-last 0 8192 "$tmp/notlast"
# A short entry array (4 entries: one sector).
gpt "$tmp/short" 16 "label: gpt
first-lba: 4
table-length: 4
start=4, size=8, $t, name=\"PXESTICK\""
seed short-table 0 2048 "$tmp/short"
ls -l "$out"
