#!/bin/sh
# tests/tools/screenshots.sh - regenerate the pictures of
# docs/TROUBLESHOOTING.md:
#
#   docs/img/ipxe-menu.png     the boot menu as a BIOS client shows it
#                              (QEMU's `screendump` over its monitor socket)
#   docs/img/status-page.png   /status in headless Chromium, once that client
#                              reached SSH and a second one sits in the menu
#
#   BUILD=build sh tests/tools/screenshots.sh      (make screenshots)
#
# Environment (relative paths are from the repository top):
#   BUILD     default build
#   OUT       default docs/img
#   ISO       default the booting fixture; a real Arch ISO works, but its
#             client needs that ISO's RAM and, without KVM, NB_TIMEOUT=1200
#             or so to reach SSH
#   IPXE_DIR  default /usr/lib/ipxe (Debian's ipxe): copied for --files
#
# The harness is the QEMU tests' own (tests/qemu/netboot-lib.sh): a
# network namespace with a bridge, made here and always removed; no packet
# leaves it.  `$BUILD/pxestick serve` runs in that namespace on the bridge
# (10.99.0.1, dhcp auto: alone there, it turns authoritative) with the
# booting fixture ISO ($BUILD/fixtures/bootiso/archboot.iso, built when
# missing) and a key made for the run; the clients are SeaBIOS with QEMU's
# iPXE ROM, -accel tcg, on tap devices of that bridge.  Needs root,
# /dev/net/tun, qemu-system-x86_64; installs netpbm (pnmtopng) and chromium
# with apt-get when they are missing.  Under a minute with the fixture
# ISO, without KVM.
set -eu
BUILD=${BUILD:-build}
export BUILD
cd "$(dirname "$0")/../.."
# shellcheck source=tests/host/lib.sh disable=SC1091
. tests/host/lib.sh
# shellcheck source=tests/qemu/netboot-lib.sh disable=SC1091
. tests/qemu/netboot-lib.sh

OUT=${OUT:-docs/img}
IPXE_DIR=${IPXE_DIR:-/usr/lib/ipxe}
ISO=${ISO:-$FIXTURES/bootiso/archboot.iso}
SERVER=10.99.0.1
MAC1=52:54:00:99:01:01
MAC2=52:54:00:99:01:02

say() { printf 'screenshots: %s\n' "$*"; }
die() {
	printf 'screenshots: %s\n' "$*" >&2
	for f in "$TMPD"/server.log "$TMPD"/lab-1.log; do
		[ -s "$f" ] || continue
		printf '  --- the end of %s:\n' "${f##*/}" >&2
		nb_console "$f" | tail -n 15 | sed 's/^/  /' >&2
	done
	exit 1
}

