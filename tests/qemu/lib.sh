# tests/qemu/lib.sh - boot the appliance image in QEMU and watch its serial
# console (sourced after tests/host/lib.sh).
#
# QEMU runs with -accel tcg (no KVM here), 256 MiB (512 MiB on OVMF: the
# GRUB that shim starts, and the kernel's EFI stub decompressing itself,
# need more; 384 MiB was the least that booted), the image as a USB stick
# on an xHCI controller (what the appliance meets on real PCs), one virtio
# NIC, and the serial console in a file.  Networks:
#   user      QEMU's user network, restrict=on (nothing leaves it; its
#             built-in DHCP server answers, so the appliance picks proxy
#             mode); the appliance's port 80 is forwarded to
#             127.0.0.1:$VM_HTTP_PORT
#   isolated  a tap in a network namespace this file creates and removes
#             ($VM_NS, the host side 10.99.0.2/24): no DHCP server, so
#             the appliance is authoritative on 10.99.0.1
# Every QEMU is killed and every namespace removed by vm_stop, which the
# EXIT trap calls too.  No packet goes anywhere but loopback and $VM_NS.
QEMU=${QEMU:-qemu-system-x86_64}
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS.fd}
# Secure Boot: OVMF's build that enforces it (SMM, q35) and variables with
# Microsoft's keys enrolled (the PK, KEK and db a PC ships with).
OVMF_SB_CODE=${OVMF_SB_CODE:-/usr/share/OVMF/OVMF_CODE_4M.secboot.fd}
OVMF_SB_VARS=${OVMF_SB_VARS:-/usr/share/OVMF/OVMF_VARS_4M.ms.fd}
# Seconds from power-on to "pxestick: serving" before a boot counts as hung.
VM_TIMEOUT=${VM_TIMEOUT:-150}
VM_PID=
VM_PIDFILE=
VM_NS=
VM_LOG=
VM_HTTP_PORT=
VM_SECONDS=

vm_cleanup() {
	vm_stop
	rm -rf "$TMPD"
}
trap vm_cleanup EXIT INT TERM

# now_ms: milliseconds since the epoch.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# free_port: a TCP port on 127.0.0.1 nobody listens on right now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# vm_netns_ok: network namespaces and tap devices can be made here.
vm_netns_ok() {
	[ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] || return 1
	ns=pxqprobe$$
	ip netns add "$ns" 2>/dev/null || return 1
	ip -n "$ns" tuntap add dev tap0 mode tap 2>/dev/null
	rc=$?
	ip netns del "$ns"
	return $rc
}

