# tests/qemu/netboot-lib.sh - the whole mission in QEMU: the appliance VM
# (the real build image) and PXE client VMs on a bridge, in a network
# namespace this file makes and always removes (sourced after
# tests/host/lib.sh).
#
#   namespace $NB_NS
#     br0 10.99.0.2/24          the test joins the bridge here, to ssh in
#     ap1  -> appliance VM      build/pxestick.img with the ISO and a test key
#     ap2  -> a second one      (proxy2 scenarios)
#     nginx on br0:8080         (cache=on) the site's cache in front of ap1
#     cl0..clN -> client VMs    firmware PXE -> iPXE -> boot.ipxe -> Arch
#     dnsmasq on br0            only in proxy mode: the network's DHCP server
#
# QEMU always runs with -accel tcg.  No packet leaves the namespace.
QEMU=${QEMU:-qemu-system-x86_64}
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS.fd}
# Secure Boot enforced, with Microsoft's keys enrolled (a PC as sold).
OVMF_SB_CODE=${OVMF_SB_CODE:-/usr/share/OVMF/OVMF_CODE_4M.secboot.fd}
OVMF_SB_VARS=${OVMF_SB_VARS:-/usr/share/OVMF/OVMF_VARS_4M.ms.fd}
NB_NS=pxnb$$
NB_PIDS=
NB_DNSMASQ=
NB_TIMEOUT=${NB_TIMEOUT:-300}

nb_now() { echo $(($(date +%s%N) / 1000000)); }

# nb_secs T0 T1: seconds between two nb_now values, one decimal.
nb_secs() {
	d=$(($2 - $1))
	echo "$((d / 1000)).$((d % 1000 / 100))"
}

