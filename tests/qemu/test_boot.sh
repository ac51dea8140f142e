#!/bin/sh
# The appliance image boots under QEMU (TCG, 256 MiB, the image as a USB
# stick) on SeaBIOS and on OVMF to "pxestick: serving", and its console
# says what a technician needs.  Sixteen boots (BIOS: syslinux; UEFI:
# Debian's signed shim, then its signed GRUB, then the signed kernel):
#
#   seabios-user-iso      QEMU's user network (a DHCP server is there):
#                         proxy mode; an ISO and keys on the stick; HTTP
#                         answers through a host port forward
#   ovmf-isolated-iso     a tap in a namespace, no DHCP server:
#                         authoritative on 10.99.0.1; HTTP from the
#                         namespace; a DHCP client there gets a lease;
#                         then the power is cut (QEMU killed): the FAT is
#                         clean and the state folder has the lease and
#                         the TLS certificate
#   seabios-isolated-again  the same stick on the other firmware: the
#                         certificate and the lease come back
#   seabios-isolated-bare the generic image: no ISO, no keys: the console
#                         says what is missing and where to put it
#   ovmf-user-broken      a broken pxestick.conf and a corrupt ISO next to
#                         a good one: each bad line named and skipped, the
#                         good lines applied, the corrupt ISO refused with
#                         its reason, the good one served
#   release-8g-seabios    make release's image on an 8 GiB disk: the first
#                         boot grows the data partition to fill it (table,
#                         FAT32, its files kept; fsck.fat and sfdisk judge)
#   release-8g-ovmf       an ISO and a key copied onto it with mtools: the
#                         next boot (UEFI) serves them, and grows nothing
#   extra-stick           a second USB stick with an ISO plugged in while
#                         serving (QEMU's monitor): the ISO is verified and
#                         served without a restart; pulled: no longer offered
#   grow-cut-inmkfs/-copy QEMU killed in the middle of the growth (inside
#                         stick mkfs: no filesystem, no label / before the
#                         files are put back):
#                         the next boot, on the other firmware, finishes it
#                         and every file is there
#   vmware-vmdk           the image converted to vmdk (image/vmformat.sh) on
#                         VMware's PVSCSI controller with a vmxnet3 NIC
#   ovmf-sb-user          OVMF's Secure Boot build with Microsoft's keys
#                         enrolled: shim, GRUB and the kernel pass, the
#                         kernel says Secure Boot is on and locks itself
#                         down, modules still load, and it serves
#   ovmf-sb-badkernel     the same with one byte of the kernel changed:
#                         GRUB (through shim) refuses it -- Secure Boot
#                         was really checking
#
# Prints the seconds from power-on to serving for each (target: < 15 s).
# Built from the parts `make image-parts` leaves in build/image.
. tests/host/lib.sh
. tests/qemu/lib.sh

WORK=$BUILD/image
ISO=$FIXTURES/archiso/archiso.iso
BAD_ISO=$FIXTURES/archiso/archiso-corrupt.iso
KEYS=$FIXTURES/keys/ed25519.pub

for f in "$WORK/initrd.img" "$WORK/kernel/vmlinuz" "$WORK/efi/shimx64.efi" "$ISO" "$BAD_ISO" "$KEYS"; do
	if [ ! -f "$f" ]; then
		not_ok "qemu: $f missing (make image-parts fixtures)"
		exit 1
	fi
done
if ! command -v "$QEMU" >/dev/null 2>&1; then
	not_ok "qemu: $QEMU not installed (make deps)"
	exit 1
fi

# image NAME MKIMAGE-ARGS...: a variant of the image in $TMPD, with
# IMG_CMDLINE (more kernel parameters) and IMG_PARTTYPE when set.
IMG_CMDLINE=
IMG_PARTTYPE=data
image() {
	n=$1
	shift
	CMDLINE_EXTRA=$IMG_CMDLINE PARTTYPE=$IMG_PARTTYPE PXESTICK_BIN=$PXESTICK \
		sh image/mkimage.sh "$@" "$WORK" "$TMPD/$n.img" 2>"$TMPD/$n.mkimage" ||
		{ not_ok "$n: the image is made"; sed 's/^/# /' "$TMPD/$n.mkimage"; return 1; }
}

