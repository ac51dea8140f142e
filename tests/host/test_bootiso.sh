#!/bin/sh
# The archiso-shaped client (tests/fixtures/mk-bootiso.sh) really boots
# from `pxestick serve`: QEMU (TCG) boots the kernel and initramfs that
# boot.ipxe names, with boot.ipxe's kernel command line, and the client
# fetches airootfs.sfs, checks it, runs script.cfg and starts its SSH
# server; we log in with the injected key, and only with it.  Then the
# same client against a tree whose airootfs.sha512 is wrong must stop at
# the checksum, loudly.
#
# Everything runs in a network namespace of its own (unshare -n) holding
# only a loopback: the server listens on 127.0.0.1 there, QEMU's user
# network maps the guest's 10.0.2.2 to it, and ssh reaches the guest's
# port 22 through a hostfwd on 127.0.0.1.  No packet leaves the namespace.
# QEMU is always killed; each boot is time-bounded.
#   BOOTISO_MEM   client RAM in MiB (default 160; 112 is enough, 104 panics
#                 unpacking the initramfs)
#   BOOTISO_NIC   QEMU NIC model (default virtio-net-pci; e1000, e1000e work)
#   BOOTISO_KEEP  copy the work directory (consoles, logs) there at the end
if [ -z "${BOOTISO_IN_NETNS:-}" ] && [ "$(id -u)" = 0 ] && unshare -n true 2> /dev/null; then
	BOOTISO_IN_NETNS=1 exec unshare -n sh "$0" "$@"
fi
. tests/host/lib.sh
ISO=$FIXTURES/bootiso/archboot.iso
MEM=${BOOTISO_MEM:-160}
NIC=${BOOTISO_NIC:-virtio-net-pci}
PORT=8080
SSHPORT=2222
MAC=52:54:00:12:34:56
SPID=
QPID=

cleanup() {
	[ -n "$QPID" ] && kill -9 "$QPID" 2> /dev/null
	[ -n "$SPID" ] && kill "$SPID" 2> /dev/null
	wait 2> /dev/null
	[ -n "${BOOTISO_KEEP:-}" ] && cp -r "$TMPD" "$BOOTISO_KEEP"
	rm -rf "$TMPD"
}
trap cleanup EXIT INT TERM

if [ -z "${BOOTISO_IN_NETNS:-}" ]; then
	ok "bootiso: skipped (needs root and network namespaces)"
	exit 0
fi
for t in qemu-system-x86_64 ssh ssh-keygen curl bsdtar; do
	if ! command -v "$t" > /dev/null; then
		not_ok "bootiso: $t is not installed (make deps)"
		exit 1
	fi
done
if [ ! -s "$ISO" ]; then
	not_ok "bootiso: $ISO is missing (sh tests/fixtures/build-all.sh)"
	exit 1
fi
ip link set lo up

# The server runs as nobody after binding: it must read what it serves.
chmod 0755 "$TMPD"
ssh-keygen -q -t ed25519 -N '' -C bootiso-injected -f "$TMPD/injected"
ssh-keygen -q -t ed25519 -N '' -C bootiso-other -f "$TMPD/other"
# The bad tree for the second boot: the ISO's airootfs.sfs, and a
# checksum of something else.
bad=$TMPD/files/bad/arch/x86_64
mkdir -p "$bad"
bsdtar -xOf "$ISO" arch/x86_64/airootfs.sfs > "$bad/airootfs.sfs"
bsdtar -xOf "$ISO" arch/x86_64/airootfs.sfs.cms.sig > "$bad/airootfs.sfs.cms.sig"
printf 'not the squashfs\n' | sha512sum | sed 's/-$/airootfs.sfs/' > "$bad/airootfs.sha512"
chmod -R a+rX "$TMPD/files"

"$PXESTICK" serve --listen 127.0.0.1 --http-port "$PORT" --https-port 0 --tftp-port 0 \
	--dhcp off --iso "$ISO" --keys "$TMPD/injected.pub" --state "$TMPD/state" \
	--files "$TMPD/files" > "$TMPD/server.log" 2>&1 &