cleanup() {
	set +e
	nb_cleanup
	rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

nb_possible || die "needs root, /dev/net/tun and qemu-system-x86_64"
[ -x "$PXESTICK" ] || die "$PXESTICK missing: make BUILD=$BUILD"
for f in undionly.kpxe ipxe.efi snponly.efi; do
	[ -f "$IPXE_DIR/$f" ] || die "$IPXE_DIR/$f missing (package ipxe)"
done
# need COMMAND PACKAGE...: install the Debian packages when COMMAND is missing.
need() {
	c=$1
	shift
	command -v "$c" >/dev/null 2>&1 && return 0
	say "installing $* (for $c)"
	apt-get install -y --no-install-recommends "$@" >"$TMPD/apt.log" 2>&1 ||
		{ tail -n 5 "$TMPD/apt.log" >&2; die "apt-get install $* failed"; }
}
need pnmtopng netpbm
need chromium chromium fonts-dejavu-core
if [ ! -f "$ISO" ] && [ "$ISO" = "$FIXTURES/bootiso/archboot.iso" ]; then
	say "building the booting fixture ISO (tests/fixtures/mk-bootiso.sh)"
	sh tests/fixtures/mk-bootiso.sh
fi
[ -f "$ISO" ] || die "$ISO not found"
mkdir -p "$OUT"

# ---- the server, on the namespace's bridge ----
ssh-keygen -q -t ed25519 -N '' -C pxestick-screenshots -f "$TMPD/key"
mkdir -p "$TMPD/state" "$TMPD/files"
# Copies, as on the stick: Debian's ipxe.efi is a symlink out of
# /usr/lib/ipxe, which the files directory never follows.
for f in undionly.kpxe ipxe.efi snponly.efi; do
	cp -L "$IPXE_DIR/$f" "$TMPD/files/"
done
cat >"$TMPD/pxestick.conf" <<EOF
iso = $ISO
files = $TMPD/files
keys = $TMPD/key.pub
state = $TMPD/state
interface = br0
address = $SERVER/24
dhcp = auto
client = $MAC1 name=lab-1
client = $MAC2 menu name=lab-2
EOF
# The server drops to nobody after binding: it must reach its state dir.
chmod 755 "$TMPD"
chmod 777 "$TMPD/state"
nb_net authoritative || die "cannot make the network namespace"
# The bridge is the server's own interface here: its address only.
ip -n "$NB_NS" addr del 10.99.0.2/24 dev br0
ip -n "$NB_NS" addr add "$SERVER/24" dev br0
ip netns exec "$NB_NS" "$PXESTICK" serve --config "$TMPD/pxestick.conf" \
	>"$TMPD/server.log" 2>&1 &
NB_PIDS="$NB_PIDS $!"
nb_wait "$TMPD/server.log" 'pxestick: serving' 30 || die "the server did not start"
nb_wait "$TMPD/server.log" 'dhcp: .*authoritative on br0' 30 ||
	die "the server did not turn authoritative"
say "server up: $(nb_console "$TMPD/server.log" | grep -o 'pxestick: serving.*' | head -n 1)"

# mon CLIENT COMMAND: one command on CLIENT's QEMU monitor; its answer.
mon() {
	python3 - "$TMPD/$1.mon" "$2" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(20)
got = b""
def until_prompt():
    global got
    while not got.endswith(b"(qemu) "):
        chunk = s.recv(4096)
        if not chunk:
            break
        got += chunk
until_prompt()
got = b""
s.sendall(sys.argv[2].encode() + b"\n")
until_prompt()
sys.stdout.write(got.decode("utf-8", "replace").replace("(qemu) ", ""))
PY
}

# phase MAC: the client's phase_index on /status.json, or -.
phase() {
	st=$(nb_status "$SERVER" "$1")
	echo "${st%% *}"
}

# wait_phase MAC N SECONDS: until MAC's phase_index is N or more; 1 on
# timeout.  QEMU's iPXE ROM says nothing on the serial line: the server's
# view is what tells where a client is.
wait_phase() {
	end=$(($(nb_now) + $3 * 1000))
	while [ "$(nb_now)" -lt "$end" ]; do
		p=$(phase "$1")
		[ "$p" != - ] && [ "$p" -ge "$2" ] && return 0
		for f in "$TMPD"/lab-*.log; do
			if nb_console "$f" | grep -q 'pxestick-client: FAILED'; then
				nb_console "$f" | grep 'pxestick-client: FAILED' | head -n 1
				return 1
			fi
		done
		sleep 1
	done
	echo "phase $(phase "$1") after $3 s"
	return 1
}

# ---- picture 1: the menu ----
NB_CLIENT_MEM=$(nb_ram_for "$ISO")
NB_CLIENT_EXTRA="-monitor unix:$TMPD/lab-1.mon,server=on,wait=off"
export NB_CLIENT_MEM NB_CLIENT_EXTRA
nb_client lab-1 seabios virtio-net-pci "$MAC1"
say "client lab-1 powered on ($NB_CLIENT_MEM MiB), waiting for the menu"
# Phase 4: boot.ipxe was fetched.  The menu is the second fetch (the first
# only asks again with the machine's RAM): wait for it, then let iPXE draw.
# The default menu-timeout (10 s) is left running: the picture shows the
# countdown, and then the machine boots by itself.
why=$(wait_phase "$MAC1" 4 240) || die "lab-1 did not fetch the menu: $why"
nb_wait "$TMPD/server.log" 'GET /boot.ipxe\?memsize=' 30 || die "lab-1 did not fetch the menu"
sleep 3
mon lab-1 "screendump $TMPD/menu.ppm" >"$TMPD/mon.out"
i=0
while [ ! -s "$TMPD/menu.ppm" ] && [ "$i" -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -s "$TMPD/menu.ppm" ] || die "screendump wrote nothing: $(cat "$TMPD/mon.out")"
pnmtopng "$TMPD/menu.ppm" >"$OUT/ipxe-menu.png" 2>"$TMPD/pnm.err" ||
	die "pnmtopng: $(cat "$TMPD/pnm.err")"
say "wrote $OUT/ipxe-menu.png"

# ---- picture 2: /status with lab-1 live and lab-2 in the menu ----
say "lab-1 boots its default entry after menu-timeout; waiting for SSH up on /status"
why=$(wait_phase "$MAC1" 8 "$NB_TIMEOUT") || die "lab-1 did not reach SSH: $why"
NB_CLIENT_EXTRA=
nb_client lab-2 seabios virtio-net-pci "$MAC2"
say "lab-1 is up; lab-2 powered on, waiting for its menu"
why=$(wait_phase "$MAC2" 4 240) || die "lab-2 did not fetch the menu: $why"
sleep 2
ip netns exec "$NB_NS" timeout 120 chromium --headless --no-sandbox --disable-gpu \
	--disable-background-networking --disable-component-update --disable-sync \
	--no-first-run --disable-extensions --hide-scrollbars \
	--user-data-dir="$TMPD/chromium" --window-size=1000,700 \
	--screenshot="$TMPD/status.png" "http://$SERVER/status" >"$TMPD/chromium.log" 2>&1 ||
	die "chromium failed: $(tail -n 3 "$TMPD/chromium.log")"
[ -s "$TMPD/status.png" ] || die "chromium wrote no screenshot"
cp "$TMPD/status.png" "$OUT/status-page.png"
say "wrote $OUT/status-page.png"