# stick_off IMAGE LABEL: the byte offset of the partition named LABEL.
stick_off() {
	so=$(gpt_part "$1" "$2")
	echo $((${so%% *} * 512))
}
# fat_of IMAGE LABEL: mtools' name of that partition's FAT.
fat_of() { echo "$1@@$(stick_off "$1" "$2")"; }
# fills IMAGE [cut]: partition 1 (PXESTICK) ends on the last MiB boundary
# before the backup GPT, its FAT32 fills it (within a cluster), fsck.fat
# finds both FATs clean and sfdisk finds the table right.
fills() {
	sz=$(stat -c %s "$1")
	set -- "$1" "${2:-}" $(gpt_part "$1" PXESTICK)
	start=${3:-0} end=$((${3:-0} + ${4:-0}))
	[ "$end" -eq $((sz / 512 - 2048)) ] || { echo "# PXESTICK ends at $end"; return 1; }
	sfdisk --verify "$1" >/dev/null 2>&1 || { sfdisk --verify "$1" | sed 's/^/# /'; return 1; }
	fs=$(od -An -tu4 -j$((start * 512 + 32)) -N4 "$1" | tr -d ' ')
	[ $((end - start - fs)) -lt 64 ] || { echo "# the FAT has $fs sectors of $((end - start))"; return 1; }
	# (part_out skips the 8 GiB image's holes: dd would read them all.)
	part_out "$1" PXESTICK "$1.part" && fsck.fat -n "$1.part" >/dev/null ||
		{ fsck.fat -n "$1.part" | sed 's/^/# /'; rm -f "$1.part"; return 1; }
	part_out "$1" PXEBOOT "$1.part" || return 1
	# After a cut while the boot partition was mounted read-write (the
	# copy), the kernel's "not properly unmounted" flag stays set (byte 65,
	# bit 0, and the backup boot sector differs there): with cut, that flag
	# is taken off before fsck.fat judges the rest -- no lost or crossed
	# clusters, no broken directory.
	if [ "$2" = cut ]; then
		for o in 65 $((6 * 512 + 65)); do
			printf '\000' | dd of="$1.part" bs=1 seek="$o" conv=notrunc status=none
		done
	fi
	fsck.fat -n "$1.part" >/dev/null || { echo "# PXEBOOT:"; fsck.fat -n "$1.part" | sed 's/^/# /'; rm -f "$1.part"; return 1; }
	rm -f "$1.part"
}
# cmdline_set IMAGE SED: edit the kernel command line of both loaders on
# the boot partition (as a technician would, from another computer).
cmdline_set() {
	b=$(fat_of "$1" PXEBOOT)
	for f in EFI/debian/grub.cfg boot/syslinux/syslinux.cfg; do
		mtype -i "$b" "::/$f" | sed "$2" >"$TMPD/cfg" && mcopy -o -i "$b" "$TMPD/cfg" "::/$f" || return 1
	done
}
kill_vm() {
	qpid=$(cat "$VM_PIDFILE" 2>/dev/null)
	[ -z "$qpid" ] || kill -9 "$qpid"
	vm_stop
}
export MTOOLS_SKIP_CHECK=1

TIMES=
# boot NAME FIRMWARE NET IMAGE: power on, wait for serving (one check).
boot() {
	if ! vm_start "$1" "$2" "$3" "$4"; then
		not_ok "$1: QEMU starts"
		return 1
	fi
	if vm_wait 'pxestick: serving'; then
		ok "$1: boots to 'pxestick: serving' in $VM_SECONDS s"
		TIMES="$TIMES
  $(printf '%-24s %-8s %s s' "$1" "$2" "$VM_SECONDS")"
	else
		not_ok "$1: boots to 'pxestick: serving' within $VM_TIMEOUT s"
		vm_console | tail -n 40 | sed 's/^/# /'
		sed 's/^/# qemu: /' "$TMPD/$1.qemu.out" | head -n 5
		vm_stop
		return 1
	fi
}

# calm NAME: nothing went wrong on the way.
calm() {
	if vm_console | grep -Eq 'Kernel panic|pxestick stopped|Segmentation fault|not found in modules.dep'; then
		not_ok "$1: no panic, crash or restart on the console"
		vm_console | grep -E 'Kernel panic|pxestick stopped|Segmentation fault|modules.dep' | sed 's/^/# /'
	else
		ok "$1: no panic, crash or restart on the console"
	fi
}