# vm_start NAME FIRMWARE NET IMAGE: power on (VM_FORMAT: the image's format,
# raw by default; VM_BUS=pvscsi: on VMware's SCSI controller instead of
# USB; VM_NIC: the NIC model, virtio-net-pci by default); FIRMWARE is seabios, ovmf or
# ovmf-sb (Secure Boot enforced, Microsoft's keys: q35 with SMM), NET user
# or isolated.  The serial console goes to $TMPD/NAME.log
# ($VM_LOG); writes to the image stay in a QEMU snapshot unless
# VM_SNAPSHOT=off.  The monitor listens on $TMPD/NAME.mon (vm_monitor).
vm_start() {
	name=$1 fw=$2 net=$3 img=$4
	VM_LOG=$TMPD/$name.log
	VM_PIDFILE=$TMPD/$name.pid
	: >"$VM_LOG"
	mem=256
	case $fw in ovmf*) mem=512 ;; esac
	VM_MON=$TMPD/$name.mon
	set -- -accel tcg -m "$mem" -display none -monitor "unix:$VM_MON,server,nowait" -no-reboot \
		-serial "file:$VM_LOG" -pidfile "$VM_PIDFILE" \
		-drive "if=none,id=stick,format=${VM_FORMAT:-raw},file=$img,snapshot=${VM_SNAPSHOT:-on}"
	# The disk: a USB stick, or (VM_BUS=pvscsi) a VMware guest's disk.
	case ${VM_BUS:-usb} in
	pvscsi) set -- "$@" -device pvscsi,id=scsi0 -device scsi-hd,bus=scsi0.0,drive=stick ;;
	*) set -- "$@" -device qemu-xhci,id=xhci -device usb-storage,bus=xhci.0,drive=stick,removable=on ;;
	esac
	case $fw in
	ovmf)
		cp "$OVMF_VARS" "$TMPD/$name.vars.fd"
		set -- "$@" -drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE" \
			-drive "if=pflash,format=raw,file=$TMPD/$name.vars.fd"
		;;
	ovmf-sb)
		cp "$OVMF_SB_VARS" "$TMPD/$name.vars.fd"
		set -- "$@" -machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on \
			-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_SB_CODE" \
			-drive "if=pflash,format=raw,unit=1,file=$TMPD/$name.vars.fd"
		;;
	esac
	case $net in
	user)
		VM_HTTP_PORT=$(free_port)
		set -- "$@" -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$VM_HTTP_PORT-:80" \
			-device "${VM_NIC:-virtio-net-pci},netdev=n0"
		VM_T0=$(now_ms)
		"$QEMU" "$@" >"$TMPD/$name.qemu.out" 2>&1 &
		VM_PID=$!
		;;
	isolated)
		VM_NS=pxq$$
		ip netns add "$VM_NS" || return 1
		ip -n "$VM_NS" link set lo up
		ip -n "$VM_NS" tuntap add dev tap0 mode tap
		ip -n "$VM_NS" addr add 10.99.0.2/24 dev tap0
		ip -n "$VM_NS" link set tap0 up
		set -- "$@" -netdev tap,id=n0,ifname=tap0,script=no,downscript=no \
			-device virtio-net-pci,netdev=n0
		VM_T0=$(now_ms)
		ip netns exec "$VM_NS" "$QEMU" "$@" >"$TMPD/$name.qemu.out" 2>&1 &
		VM_PID=$!
		;;
	*) return 1 ;;
	esac
}

# vm_monitor COMMAND: one command to the running QEMU's monitor (its
# answer on stdout): devices plugged in and pulled out while it runs.
vm_monitor() {
	python3 - "$VM_MON" "$1" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(2)
def drain():
    out = b""
    try:
        while b"(qemu)" not in out.split(b"\n")[-1]:
            out += s.recv(4096)
    except socket.timeout:
        pass
    return out
drain()
s.sendall(sys.argv[2].encode() + b"\n")
sys.stdout.write(drain().decode(errors="replace").replace("\r", ""))
EOF
}

# vm_wait PATTERN: wait until the console has a line matching PATTERN (grep
# -E), QEMU exits, or VM_TIMEOUT passes since power-on.  VM_SECONDS: the
# seconds from power-on to that line.
vm_wait() {
	while :; do
		if tr -d '\r' <"$VM_LOG" | grep -Eq "$1"; then
			t=$(($(now_ms) - VM_T0))
			# shellcheck disable=SC2034 # read by the tests
			VM_SECONDS=$((t / 1000)).$((t % 1000 / 100))
			return 0
		fi
		kill -0 "$VM_PID" 2>/dev/null || return 1
		[ $(($(now_ms) - VM_T0)) -lt $((VM_TIMEOUT * 1000)) ] || return 1
		sleep 0.2
	done
}

# vm_console: the console so far, without CRs and terminal escapes.
vm_console() {
	tr -d '\r' <"$VM_LOG" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g'
}

# vm_shows NAME ERE: a check that the console has a line matching ERE.
vm_shows() {
	if vm_console | grep -Eq "$2"; then
		ok "$1"
	else
		not_ok "$1"
		echo "# no console line matches: $2"
	fi
}

# vm_stop: QEMU off (always), the namespace gone.
vm_stop() {
	if [ -n "$VM_PID" ]; then
		# $VM_PID may be `ip netns exec`, which forks QEMU: the pidfile
		# has QEMU's own.
		qpid=$(cat "$VM_PIDFILE" 2>/dev/null)
		for p in $qpid $VM_PID; do kill "$p" 2>/dev/null; done
		i=0
		while { kill -0 "$VM_PID" 2>/dev/null || { [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; }; } &&
			[ "$i" -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		for p in $qpid $VM_PID; do kill -9 "$p" 2>/dev/null; done
		wait "$VM_PID" 2>/dev/null
		VM_PID=
	fi
	if [ -n "$VM_NS" ]; then
		ip netns del "$VM_NS" 2>/dev/null
		VM_NS=
	fi
}
