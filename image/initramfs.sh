#!/bin/sh
# image/initramfs.sh - the appliance's root tree and its initramfs.
#
#   sh image/initramfs.sh WORKDIR
#
# Reads (paths relative to the repository top, overridable by environment):
#   PXESTICK_BIN   the static pxestick binary      (default build/pxestick)
#   BUSYBOX        busybox-static's binary          (default /bin/busybox)
#   IPXE_DIR       Debian's ipxe package files      (default /usr/lib/ipxe)
#   KERNEL_DIR     image/kernel.sh's output         (default WORKDIR/kernel)
#   SOURCE_DATE_EPOCH  the time stamp of every file (default: the last commit)
# and rootfs/ (static files), appliance/ (boot scripts), image/modules.txt.
# Writes WORKDIR/root/ (the tree), WORKDIR/initrd.img (newc cpio, zstd),
# WORKDIR/initrd.list (every path with its size, sorted: what takes room)
# and WORKDIR/initrd.epoch (the SOURCE_DATE_EPOCH used).
#
# Reproducible: files sorted by name, owned by 0:0, every time stamp
# SOURCE_DATE_EPOCH, inode numbers in order (cpio --reproducible), the
# same zstd parameters.  Two runs on the same inputs give the same bytes.
set -eu

die() { printf 'initramfs: error: %s\n' "$*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: initramfs.sh WORKDIR"
mkdir -p "$1"
work=$(cd "$1" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
# abs PATH: PATH made absolute (relative to where we were started).
abs() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$PWD" "$1" ;; esac; }
PXESTICK_BIN=$(abs "${PXESTICK_BIN:-build/pxestick}")
BUSYBOX=$(abs "${BUSYBOX:-/bin/busybox}")
IPXE_DIR=$(abs "${IPXE_DIR:-/usr/lib/ipxe}")
KERNEL_DIR=$(abs "${KERNEL_DIR:-$work/kernel}")
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git -C "$top" log -1 --format=%ct 2>/dev/null) || SOURCE_DATE_EPOCH=0
fi
export SOURCE_DATE_EPOCH

[ -x "$PXESTICK_BIN" ] || die "$PXESTICK_BIN missing (make)"
[ -x "$BUSYBOX" ] || die "$BUSYBOX missing (package busybox-static)"
[ -s "$KERNEL_DIR/kernel.txt" ] || die "$KERNEL_DIR/kernel.txt missing (image/kernel.sh)"
# A dynamically linked binary would not run in the appliance (no libc there).
for b in "$PXESTICK_BIN" "$BUSYBOX"; do
	file -L "$b" | grep -q 'statically linked' || die "$b is not statically linked"
done
read -r kpkg kdebver kver _ <"$KERNEL_DIR/kernel.txt"

root=$work/root
rm -rf "$root"
mkdir -p "$root"
cd "$root"
mkdir -p bin sbin usr/bin usr/sbin usr/lib/pxestick usr/libexec/pxestick etc \
	proc sys dev run tmp root mnt/stick var/lib
chmod 0700 root
chmod 1777 tmp

# busybox and its applets (as the package's --install would link them).
cp "$BUSYBOX" bin/busybox
"$BUSYBOX" --list-full | while read -r applet; do
	[ -e "$applet" ] || [ -L "$applet" ] || ln -s /bin/busybox "$applet"
done
# The kernel runs /init: busybox init, which reads /etc/inittab.
ln -s bin/busybox init

cp "$PXESTICK_BIN" usr/bin/pxestick
for f in undionly.kpxe ipxe.efi snponly.efi; do
	[ -f "$IPXE_DIR/$f" ] || die "$IPXE_DIR/$f missing (package ipxe)"
	cp "$IPXE_DIR/$f" usr/lib/pxestick/
done

cp -R "$top/rootfs/." .
for f in "$top"/appliance/*; do
	cp "$f" usr/libexec/pxestick/
done
chmod 0644 usr/libexec/pxestick/lib.sh etc/passwd etc/group etc/inittab etc/profile etc/hosts
chmod 0600 etc/shadow
ln -s /run/pxestick/state var/lib/pxestick

desc=$(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)
printf 'pxestick appliance %s, kernel %s (Debian %s %s)\n' "$desc" "$kver" "$kpkg" "$kdebver" \
	>etc/pxestick-release

sh "$top/image/modules.sh" "$KERNEL_DIR/tree" "$kver" "$top/image/modules.txt" "$root"

# /dev/console must exist before devtmpfs is mounted, for init's first
# output; a device node cannot be made without root, so it is written into
# the archive by hand (newc header: image/initramfs.sh node()).
find . -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

# node NAME MODE MAJOR MINOR INO: one newc entry without data.
node() {
	n=$(($(printf '%s' "$1" | wc -c) + 1))
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		"$5" "$2" 0 0 1 "$SOURCE_DATE_EPOCH" 0 0 0 "$3" "$4" "$n" 0
	printf '%s\000' "$1"
	pad=$(((4 - (110 + n) % 4) % 4))
	[ "$pad" -eq 0 ] || head -c "$pad" /dev/zero
}

list=$work/initrd.list
find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort >"$work/initrd.files"
{
	# dev and dev/console (character 5:1, 0600) first, then the tree and
	# cpio's trailer: one archive ("dev" comes twice; the second finds it
	# made).  Inode numbers far above cpio's own.
	node dev $((0040000 | 0755)) 0 0 $((0x7fff0001))
	node dev/console $((0020000 | 0600)) 5 1 $((0x7fff0002))
	cpio --quiet -o -H newc --reproducible -R 0:0 <"$work/initrd.files"
} >"$work/initrd.cpio"
zstd -q -f "-${ZSTD_LEVEL:-19}" -T0 "$work/initrd.cpio" -o "$work/initrd.img"
# The file itself keeps its build time (make compares it with the sources);
# the time stamp inside is recorded beside it.
echo "$SOURCE_DATE_EPOCH" >"$work/initrd.epoch"

# What takes the room, uncompressed.
find . -type f -printf '%s\t%P\n' | LC_ALL=C sort -k2 >"$list"