# http_user PATH: GET through the user network's port forward.
http_user() {
	curl -sS --max-time 10 "http://127.0.0.1:$VM_HTTP_PORT$1"
}
# http_ns PATH: GET from the namespace to the appliance at 10.99.0.1.
http_ns() {
	ip netns exec "$VM_NS" curl -sS --max-time 10 "http://10.99.0.1$1"
}

# ---- 1. SeaBIOS, user network (DHCP present): proxy, ISO, keys, HTTP ----
n=seabios-user-iso
if image "$n" --iso "$ISO" --keys "$KEYS" && boot "$n" seabios user "$TMPD/$n.img"; then
	vm_shows "$n: console shows the stick mounted read-only" '^stick: +/dev/sd[a-z]1 \(label PXESTICK\), mounted read-only'
	vm_shows "$n: console says the firmware is BIOS" '^firmware: +BIOS'
	vm_shows "$n: console shows proxy mode (QEMU's DHCP server answered)" '^mode: +proxyDHCP: the DHCP server 10\.0\.2\.2'
	vm_shows "$n: console shows the leased address" '^address: +10\.0\.2\.15 '
	vm_shows "$n: console lists the ISO" '^ISOs: +isos/archiso\.iso'
	vm_shows "$n: console shows the ISO verified" 'ISO isos/archiso\.iso: verified'
	vm_shows "$n: console shows one key" '^keys: +1 key\(s\) in authorized_keys'
	vm_shows "$n: serving line names proxy DHCP on eth0" 'pxestick: serving .*dhcp proxy on eth0'
	vm_shows "$n: console shows the time to serving" '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} ready: clients can netboot from 10\.0\.2\.15 \(proxy DHCP on eth0\)'
	calm "$n"
	check "$n: HTTP /boot.ipxe through the port forward has the ISO's entries" \
		sh -c "$(cat <<'EOF'
out=$(curl -sS --max-time 10 "http://127.0.0.1:$0/boot.ipxe?memsize=4096") || exit 1
printf '%s\n' "$out" | head -n 3
printf '%s\n' "$out" | grep -q '^#!ipxe' &&
printf '%s\n' "$out" | grep -q 'kernel http://10.0.2.15/iso/archiso/arch/boot/x86_64/vmlinuz-linux'
EOF
)" "$VM_HTTP_PORT"
	check "$n: HTTP /script.cfg carries the key" sh -c \
		'curl -sS --max-time 10 "http://127.0.0.1:$0/script.cfg" | grep -qF "$(cut -d" " -f2 "$1")"' \
		"$VM_HTTP_PORT" "$KEYS"
	check "$n: HTTP serves the iPXE binaries" sh -c \
		'curl -sS --max-time 10 -o /dev/null -w "%{http_code} %{size_download}\n" "http://127.0.0.1:$0/undionly.kpxe" | grep -q "^200 [1-9]"' \
		"$VM_HTTP_PORT"
fi
vm_stop

# ---- 2. OVMF, isolated network: authoritative on 10.99.0.1 ----------------
n=ovmf-isolated-iso
if ! vm_netns_ok; then
	ok "$n: skipped (needs root, /dev/net/tun and network namespaces)"
elif IMG_CMDLINE=pxestick.syncevery=2 && image "$n" --iso "$ISO" --keys "$KEYS" &&
	VM_SNAPSHOT=off && boot "$n" ovmf isolated "$TMPD/$n.img"; then
	IMG_CMDLINE=
	VM_SNAPSHOT=on
	vm_shows "$n: console shows authoritative mode" '^mode: +authoritative: no other DHCP server answered'
	vm_shows "$n: console shows 10.99.0.1" '^address: +10\.99\.0\.1 '
	# Alone on the network, the appliance runs pxestick's DHCP in auto:
	# it probes once more, then serves addresses and keeps watching.
	vm_shows "$n: serving line names DHCP auto on the interface" 'pxestick: serving .*dhcp auto \(probing\) on eth0'
	vm_wait 'dhcp: auto: no other DHCP server answered .*authoritative on eth0' >/dev/null
	vm_shows "$n: DHCP turns authoritative after its own probe" 'dhcp: auto: no other DHCP server answered .*: authoritative on eth0'
	vm_shows "$n: console shows the ISO verified" 'ISO isos/archiso\.iso: verified'
	calm "$n"
	check "$n: HTTP /boot.ipxe from the namespace" sh -c \
		'ip netns exec "$0" curl -sS --max-time 10 "http://10.99.0.1/boot.ipxe?memsize=4096" | grep -q "kernel http://10.99.0.1/iso/archiso/"' \
		"$VM_NS"
	# A DHCP client in the namespace (its address stays 10.99.0.2: the
	# script only records the offer it was given).
	cat >"$TMPD/udhcpc.sh" <<EOF