SPID=$!
i=0
until curl -sf -o "$TMPD/boot.ipxe" "http://127.0.0.1:$PORT/boot.ipxe?memsize=4096"; do
	i=$((i + 1))
	if [ "$i" -gt 50 ] || ! kill -0 "$SPID" 2> /dev/null; then
		not_ok "bootiso: the server did not come up"
		sed 's/^/# /' "$TMPD/server.log"
		exit 1
	fi
	sleep 0.1
done

# ---- boot.ipxe: what iPXE would run ----
kline=$(grep -m 1 '^kernel http://[^ ]*/iso/archboot/' "$TMPD/boot.ipxe" | sed 's/ || goto failed$//')
iline=$(grep -m 1 '^initrd http://[^ ]*/iso/archboot/' "$TMPD/boot.ipxe" | sed 's/ || goto failed$//')
check "bootiso: boot.ipxe has the ISO's entry" test -n "$kline" -a -n "$iline"
cmdline=${kline#kernel * }
check "bootiso: its command line keeps the entry's console options" \
	sh -c "echo '$cmdline' | grep -q ' console=tty0 console=ttyS0,115200 '"
check "bootiso: signed ISO, verify = checksum (default): checksum=y, no cms_verify, no archisosearchuuid" \
	sh -c "echo '$cmdline' | grep -q ' checksum=y ' && ! echo '$cmdline' | grep -q -e cms_verify -e archisosearchuuid"
curl -sf -o "$TMPD/vmlinuz" "$(echo "$kline" | cut -d' ' -f2)"
curl -sf -o "$TMPD/initrd" "$(echo "$iline" | cut -d' ' -f2)"
check "bootiso: kernel and initramfs over HTTP are the ISO's" sh -c "
	bsdtar -xOf '$ISO' arch/boot/x86_64/vmlinuz-linux | cmp -s - '$TMPD/vmlinuz' &&
	bsdtar -xOf '$ISO' arch/boot/x86_64/initramfs-linux.img | cmp -s - '$TMPD/initrd'"
# The guest reaches this namespace's 127.0.0.1 as 10.0.2.2 (QEMU user
# network), and iPXE would have filled in the MAC.
cmdline=$(printf '%s\n' "$cmdline" | sed -e "s|http://127.0.0.1:$PORT/|http://10.0.2.2:$PORT/|g" \
	-e "s|\${netX/mac:hexhyp}|$(echo "$MAC" | tr : -)|")

# boot NAME CMDLINE SECONDS: boot the client, console in $TMPD/NAME.txt,
# until a line matches "ssh ready on", "FAILED at" or "Kernel panic", QEMU exits, or
# SECONDS pass.  QEMU keeps running after "ssh ready" ($QPID).
boot() {
	: > "$TMPD/$1.log"
	# -cpu max: RDRAND, so the kernel's CRNG is ready at once; with
	# TCG's default CPU, dropbearkey waits seconds for it.
	# shellcheck disable=SC2086
	qemu-system-x86_64 -accel tcg -cpu max -m "$MEM" -smp 1 -no-reboot -display none ${RTC:-} \
		-kernel "$TMPD/vmlinuz" -initrd "$TMPD/initrd" -append "$2" \
		-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$SSHPORT-:22" \
		-device "$NIC,netdev=n0,mac=$MAC" \
		-serial "file:$TMPD/$1.log" -monitor none > "$TMPD/$1.qemu" 2>&1 &
	QPID=$!
	t0=$(date +%s)
	while kill -0 "$QPID" 2> /dev/null; do
		grep -q 'pxestick-client: ssh ready on \|pxestick-client: FAILED at \|Kernel panic' \
			"$TMPD/$1.log" && break
		[ $(($(date +%s) - t0)) -lt "$3" ] || break
		sleep 0.2
	done
	BOOT_SECONDS=$(($(date +%s) - t0))
	# The serial console ends lines with CR LF.
	tr -d '\r' < "$TMPD/$1.log" > "$TMPD/$1.txt"
}

# in_order LOG PATTERN...: each fixed string on a later line than the one before.
in_order() {
	log=$1
	shift
	last=0
	for p in "$@"; do
		n=$(grep -n -F -- "$p" "$log" | head -n 1 | cut -d: -f1)
		if [ -z "$n" ]; then
			echo "missing: $p"
			return 1
		fi
		if [ "$n" -le "$last" ]; then
			echo "out of order: $p (line $n, after line $last)"
			return 1
		fi
		last=$n
	done
}

show_console() {
	grep -a 'pxestick-client\|^::\|^ERROR\|Checksum\|Signature\|Kernel panic\|panic' "$1" |
		tail -n 40 | sed 's/^/# /'
}

# ---- boot 1: all the way to an SSH login ----
boot good "$cmdline pxestick.onfail=poweroff" 90
log=$TMPD/good.txt
if grep -q 'pxestick-client: ssh ready on 10.0.2.15$' "$log"; then
	ok "bootiso: the client reaches 'ssh ready on 10.0.2.15' (${BOOT_SECONDS}s, ${MEM} MiB)"
else
	not_ok "bootiso: the client reaches 'ssh ready' (${BOOT_SECONDS}s)"
	show_console "$log"
fi
# ':: Copying rootfs image to RAM...' and its 'done.' are two writes: a
# kernel message can land between them on the serial console.
check "bootiso: console markers of every step, in order" in_order "$log" \
	'pxestick-client: cmdline: archiso_http_srv=http://10.0.2.2:8080/iso/archboot/ archisobasedir=arch ip=dhcp BOOTIF=01-52-54-00-12-34-56 script=http://10.0.2.2:8080/script.cfg checksum=y cms_verify=n' \
	'pxestick-client: modules: loaded virtio_pci virtio_net e1000 e1000e 8139cp 8139too vmxnet3 virtio_rng loop squashfs overlay' \
	'pxestick-client: nic: eth0 (52:54:00:12:34:56) is the BOOTIF interface' \
	'pxestick-client: dhcp: eth0: 10.0.2.15/24' \
	'pxestick-client: probe: Range: bytes=0-0 -> HTTP/1.1 206 Partial Content, 1 byte, Content-Range: bytes 0-0/' \
	":: Downloading 'http://10.0.2.2:8080/iso/archboot/arch/x86_64/airootfs.sfs'" \
	":: Downloading 'http://10.0.2.2:8080/iso/archboot/arch/x86_64/airootfs.sha512'" \
	'Checksum is OK, continue booting.' \
	':: Copying rootfs image to RAM...' \
	'pxestick-client: mount: airootfs.sfs' \
	'pxestick-client: switch_root: eth0 flushed' \
	'pxestick-client: live: airootfs running' \
	'pxestick-client: live-dhcp: eth0 (52:54:00:12:34:56): 10.0.2.15/24' \
	'pxestick-client: script: downloading http://10.0.2.2:8080/script.cfg' \
	'pxestick-client: script: | pxestick: installed 1 SSH key for root' \
	'pxestick-client: script: script.cfg exited 0' \
	'pxestick-client: sshd: listening on port 22, 1 authorized key(s) for root' \
	'pxestick-client: ssh ready on 10.0.2.15'
check "bootiso: the server saw the 1-byte probe (206 1)" \
	grep -q '"GET /iso/archboot/arch/x86_64/airootfs.sfs" 206 1 ' "$TMPD/server.log"

SSHOPTS="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=20 -p $SSHPORT"
# shellcheck disable=SC2086
ssh $SSHOPTS -o BatchMode=yes -o IdentitiesOnly=yes -i "$TMPD/injected" root@127.0.0.1 \
	'id -u; hostname; cat /root/.ssh/authorized_keys' > "$TMPD/ssh.out" 2>&1
check "bootiso: ssh root@client with the injected key" sh -c "
	sed -n 1p '$TMPD/ssh.out' | grep -qx 0 && sed -n 2p '$TMPD/ssh.out' | grep -qx archiso &&
	grep -qF '$(cut -d' ' -f2 "$TMPD/injected.pub")' '$TMPD/ssh.out'"
[ -s "$TMPD/ssh.out" ] && ! grep -q '^0$' "$TMPD/ssh.out" && sed 's/^/# /' "$TMPD/ssh.out"
# shellcheck disable=SC2086
check_exit "bootiso: another key is refused" 255 ssh $SSHOPTS -o BatchMode=yes \
	-o IdentitiesOnly=yes -i "$TMPD/other" root@127.0.0.1 true
# shellcheck disable=SC2086
ssh -v $SSHOPTS -o BatchMode=yes -o IdentitiesOnly=yes -i "$TMPD/other" root@127.0.0.1 true \
	> "$TMPD/ssh-v.out" 2>&1
check "bootiso: the SSH server offers public keys only (no passwords)" sh -c \
	"tr -d '\r' < '$TMPD/ssh-v.out' | grep -q 'Authentications that can continue: publickey\$'"
# Root's password is empty, as on the Arch ISO: it must not let anyone in.
printf '#!/bin/sh\necho\n' > "$TMPD/askpass"
chmod +x "$TMPD/askpass"
# shellcheck disable=SC2086
check_exit "bootiso: the empty root password is refused" 255 env SSH_ASKPASS="$TMPD/askpass" \
	SSH_ASKPASS_REQUIRE=force DISPLAY=none setsid ssh $SSHOPTS -o PubkeyAuthentication=no \
	-o NumberOfPasswordPrompts=1 root@127.0.0.1 true
kill -9 "$QPID" 2> /dev/null
wait "$QPID" 2> /dev/null
QPID=

# ---- boot 2: a checksum that does not match must stop the boot ----
badline=$(printf '%s\n' "$cmdline" |
	sed "s|archiso_http_srv=[^ ]*|archiso_http_srv=http://10.0.2.2:$PORT/bad/|")
boot bad "$badline pxestick.onfail=poweroff" 60
log=$TMPD/bad.txt
if grep -q 'pxestick-client: FAILED at checksum: airootfs.sfs does not match airootfs.sha512' "$log"; then
	ok "bootiso: a wrong airootfs.sha512 stops the boot: 'FAILED at checksum' (${BOOT_SECONDS}s)"
else
	not_ok "bootiso: a wrong airootfs.sha512 stops the boot at the checksum (${BOOT_SECONDS}s)"
	show_console "$log"
fi
check "bootiso: ... after archiso's lines, and nothing boots" sh -c "
	grep -qF 'ERROR: one or more files are corrupted' '$log' &&
	! grep -q 'Checksum is OK\|pxestick-client: mount:\|ssh ready' '$log'"
# pxestick.onfail=poweroff: QEMU exits by itself.
i=0
while kill -0 "$QPID" 2> /dev/null && [ "$i" -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "bootiso: pxestick.onfail=poweroff powers the client off" sh -c "! kill -0 $QPID 2>/dev/null"
kill -9 "$QPID" 2> /dev/null
QPID=

# ---- boots 3 and 4: a client whose clock reads 2015 ----
# The ISO's signing certificate was made now: in 2015 it is not valid yet.
# archiso's cms_verify=y runs openssl cms without -no_check_time and stops;
# the default, checksum=y, needs no clock.
RTC="-rtc base=2015-01-01"
cmsline=$(printf '%s\n' "$cmdline" | sed 's/ checksum=y / cms_verify=y /')
boot cms2015 "$cmsline pxestick.onfail=poweroff" 90
log=$TMPD/cms2015.txt
if grep -q 'pxestick-client: FAILED at cms:' "$log" && grep -qi 'not yet valid' "$log"; then
	ok "bootiso: RTC 2015, verify = cms: stops at the signature, 'certificate is not yet valid' (${BOOT_SECONDS}s)"
else
	not_ok "bootiso: RTC 2015, verify = cms: should stop at the signature (${BOOT_SECONDS}s)"
	show_console "$log"
fi
kill -9 "$QPID" 2> /dev/null
boot ok2015 "$cmdline pxestick.onfail=poweroff" 90
log=$TMPD/ok2015.txt
if grep -q 'pxestick-client: ssh ready on 10.0.2.15$' "$log" && grep -q 'Checksum is OK' "$log"; then
	ok "bootiso: RTC 2015, verify = checksum (the default): reaches 'ssh ready' (${BOOT_SECONDS}s)"
else
	not_ok "bootiso: RTC 2015, verify = checksum: should reach 'ssh ready' (${BOOT_SECONDS}s)"
	show_console "$log"
fi
kill -9 "$QPID" 2> /dev/null
QPID=
RTC=

host_done
