#!/bin/sh
# ISOs copied in while pxestick runs: SIGHUP finds them and their root
# images are hashed by a child process, so HTTP keeps answering while a
# large one is checked; /status.json shows the check's progress; what
# passes is served when the check ends, what fails is refused with the
# reason, and neither is hashed again while the file stays as it is.
# Loopback only.
. tests/host/lib.sh
. tests/host/netns.sh
A=$FIXTURES/archiso
PORT=$((20000 + ($$ * 13) % 20000))
while ss -Hltn "sport = :$PORT" 2>/dev/null | grep -q .; do PORT=$((PORT + 1)); done
U=http://127.0.0.1:$PORT
D=$TMPD/stick
mkdir -p "$D/isos" "$D/state" "$TMPD/tree"
cp "$A/archiso.iso" "$D/isos/"

# A large ISO: the fixture's tree with 800 MB more root image (its
# checksum made again), so hashing it takes seconds, not milliseconds.
bsdtar -xf "$A/archiso.iso" -C "$TMPD/tree"
chmod -R u+w "$TMPD/tree"
head -c 800000000 /dev/zero >> "$TMPD/tree/arch/x86_64/airootfs.sfs"
(cd "$TMPD/tree/arch/x86_64" && sha512sum airootfs.sfs > airootfs.sha512)
rm -f "$TMPD/tree/arch/x86_64/airootfs.sfs.cms.sig"
xorriso -as mkisofs -iso-level 3 -full-iso9660-filenames -rational-rock -volid ARCH_BIG \
	-o "$TMPD/big.iso" "$TMPD/tree" > "$TMPD/xorriso.log" 2>&1
rm -rf "$TMPD/tree"
size=$(stat -c %s "$TMPD/big.iso")
# Run as root the server drops to nobody, who must read what is copied in.
chmod -R a+rX "$TMPD"

"$PXESTICK" serve --no-config --http-port "$PORT" --https-port 0 --tftp-port 0 --dhcp off \
	--state "$D/state" --iso "$D/isos" > "$TMPD/serve.log" 2>&1 &
SRV=$!
trap 'kill $SRV 2>/dev/null; rm -rf "$TMPD"' EXIT INT TERM
check "serve starts with one ISO" wait_serving "$TMPD/serve.log" 10

# ---- two new ISOs, one good and large, one corrupt ----
mv "$TMPD/big.iso" "$D/isos/big.iso"
cp "$A/archiso-corrupt.iso" "$D/isos/corrupt.iso"
chmod a+r "$D/isos"/*.iso
kill -HUP $SRV
check "SIGHUP: the new ISOs are left to the background check" wait_for "$TMPD/serve.log" \
	"ISO check: 2 new ISO(s) being verified in the background" 10
check "SIGHUP: the reload itself is done before the check (it did not wait for it)" sh -c "
	grep -q 'reloaded: 1 ISO(s) served' '$TMPD/serve.log' &&
	grep -q 'ISO $D/isos/big.iso: new: its root image is checked in the background' '$TMPD/serve.log'"
# While the large one is hashed: the status shows how far, and HTTP answers.
progress() {
	for _ in $(seq 200); do
		curl -sf --max-time 2 "$U/status.json" > "$TMPD/status.json" || return 1
		python3 - "$TMPD/status.json" <<'EOF' && return 0
import json, sys
d = json.load(open(sys.argv[1]))
big = [i for i in d["server"]["isos"] if i["path"].endswith("/big.iso")]
sys.exit(0 if big and big[0]["state"] == "verifying" and 0 < big[0]["checked"] < big[0]["size"] else 1)
EOF
		sleep 0.05
	done
	return 1
}
check "/status.json shows the large ISO being checked, part way" progress
curl -sf --max-time 2 -o "$TMPD/menu" "$U/boot.ipxe?memsize=4096"
check "boot.ipxe is answered during the check (with the ISOs served before it)" sh -c "
	grep -q 'iso0-e0' '$TMPD/menu' && ! grep -q 'big' '$TMPD/menu' &&
	! grep -q 'big.iso: verified in the background' '$TMPD/serve.log'"
check "pxestick status says it is being checked" sh -c "
	'$PXESTICK' status --socket '$D/state/pxestick.sock' | grep -q 'big.iso: new, being checked'"
check "the large ISO passes, then it is served" wait_for "$TMPD/serve.log" \
	"ISO $D/isos/big.iso: verified in the background: served from now on" 120
check "the corrupt one is refused with the reason" \
	grep -q "ISO refused: $D/isos/corrupt.iso: arch/x86_64/airootfs.sfs does not match airootfs.sha512" "$TMPD/serve.log"
check "a new tree serves what passed" wait_for "$TMPD/serve.log" \
	"ISOs: 2 served, 1 refused, 0 being checked" 10
check "boot.ipxe names the new ISO" sh -c "
	curl -sf '$U/boot.ipxe?memsize=4096' | grep -q '/iso/big/'"
check "its files are served" sh -c "
	curl -sf -r 0-3 '$U/iso/big/arch/x86_64/airootfs.sfs' | grep -q hsqs"
check "its verdict is kept in the state dir" grep -q " $D/isos/big.iso\$" "$D/state/verified-isos"

# ---- again: nothing is hashed twice ----
: > "$TMPD/serve.log.before"
n_before=$(grep -c 'being verified in the background' "$TMPD/serve.log")
kill -HUP $SRV
check "SIGHUP again: the ISOs are as they were" wait_for "$TMPD/serve.log" \
	"ISO $D/isos/big.iso: verified (unchanged since its last check)" 20
check "... the corrupt one is refused again at once, no new check runs" sh -c "
	sleep 1
	[ \$(grep -c 'being verified in the background' '$TMPD/serve.log') = $n_before ] &&
	[ \$(grep -c 'ISO refused: $D/isos/corrupt.iso' '$TMPD/serve.log') -ge 2 ]"
# A file changed in place is checked again.
printf 'x' | dd of="$D/isos/big.iso" bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
touch -d '+1 minute' "$D/isos/big.iso"
kill -HUP $SRV
check "a changed file is checked again" wait_for "$TMPD/serve.log" \
	"ISO check: 1 new ISO(s) being verified in the background" 20
check "the server is up all along" kill -0 $SRV
host_done