#!/bin/sh
[ "\$1" = bound ] && echo "\$ip \$serverid \$boot_file" >"$TMPD/lease"
exit 0
EOF
	chmod +x "$TMPD/udhcpc.sh"
	check "$n: a DHCP client on the network gets an address from the pool" sh -c \
		'ip netns exec "$0" busybox udhcpc -i tap0 -n -q -f -t 6 -T 2 -s "$1/udhcpc.sh" >/dev/null 2>&1; cat "$1/lease"; grep -Eq "^10\.99\.0\.(1[0-9][0-9]|2[0-4][0-9]|250) 10\.99\.0\.1" "$1/lease"' \
		"$VM_NS" "$TMPD"
	vm_shows "$n: log lines on the console carry the time" \
		'^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} pxestick: serving '
	ip netns exec "$VM_NS" curl -s -o /dev/null --max-time 10 "http://10.99.0.1/files/?before-the-cut-$$"
	# pxestick.syncevery=2: the state reaches the stick within seconds;
	# the log every 5 s (pxestick.logevery).
	sleep 8
	# The power cord, pulled: SIGKILL, no shutdown of any kind.
	qpid=$(cat "$VM_PIDFILE" 2>/dev/null)
	[ -z "$qpid" ] || kill -9 "$qpid"
	vm_stop
	d=$(fat_of "$TMPD/$n.img" PXESTICK)
	part_out "$TMPD/$n.img" PXESTICK "$TMPD/$n.part"
	check "$n: power cut while serving: fsck.fat finds the FAT clean" fsck.fat -n "$TMPD/$n.part"
	check "$n: power cut: the stick's state folder has the TLS certificate" sh -c \
		'mtype -i "$0" ::/state/tls-cert.pem | grep -q "BEGIN CERTIFICATE"' "$d"
	check "$n: power cut: the stick's pxestick.log has the request of 8 s before" sh -c \
		'mtype -i "$0" ::/state/pxestick.log | grep -q "GET /files/?before-the-cut-$1\" 200"' "$d" "$$"
	check "$n: power cut: the stick's boot.log is there too" sh -c \
		'mtype -i "$0" ::/state/boot.log | grep -q "ready: clients can netboot"' "$d"
	leased=$(cut -d' ' -f1 "$TMPD/lease" 2>/dev/null)
	check "$n: power cut: the stick's state folder has the client's lease ($leased)" sh -c \
		'[ -n "$1" ] && mtype -i "$0" ::/state/dhcp-leases | grep -qF "$1"' "$d" "$leased"

	n2=seabios-isolated-again
	if boot "$n2" seabios isolated "$TMPD/$n.img"; then
		vm_shows "$n2: the stored TLS certificate is used again" 'https: using the self-signed certificate'
		vm_shows "$n2: the stored lease is kept" 'dhcp: 1 lease\(s\) kept'
		calm "$n2"
	fi
fi
vm_stop

# ---- 3. SeaBIOS, isolated, the generic image: what is missing -------------
n=seabios-isolated-bare
IMG_CMDLINE=
VM_SNAPSHOT=on
if ! vm_netns_ok; then
	ok "$n: skipped (needs root, /dev/net/tun and network namespaces)"
elif image "$n" && boot "$n" seabios isolated "$TMPD/$n.img"; then
	vm_shows "$n: console says no ISO and where to put one" '^ISOs: +NONE: copy an Arch Linux \.iso into the isos folder of the stick'
	vm_shows "$n: console says no keys and where to put them" '^keys: +NONE: put your SSH public key .* on the stick'
	vm_shows "$n: console says the generated pxestick.conf was read" '^config: +pxestick\.conf read'
	vm_shows "$n: serving line says no ISO and no keys" 'pxestick: serving .*ISOs: none; script\.cfg NOT served'
	calm "$n"
	check "$n: HTTP /boot.ipxe answers without an ISO" sh -c \
		'ip netns exec "$0" curl -sS --max-time 10 -o /dev/null -w "%{http_code}\n" http://10.99.0.1/boot.ipxe | grep -q "^200"' \
		"$VM_NS"
