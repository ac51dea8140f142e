#!/bin/sh
# `make run`: the appliance and one PXE client in QEMU, on a bridge in a
# network namespace of their own, with both consoles streamed here.
#
#   sh mk/run.sh [ISO]   (default: the booting demo ISO, tests/fixtures)
#
# The appliance boots build/pxestick.img's parts with ISO and a key made
# for this run on its stick; the client network-boots (SeaBIOS + iPXE),
# gets the Arch live environment and the key, and this prints the ssh
# command that logs into it.  Ctrl-C stops both VMs and removes the
# namespace.  QEMU runs with -accel tcg (no KVM needed).
set -u
BUILD=${BUILD:-build}
export BUILD
cd "$(dirname "$0")/.." || exit 2
. tests/host/lib.sh
. tests/qemu/netboot-lib.sh
ISO=${1:-$FIXTURES/bootiso/archboot.iso}
RUN=$BUILD/run
mkdir -p "$RUN"
rm -rf "$TMPD" # lib.sh's scratch: everything of a run stays in $RUN
TMPD=$RUN
trap 'nb_cleanup; echo; echo "run: stopped; logs are in $RUN/"' EXIT INT TERM

[ -f "$ISO" ] || { echo "run: $ISO not found" >&2; exit 2; }
nb_possible || { echo "run: needs root (network namespace, tap devices) and qemu" >&2; exit 2; }
[ -f "$RUN/id_ed25519" ] ||
	ssh-keygen -q -t ed25519 -N '' -C pxestick-run -f "$RUN/id_ed25519" || exit 2

# A real Arch ISO downloads its root image into RAM twice (download
# tmpfs + copytoram): the client gets the RAM pxestick says the ISO needs
# (the figure its menu and /status show).
mem=$(nb_ram_for "$ISO")
NB_CLIENT_MEM=$mem

echo "run: building the appliance image with $(basename "$ISO") and $RUN/id_ed25519.pub"
PXESTICK_BIN=$PXESTICK sh image/mkimage.sh --iso "$ISO" --keys "$RUN/id_ed25519.pub" \
	"$BUILD/image" "$RUN/appliance.img" > "$RUN/mkimage.log" 2>&1 ||
	{ tail -n 20 "$RUN/mkimage.log"; exit 1; }
nb_net authoritative || exit 1
nb_appliance "$RUN/appliance.img"
echo "run: appliance VM started (console: $RUN/appliance.log)"
# Both consoles, prefixed, as they come.
tail -n +1 -F "$RUN/appliance.log" 2>/dev/null | tr -d '\r' | sed -u 's/^/[appliance] /' &
NB_PIDS="$NB_PIDS $!"
if ! nb_wait "$RUN/appliance.log" 'pxestick: serving' 240; then
	echo "run: the appliance did not start serving; see $RUN/appliance.log" >&2
	exit 1
fi
nb_client client seabios virtio-net-pci 52:54:00:99:01:01
echo "run: client VM started, booting from the network with ${mem} MiB (console: $RUN/client.log)"
tail -n +1 -F "$RUN/client.log" 2>/dev/null | tr -d '\r' | sed -u 's/^/[client]    /' &
NB_PIDS="$NB_PIDS $!"
# The demo ISO prints "ssh ready on ADDR"; a real Arch ISO says nothing on
# the serial console, but its script.cfg download shows on the appliance's.
ready='pxestick-client: (ssh ready on|FAILED)'
end=$(($(nb_now) + 1200 * 1000))
addr=
while [ "$(nb_now)" -lt "$end" ] && [ -z "$addr" ]; do
	addr=$(nb_console "$RUN/client.log" | sed -n 's/.*ssh ready on \([0-9.]*\).*/\1/p' | head -n 1)
	[ -n "$addr" ] || addr=$(nb_console "$RUN/appliance.log" |
		sed -n 's/.*http: \([0-9.]*\):[0-9]* "GET \/script.cfg" 200.*/\1/p' | head -n 1)
	nb_console "$RUN/client.log" | grep -Eq 'pxestick-client: FAILED' && break
	[ -n "$addr" ] || sleep 1
done
if [ -n "$addr" ]; then
	sleep 3 # sshd starts right after script.cfg
	echo
	echo "run: the client is up.  Log in with the injected key:"
	echo "    ip netns exec $NB_NS ssh -i $RUN/id_ed25519 -o StrictHostKeyChecking=no root@$addr"
	echo "run: (Ctrl-C stops both VMs)"
else
	echo "run: the client did not come up; see $RUN/client.log and $RUN/appliance.log"
fi
unset ready
wait
