#!/bin/sh
# The client RAM an Arch ISO needs to boot over HTTP, measured: the
# booting fixture (tests/fixtures/mk-bootiso.sh) with its root image
# padded to several sizes, booted in QEMU straight into its kernel and
# initramfs (-kernel/-initrd, with the command line pxestick's menu would
# give) against `pxestick serve` in a network namespace, at decreasing
# RAM until it no longer reaches SSH.  Prints, per root image size, the
# smallest RAM that worked next to pxestick's figure (archiso_ram_mib(),
# what its menu, /status and `make run` use).
#
#   sh bench/client-ram/run.sh            SIZES="0 256 512" (MiB of padding)
#
# The fixture's live system is busybox; a real Arch ISO's is systemd and
# larger: the formula's constant is for that one (docs/FLASHING.md).
# Needs root (a network namespace, taps) and qemu.  Not part of make test.
set -u
BUILD=${BUILD:-build}
export BUILD
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
. tests/host/lib.sh
. tests/qemu/netboot-lib.sh
SIZES=${SIZES:-"0 256 512"}
STEP=${STEP:-32}
trap 'nb_cleanup; [ -n "${srv:-}" ] && kill "$srv" 2>/dev/null; rm -rf "$TMPD"' EXIT INT TERM
ISO=$FIXTURES/bootiso/archboot.iso
[ -f "$ISO" ] || { echo "bench/client-ram: $ISO missing (make fixtures)" >&2; exit 1; }
nb_possible || { echo "bench/client-ram: needs root, /dev/net/tun and qemu" >&2; exit 1; }
dir=$BUILD/bench/client-ram
mkdir -p "$dir/isos" "$dir/state"

# pad SIZE: the fixture with SIZE MiB of random data in its root image.
pad() {
	out=$dir/isos/ram$1.iso
	[ -f "$out" ] && return 0
	w=$TMPD/pad$1
	rm -rf "$w"
	mkdir -p "$w"
	xorriso -osirrox on -indev "$ISO" -extract / "$w/iso" > /dev/null 2>&1 || return 1
	chmod -R u+w "$w/iso"
	unsquashfs -q -d "$w/root" "$w/iso/arch/x86_64/airootfs.sfs" > /dev/null || return 1
	[ "$1" -gt 0 ] && head -c "$(($1 * 1048576))" /dev/urandom > "$w/root/padding"
	rm -f "$w/iso/arch/x86_64/airootfs.sfs" "$w/iso/arch/x86_64/airootfs.sfs.cms.sig"
	mksquashfs "$w/root" "$w/iso/arch/x86_64/airootfs.sfs" -noappend -quiet -no-progress \
		-all-root -comp gzip > /dev/null || return 1
	(cd "$w/iso/arch/x86_64" && sha512sum airootfs.sfs > airootfs.sha512)
	xorriso -as mkisofs -iso-level 3 -rational-rock -joliet -volid ARCH_202506 \
		-o "$out" "$w/iso" > /dev/null 2>&1 || return 1
	rm -rf "$w"
}
for s in $SIZES; do
	pad "$s" || { echo "bench/client-ram: could not make the ${s} MiB variant" >&2; exit 1; }
done
bsdtar -xf "$ISO" -C "$TMPD" arch/boot/x86_64 || exit 1
kernel=$TMPD/arch/boot/x86_64/vmlinuz-linux
initrd=$TMPD/arch/boot/x86_64/initramfs-linux.img

nb_net authoritative || exit 1
ip -n "$NB_NS" addr add 10.99.0.1/24 dev br0
ssh-keygen -q -t ed25519 -N '' -f "$TMPD/key"
chmod -R a+rX "$dir" "$TMPD"
chmod 777 "$dir/state"
ip netns exec "$NB_NS" "$PXESTICK" serve --iso "$dir/isos" --keys "$TMPD/key.pub" \
	--state "$dir/state" --interface br0 --address 10.99.0.1/24 --dhcp authoritative \
	--https-port 0 --tftp-port 0 > "$TMPD/serve.log" 2>&1 &
srv=$!
for _ in $(seq 1 600); do
	grep -q 'pxestick: serving' "$TMPD/serve.log" && break
	sleep 0.5
done
grep -q 'pxestick: serving' "$TMPD/serve.log" ||
	{ echo "bench/client-ram: serve did not start" >&2; tail "$TMPD/serve.log" >&2; exit 1; }

# boots NAME MEM MAC: 0 when the client reaches "ssh ready" with MEM MiB.
n=0
boots() {
	n=$((n + 1))
	cmd=$("$PXESTICK" archiso entries "$dir/isos/$1.iso" 2>/dev/null |
		sed -n 's/^      netboot: //p' | head -n 1 |
		sed "s,http://SERVER,http://10.99.0.1,g; s,\${netX/mac:hexhyp},$(echo "$3" | tr : -),")
	name=c$n
	nb_tap "$name" || return 1
	: > "$TMPD/$name.log"
	ip netns exec "$NB_NS" "$QEMU" -accel tcg -cpu max -m "$2" -display none -monitor none \
		-no-reboot -serial "file:$TMPD/$name.log" -kernel "$kernel" -initrd "$initrd" \
		-append "$cmd console=ttyS0,115200 panic=1" \
		-netdev "tap,id=n0,ifname=$name,script=no,downscript=no" \
		-device "virtio-net-pci,netdev=n0,mac=$3" > "$TMPD/$name.qemu" 2>&1 &
	q=$!
	rc=1
	for _ in $(seq 1 240); do
		con=$(nb_console "$TMPD/$name.log")
		echo "$con" | grep -q 'pxestick-client: ssh ready on' && { rc=0; break; }
		echo "$con" | grep -Eq 'pxestick-client: FAILED|Kernel panic|Out of memory' && break
		kill -0 "$q" 2>/dev/null || break
		sleep 1
	done
	kill "$q" 2>/dev/null
	wait "$q" 2>/dev/null
	ip -n "$NB_NS" link del "$name" 2>/dev/null
	return $rc
}

echo "client RAM to boot over HTTP to SSH: the booting fixture, root image padded"
printf '%-10s %12s %14s %14s %14s\n' "padding" "root image" "kernel+initrd" "measured min" "pxestick says"
i=0
for s in $SIZES; do
	i=$((i + 1))
	mac=$(printf '52:54:00:77:00:%02x' "$i")
	want=$("$PXESTICK" archiso entries "$dir/isos/ram$s.iso" 2>/dev/null | awk '$1 == "RAM:" { print $2; exit }')
	root=$("$PXESTICK" iso ls "$dir/isos/ram$s.iso" /arch/x86_64/airootfs.sfs | awk '{print $2}')
	boot=$(($(wc -c < "$kernel") + $(wc -c < "$initrd")))
	# Bisect between 64 MiB (never enough) and pxestick's figure (or
	# twice that, should it be short) to STEP MiB.
	lo=64 hi=$want
	boots "ram$s" "$hi" "$mac" || { hi=$((want * 2)); boots "ram$s" "$hi" "$mac" || hi=; }
	while [ -n "$hi" ] && [ $((hi - lo)) -gt "$STEP" ]; do
		mid=$(((lo + hi) / 2 / 16 * 16))
		if boots "ram$s" "$mid" "$mac"; then hi=$mid; else lo=$mid; fi
	done
	min=$hi
	printf '%-10s %9s MiB %10s MiB %10s MiB %10s MiB\n' "${s} MiB" "$((root / 1048576))" \
		"$((boot / 1048576))" "${min:-failed}" "$want"
done