fi
vm_stop

# ---- 4. OVMF, user network, a broken pxestick.conf, a corrupt ISO ----------
n=ovmf-user-broken
# Saved by a Windows editor: a byte order mark, CR LF line ends.
printf '\357\273\277# a technician'"'"'s config with mistakes\r\n' >"$TMPD/broken.conf"
sed 's/$/\r/' >>"$TMPD/broken.conf" <<'EOF'
menu-timeout = 3
this line is not a setting
http-port = 99999
efi-boot = snponly.efi
interface = eth7
menu-default = archiso
EOF
# linkwait=2: the wait for eth7 (it might be a slow USB adapter) is short.
IMG_CMDLINE=pxestick.linkwait=2
if image "$n" --iso "$ISO" --iso "$BAD_ISO" --keys "$KEYS" --conf "$TMPD/broken.conf" &&
	boot "$n" ovmf user "$TMPD/$n.img"; then
	vm_shows "$n: console names line 3 and why" '^pxestick\.conf line 3: expected .* -- this line is ignored'
	vm_shows "$n: console names line 4 and why" '^pxestick\.conf line 4: http-port: .*99999.* -- this line is ignored'
	vm_shows "$n: console says the rest of pxestick.conf was read" '^config: +pxestick\.conf read'
	check "$n: only those two lines are refused (BOM and CR LF are fine)" sh -c \
		'[ "$(tr -d "\r" <"$0" | grep -c "^pxestick\.conf line")" -eq 2 ]' "$VM_LOG"
	vm_shows "$n: console says interface eth7 does not exist, eth0 is used" \
		'^network: +NO INTERFACE eth7 .*there are: eth0'
	vm_shows "$n: ... and serves on eth0 all the same" 'pxestick: serving .*dhcp proxy on eth0'
	vm_shows "$n: console shows the corrupt ISO refused with the reason" 'ISO refused: isos/archiso-corrupt\.iso: .+'
	vm_shows "$n: console shows the good ISO verified" 'ISO isos/archiso\.iso: verified'
	vm_shows "$n: serving line serves the good ISO only" 'pxestick: serving .*ISOs: archiso;'
	calm "$n"
	check "$n: the good lines apply (menu-timeout = 3 in boot.ipxe)" sh -c \
		'curl -sS --max-time 10 "http://127.0.0.1:$0/boot.ipxe?memsize=4096" | grep -q "choose --timeout 3000"' \
		"$VM_HTTP_PORT"
fi
vm_stop

IMG_CMDLINE=

# ---- 5. The release image on an 8 GiB stick: the first boot grows it ----------

n=release-8g-seabios
rel=$TMPD/release
if ! BUILD=$BUILD PXESTICK_BIN=$PXESTICK sh mk/release.sh "$rel" "$TMPD/release-work" 2>"$TMPD/$n.release"; then
	not_ok "$n: make release's image is made"
	sed 's/^/# /' "$TMPD/$n.release"
elif ! zstd -q -d "$rel"/pxestick-*.img.zst -o "$TMPD/$n.img" || ! truncate -s 8G "$TMPD/$n.img"; then
	not_ok "$n: the release image on an 8 GiB disk"