nb_cleanup() {
	# Watchers power machines on too (in subshells, where NB_PIDS does not
	# reach): every client's pidfile counts.
	for f in "$TMPD"/*.pid; do
		[ -f "$f" ] && NB_PIDS="$NB_PIDS $(cat "$f")" && rm -f "$f"
	done
	for p in $NB_PIDS; do kill "$p" 2>/dev/null; done
	sleep 0.5
	for p in $NB_PIDS; do kill -9 "$p" 2>/dev/null; done
	[ -n "$NB_DNSMASQ" ] && kill "$NB_DNSMASQ" 2>/dev/null
	ip netns del "$NB_NS" 2>/dev/null
	NB_PIDS=
}

nb_possible() {
	[ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && command -v "$QEMU" >/dev/null
}

# nb_net MODE: the namespace and bridge; MODE proxy also starts dnsmasq.
nb_net() {
	ip netns add "$NB_NS" || return 1
	ip -n "$NB_NS" link set lo up
	ip -n "$NB_NS" link add br0 type bridge
	# No STP delay: firmware starts DHCP at once.
	ip -n "$NB_NS" link set br0 type bridge forward_delay 0 stp_state 0
	ip -n "$NB_NS" addr add 10.99.0.2/24 dev br0
	ip -n "$NB_NS" link set br0 up
	if [ "$1" = proxy ]; then
		ip netns exec "$NB_NS" dnsmasq --keep-in-foreground --no-daemon --port=0 \
			--interface=br0 --bind-interfaces --dhcp-range=10.99.0.50,10.99.0.90,1h \
			--dhcp-leasefile="$TMPD/dnsmasq.leases" --no-ping --log-dhcp \
			--pid-file="$TMPD/dnsmasq.pid" > "$TMPD/dnsmasq.log" 2>&1 &
		NB_DNSMASQ=$!
	fi
}

# nb_tap NAME: a tap on the bridge.
nb_tap() {
	ip -n "$NB_NS" tuntap add dev "$1" mode tap &&
		ip -n "$NB_NS" link set "$1" master br0 &&
		ip -n "$NB_NS" link set "$1" up
}

# nb_appliance IMAGE [2]: boot the appliance; its console in
# $TMPD/appliance.log (a second one, on the same bridge with its own
# MAC: $TMPD/appliance2.log).
nb_appliance() {
	n=${2:-1}
	log=$TMPD/appliance.log
	[ "$n" = 1 ] || log=$TMPD/appliance$n.log
	nb_tap "ap$n" || return 1
	: > "$log"
	ip netns exec "$NB_NS" "$QEMU" -accel tcg -m 256 -display none -monitor none \
		-no-reboot -serial "file:$log" \
		-drive "if=none,id=stick,format=raw,file=$1,snapshot=on" \
		-device qemu-xhci,id=xhci -device usb-storage,bus=xhci.0,drive=stick,removable=on \
		-netdev "tap,id=n0,ifname=ap$n,script=no,downscript=no" \
		-device "virtio-net-pci,netdev=n0,mac=52:54:00:99:00:0$n" \
		> "$log.qemu" 2>&1 &
	NB_PIDS="$NB_PIDS $!"
	[ "$n" = 1 ] && NB_AP_T0=$(nb_now)
}

# nb_cache ORIGIN: the site's HTTP cache on the bridge (10.99.0.2:8080),
# nginx proxy_cache in front of ORIGIN (http://ADDR), as docs/MANY-CLIENTS.md
# configures it; its access log (cache status per request) in
# $TMPD/cache.log.  The configuration is written to $TMPD/nginx.conf.
nb_cache() {
	mkdir -p "$TMPD/nginx"
	# nginx's workers run as nobody: they reach the cache through $TMPD.
	chmod o+x "$TMPD"
	chmod 777 "$TMPD/nginx"
	sed -e "s|@ORIGIN@|$1|" -e "s|@DIR@|$TMPD/nginx|g" -e "s|@LOG@|$TMPD/cache.log|" \
		docs/examples/nginx-cache.conf > "$TMPD/nginx.conf"
	: > "$TMPD/cache.log"
	ip netns exec "$NB_NS" nginx -c "$TMPD/nginx.conf" -p "$TMPD/nginx" \
		> "$TMPD/nginx.out" 2>&1 &
	NB_PIDS="$NB_PIDS $!"
}

# nb_client NAME FIRMWARE NIC MAC: power on a client that boots from the
# network.  FIRMWARE:
#   seabios    QEMU's iPXE option ROM for NIC is the first DHCP
#   ovmf       OVMF's own NIC driver (romfile= off) and PXE, then ipxe.efi
#              over TFTP
#   ovmf-rom   OVMF's PXE over QEMU's iPXE EFI driver ROM for NIC (NICs
#              OVMF has no driver for: e1000e, vmxnet3)
#   ovmf-http  OVMF's UEFI HTTP Boot only: PXE switched off with OVMF's
#              fw_cfg knobs (opt/org.tianocore/IPv4PXESupport=n, IPv6 off),
#              so the HTTPv4 boot option is the one it has
#   ovmf-sb    Secure Boot enforced (OVMF's secboot build, Microsoft's keys,
#              q35 with SMM): unsigned iPXE is refused
nb_client() {
	name=$1 fw=$2 nic=$3 mac=$4
	# Interface names have 15 characters at most: a counter, not the name
	# (in a file: watchers in subshells power machines on too).
	NB_TAPS=$(($(cat "$TMPD/taps" 2>/dev/null || echo 0) + 1))
	echo "$NB_TAPS" > "$TMPD/taps"
	nb_tap "nbc$NB_TAPS" || return 1
	: > "$TMPD/$name.log"
	# shellcheck disable=SC2086
	set -- -accel tcg -cpu max -m "${NB_CLIENT_MEM:-512}" -display none -monitor none \
		-no-reboot -serial "file:$TMPD/$name.log" -boot "${NB_CLIENT_BOOT:-n}" ${NB_CLIENT_EXTRA:-} \
		-netdev "tap,id=n0,ifname=nbc$NB_TAPS,script=no,downscript=no"
	case $fw in
	ovmf | ovmf-rom | ovmf-http)
		cp "$OVMF_VARS" "$TMPD/$name.vars.fd"
		set -- "$@" -drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE" \
			-drive "if=pflash,format=raw,file=$TMPD/$name.vars.fd"
		case $fw in
		ovmf-rom) set -- "$@" -device "$nic,netdev=n0,mac=$mac" ;;
		ovmf-http)
			set -- "$@" -device "$nic,netdev=n0,mac=$mac,romfile=" \
				-fw_cfg name=opt/org.tianocore/IPv4PXESupport,string=n \
				-fw_cfg name=opt/org.tianocore/IPv6Support,string=n ;;
		*) set -- "$@" -device "$nic,netdev=n0,mac=$mac,romfile=" ;;
		esac
		;;
	ovmf-sb)
		cp "$OVMF_SB_VARS" "$TMPD/$name.vars.fd"
		set -- "$@" -machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on \
			-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_SB_CODE" \
			-drive "if=pflash,format=raw,unit=1,file=$TMPD/$name.vars.fd" \
			-device "$nic,netdev=n0,mac=$mac,romfile="
		;;
	*) set -- "$@" -device "$nic,netdev=n0,mac=$mac" ;;
	esac
	ip netns exec "$NB_NS" "$QEMU" "$@" > "$TMPD/$name.qemu" 2>&1 &
	NB_PIDS="$NB_PIDS $!"
	echo $! > "$TMPD/$name.pid"
	nb_now > "$TMPD/$name.t0"
}

# nb_local_disk FILE: a 1 MiB disk whose boot sector writes
# "PXESTICK-LOCAL-DISK-BOOTED" to the first serial port and halts: the
# machine's own disk, for the rows that must end up booting it.
nb_local_disk() {
	python3 - "$1" <<'PY'
import sys
msg = b"PXESTICK-LOCAL-DISK-BOOTED\r\n\0"
code = bytes([
    0xFA,                   # cli
    0x31, 0xC0,             # xor ax, ax
    0x8E, 0xD8,             # mov ds, ax
    0xBE, 0x16, 0x7C,       # mov si, 0x7c16 (msg, right after the code)
    0xBA, 0xF8, 0x03,       # mov dx, 0x3f8 (COM1)
    0xAC,                   # next: lodsb
    0x84, 0xC0,             # test al, al
    0x74, 0x03,             # jz halt
    0xEE,                   # out dx, al
    0xEB, 0xF8,             # jmp next
    0xF4,                   # halt: hlt
    0xEB, 0xFD,             # jmp halt
])
assert len(code) == 0x16
mbr = (code + msg).ljust(510, b"\0") + b"\x55\xaa"
with open(sys.argv[1], "wb") as f:
    f.write(mbr + b"\0" * (1024 * 1024 - 512))
PY
}

# nb_ram_for ISO: the client RAM (MiB) the ISO's first entry needs, as
# pxestick computes it (the menu and /status say the same), at least 512.
nb_ram_for() {
	m=$("$PXESTICK" archiso entries "$1" 2>/dev/null | awk '$1 == "RAM:" { print $2; exit }')
	[ -n "$m" ] && [ "$m" -gt 512 ] && echo "$m" || echo 512
}

# nb_status ADDR MAC: what the appliance's /status.json says of MAC, as
# "PHASE_INDEX ADDRESS DOWNLOAD_FILE DOWNLOAD_STATE | ERROR" (a line of
# "-" when the client is not there yet) -- what a technician sees.
nb_status() {
	ip netns exec "$NB_NS" curl -s --max-time 5 "http://$1/status.json" 2>/dev/null |
		python3 -c 'import json, sys
try:
    d = json.load(sys.stdin)
except Exception:
    print("- - - - |"); sys.exit(0)
for c in d.get("clients", []):
    if c.get("mac") == sys.argv[1]:
        dl = c.get("download") or {}
        print(c.get("phase_index", 0), c.get("address") or "-", dl.get("file") or "-",
              dl.get("state") or "-", "|", c.get("error") or "")
        break
else:
    print("- - - - |")' "$2"
}

nb_console() {
	tr -d '\r' < "$1" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g'
}

# nb_wait FILE ERE [TIMEOUT]: until a console line matches; 1 on timeout.
nb_wait() {
	end=$(($(nb_now) + ${3:-$NB_TIMEOUT} * 1000))
	while [ "$(nb_now)" -lt "$end" ]; do
		nb_console "$1" | grep -Eq "$2" && return 0
		sleep 0.3
	done
	return 1
}
