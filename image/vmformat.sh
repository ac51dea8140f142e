#!/bin/sh
# image/vmformat.sh - the stick image as a hypervisor's disk (docs/VMS.md).
#
#   sh image/vmformat.sh IMAGE.img FORMAT...
#
# FORMAT: qcow2 (QEMU/KVM, Proxmox), vmdk (VMware: a monolithic sparse
# disk that ESXi imports with vmkfstools and Workstation opens as it is),
# vhdx (Hyper-V), vdi (VirtualBox).  Each goes next to IMAGE as
# IMAGE-without-.img.FORMAT, converted by qemu-img; the raw image stays.
set -eu
die() { printf 'vmformat: error: %s\n' "$*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: vmformat.sh IMAGE.img FORMAT..."
img=$1
shift
[ -s "$img" ] || die "$img missing"
command -v qemu-img >/dev/null || die "qemu-img missing (package qemu-utils)"
for f in "$@"; do
	case $f in
	qcow2) opts= ;;
	vmdk) opts="-o subformat=monolithicSparse" ;;
	vhdx) opts="-o subformat=dynamic" ;;
	vdi) opts= ;;
	*) die "FORMAT $f: qcow2, vmdk, vhdx or vdi" ;;
	esac
	out=${img%.img}.$f
	rm -f "$out"
	# shellcheck disable=SC2086
	qemu-img convert -q -f raw -O "$f" $opts "$img" "$out"
	printf 'vmformat: %s (%s)\n' "$out" "$(du -h "$out" | cut -f1)" >&2
done