elif VM_SNAPSHOT=off && boot "$n" seabios user "$TMPD/$n.img"; then
	vm_shows "$n: console says the data partition grows to fill the stick" \
		'^stick: +/dev/sd[a-z]1 is 36 MiB on a 8192 MiB stick: growing it to fill the stick'
	vm_shows "$n: console says it grew, and how long it took" '^ +grown to 8126 MiB in [0-9]+ s, its files kept'
	vm_shows "$n: ... then mounts it" '^stick: +/dev/sd[a-z]1 \(label PXESTICK\), mounted read-only'
	vm_console | grep -E 'grown to' | sed 's/^/# /'
	calm "$n"
	vm_stop
	check "$n: the partition and its FAT32 fill the stick; both FATs clean" fills "$TMPD/$n.img"
	d=$(fat_of "$TMPD/$n.img" PXESTICK)
	check "$n: README.txt and pxestick.conf are kept" sh -c \
		'mtype -i "$0" ::/README.txt | cmp -s - image/stick/README.txt && mtype -i "$0" ::/pxestick.conf | grep -q "^#dhcp = auto"' "$d"
	check "$n: nothing left on the boot partition" sh -c \
		'mdir -b -i "$0" ::/ >"$1" && ! grep -q pxestick-grow "$1"' "$(fat_of "$TMPD/$n.img" PXEBOOT)" "$TMPD/$n.dir"
	# The technician copies an ISO and a key onto the stick, from a
	# desktop (here mtools: no kernel driver, no mount).
	mcopy -i "$d" "$ISO" ::/isos/archiso.iso && mcopy -i "$d" "$KEYS" ::/authorized_keys
	n2=release-8g-ovmf
	dd if="$TMPD/$n.img" of="$TMPD/$n.bootsector" bs=512 skip=2048 count=1 status=none
	if boot "$n2" ovmf user "$TMPD/$n.img"; then
		check "$n2: no second growth" sh -c '[ -s "$0" ] && ! tr -d "\r" <"$0" | grep -q "growing it"' "$VM_LOG"
		vm_shows "$n2: console says UEFI" '^firmware: +UEFI'
		vm_shows "$n2: the ISO copied on is verified" 'ISO isos/archiso\.iso: verified'
		vm_shows "$n2: the key copied on is read" '^keys: +1 key\(s\) in authorized_keys'
		calm "$n2"
		check "$n2: HTTP /script.cfg carries the key" sh -c \
			'curl -sS --max-time 10 "http://127.0.0.1:$0/script.cfg" | grep -qF "$(cut -d" " -f2 "$1")"' \
			"$VM_HTTP_PORT" "$KEYS"
		vm_stop
		check "$n2: a boot with nothing to grow never wrote the boot partition's boot sector" sh -c \
			'dd if="$0" bs=512 skip=2048 count=1 status=none | cmp -s - "$1"' "$TMPD/$n.img" "$TMPD/$n.bootsector"
	fi
fi
vm_stop
VM_SNAPSHOT=on

# ---- 5b. The power cut in the middle of the growth --------------------------
# pxestick.growstop=STEP stops the growth before STEP; QEMU is killed
# there, the stop taken off the command line, and the next boot (on the
# other firmware) must finish it with every file kept.  inmkfs: inside
# `stick mkfs`, the old filesystem cleared and no new one yet -- the data
# partition has no label then, and the next boot finds it through the
# mark on the boot partition.
echo "a file the technician put on the stick before the first boot" >"$TMPD/note.txt"
for step in inmkfs copy; do
	n=grow-cut-$step
	IMG_CMDLINE=pxestick.growstop=$step
	if ! image "$n" --keys "$KEYS" --add "$TMPD/note.txt" || ! truncate -s 8G "$TMPD/$n.img"; then
		continue
	fi
	VM_SNAPSHOT=off
	if ! vm_start "$n" seabios user "$TMPD/$n.img"; then
		not_ok "$n: QEMU starts"
		continue
	fi
	if vm_wait 'cut the power now|pxestick: serving'; then
		vm_shows "$n: the growth stops before $step" "stick: stopped before $step"
	else
		not_ok "$n: the growth stops before $step within $VM_TIMEOUT s"
		vm_console | tail -n 20 | sed 's/^/# /'
	fi
	kill_vm
	b=$(fat_of "$TMPD/$n.img" PXEBOOT)
	check "$n: after the cut the boot partition holds the files and the mark" sh -c \
		'mtype -i "$0" ::/pxestick-grow/authorized_keys >/dev/null && mtype -i "$0" ::/pxestick-grow.todo >/dev/null' "$b"
	if [ "$step" = inmkfs ]; then
		check "$n: after the cut the data partition has no filesystem (no label to find it by)" sh -c \
			'! minfo -i "$0" :: >/dev/null 2>&1' "$(fat_of "$TMPD/$n.img" PXESTICK)"
	fi
	# (stickwait=5: that boot looks for the label in vain first.)
	cmdline_set "$TMPD/$n.img" 's/ pxestick\.growstop=[a-z]*/ pxestick.stickwait=5/'
	n2=$n-resumed
	if boot "$n2" ovmf user "$TMPD/$n.img"; then
		vm_shows "$n2: console says a power cut interrupted the growth" 'a power cut interrupted the growth of /dev/sd[a-z]1: finishing it'
		vm_shows "$n2: console says it grew" '^ +grown to 8126 MiB in [0-9]+ s, its files kept'
		vm_shows "$n2: the key is read" '^keys: +1 key\(s\) in authorized_keys'
		calm "$n2"
		vm_stop
		check "$n2: the partition and its FAT32 fill the stick; both FATs clean (PXEBOOT but for its dirty flag)" fills "$TMPD/$n.img" cut
		d=$(fat_of "$TMPD/$n.img" PXESTICK)
		check "$n2: every file is there, the same bytes" sh -c \
			'mtype -i "$0" ::/note.txt | cmp -s - "$1" && mtype -i "$0" ::/authorized_keys | cmp -s - "$2" &&
			 mtype -i "$0" ::/README.txt | cmp -s - image/stick/README.txt && mdir -i "$0" ::/isos >/dev/null' "$d" "$TMPD/note.txt" "$KEYS"
		check "$n2: the copy and the mark are gone from the boot partition" sh -c \
			'mdir -b -i "$0" ::/ >"$1" && ! grep -q pxestick-grow "$1"' "$(fat_of "$TMPD/$n.img" PXEBOOT)" "$TMPD/$n.dir"
	fi
	vm_stop
done
IMG_CMDLINE=
VM_SNAPSHOT=on

# ---- 5c. Another stick with an ISO, plugged in while serving, then pulled ----
n=extra-stick
ex=$TMPD/extra.img
# A stick as a desktop formats it: an MBR, one FAT32 partition at 1 MiB.
truncate -s 80M "$ex" &&
	printf 'label: dos\nstart=2048, type=c\n' | sfdisk --quiet "$ex" &&
	mformat -i "$ex@@1M" -F -v OTHER :: && mmd -i "$ex@@1M" ::/isos &&
	mcopy -i "$ex@@1M" "$ISO" ::/isos/archiso.iso
if image "$n" --keys "$KEYS" && boot "$n" seabios user "$TMPD/$n.img"; then
	vm_shows "$n: serving without an ISO at first" 'pxestick: serving .*ISOs: none'
	vm_monitor "drive_add 0 if=none,id=extra,format=raw,readonly=on,file=$ex" >/dev/null
	vm_monitor "device_add usb-storage,bus=xhci.0,drive=extra,id=extradev,removable=on" >/dev/null
	if vm_wait 'ISO /mnt/extra/sd[a-z]1/isos/archiso\.iso: verified'; then
		ok "$n: the ISO on the stick plugged in is verified and served, $VM_SECONDS s after power-on"
		vm_shows "$n: console names the other stick and its ISO" \
			'another stick, /dev/sd[a-z]1: 1 ISO\(s\) added'
		check "$n: HTTP /boot.ipxe now boots it" sh -c \
			'curl -sS --max-time 10 "http://127.0.0.1:$0/boot.ipxe?memsize=4096" | grep -q "kernel http://10.0.2.15/iso/archiso/"' \
			"$VM_HTTP_PORT"
	else
		not_ok "$n: the ISO on the stick plugged in is verified and served"
		vm_console | tail -n 20 | sed 's/^/# /'
	fi
	vm_monitor "device_del extradev" >/dev/null
	if vm_wait 'another stick, /dev/sd[a-z]1: removed'; then
		ok "$n: console says the stick was pulled and its ISOs are no longer served"
		sleep 2
		check "$n: HTTP /boot.ipxe no longer offers it" sh -c \
			'curl -sS --max-time 10 -o "$1" "http://127.0.0.1:$0/boot.ipxe?memsize=4096" &&
			 grep -q "^#!ipxe" "$1" && ! grep -q "/iso/archiso/" "$1"' \
			"$VM_HTTP_PORT" "$TMPD/$n.ipxe"
	else
		not_ok "$n: console says the stick was pulled"
	fi
	check "$n: pxestick was never restarted (SIGHUP only)" sh -c \
		'[ "$(tr -d "\r" <"$0" | grep -c "pxestick: serving")" -eq 1 ]' "$VM_LOG"
	calm "$n"
fi
vm_stop

# ---- 6. OVMF, Secure Boot enforced, Microsoft's keys --------------------------
n=ovmf-sb-user
# loglevel=6 after quiet: the kernel's own Secure Boot lines on the console.
IMG_CMDLINE=loglevel=6
if image "$n" --keys "$KEYS" && boot "$n" ovmf-sb user "$TMPD/$n.img"; then
	vm_shows "$n: shim started Debian's GRUB" 'Welcome to GRUB'
	vm_shows "$n: the kernel found Secure Boot on and locked itself down" \
		'Kernel is locked down from EFI Secure Boot'
	vm_shows "$n: console says UEFI, Secure Boot ON, lockdown integrity" \
		'^firmware: +UEFI, Secure Boot ON \(kernel lockdown: integrity\)'
	vm_shows "$n: console says clients need Secure Boot off" "need it off: Arch's kernel is unsigned"
	# (The kernel itself says "hibernation is restricted" at boot.)
	check "$n: lockdown refused the appliance nothing (no unsigned module, no /dev/mem)" sh -c \
		'! tr -d "\r" <"$0" | grep -E "Lockdown: |module verification failed" | grep -v "hibernation is restricted"' \
		"$VM_LOG"
	vm_shows "$n: the modules loaded: the stick (usb-storage) and the NIC (virtio_net, eth0)" \
		'pxestick: serving .*dhcp proxy on eth0'
	calm "$n"
	check "$n: HTTP /boot.ipxe through the port forward" sh -c \
		'curl -sS --max-time 10 "http://127.0.0.1:$0/boot.ipxe" | grep -q "^#!ipxe"' "$VM_HTTP_PORT"
	vm_console | grep -E 'Welcome to GRUB|locked down|^firmware:|pxestick: serving' | sed 's/^/# /'
fi
vm_stop
IMG_CMDLINE=

# ---- 6b. The image as a VMware guest's disk: vmdk on PVSCSI, a vmxnet3 NIC ----
n=vmware-vmdk
VM_FORMAT=vmdk VM_BUS=pvscsi VM_NIC=vmxnet3
if image "$n" --keys "$KEYS" && sh image/vmformat.sh "$TMPD/$n.img" vmdk 2>"$TMPD/$n.vmformat" &&
    boot "$n" seabios user "$TMPD/$n.vmdk"; then
	vm_shows "$n: the stick is found as a disk on PVSCSI (vmw_pvscsi)" \
		'^stick: +/dev/sd[a-z]1 \(label PXESTICK\)'
	vm_shows "$n: the vmxnet3 NIC serves (vmxnet3)" 'pxestick: serving .*on eth0'
	calm "$n"
	check "$n: HTTP /boot.ipxe through the port forward" sh -c \
		'curl -sS --max-time 10 "http://127.0.0.1:$0/boot.ipxe" | grep -q "^#!ipxe"' "$VM_HTTP_PORT"
fi
vm_stop
VM_FORMAT= VM_BUS= VM_NIC=

# ---- 7. Secure Boot, a kernel changed by one byte: refused --------------------
n=ovmf-sb-badkernel
bad=$TMPD/badkernel
mkdir -p "$bad/kernel"
ln -s "$(cd "$WORK/efi" && pwd)" "$bad/efi"
cp "$WORK/initrd.img" "$bad/initrd.img"
cp "$WORK/kernel/vmlinuz" "$bad/kernel/vmlinuz"
ksize=$(stat -c %s "$bad/kernel/vmlinuz")
printf 'pxestick-tampered' | dd of="$bad/kernel/vmlinuz" bs=1 seek=$((ksize / 2)) conv=notrunc status=none
if ! PXESTICK_BIN=$PXESTICK sh image/mkimage.sh "$bad" "$TMPD/$n.img" 2>"$TMPD/$n.mkimage"; then
	not_ok "$n: the image is made"
elif ! vm_start "$n" ovmf-sb user "$TMPD/$n.img"; then
	not_ok "$n: QEMU starts"
elif vm_wait 'bad shim signature|Linux version|pxestick: serving'; then
	vm_shows "$n: GRUB refuses the changed kernel (bad shim signature) in $VM_SECONDS s" 'bad shim signature'
	check "$n: ... and no Linux starts" sh -c '! tr -d "\r" <"$0" | grep -Eq "Linux version|pxestick: serving"' "$VM_LOG"
	sleep 2
	vm_console | grep -E 'error|Security|Access Denied' | head -n 5 | sed 's/^/# /'
else
	not_ok "$n: GRUB refuses the changed kernel within $VM_TIMEOUT s"
	vm_console | tail -n 20 | sed 's/^/# /'
fi
vm_stop

echo "# seconds from power-on to 'pxestick: serving' (QEMU TCG, 256 MiB, OVMF 512 MiB, target < 15):$TIMES"
host_done
