#!/bin/sh
# Following booting clients (services/status) with real clients:
#
#   loopback:   tftp-hpa and curl walk a client through loader, menu,
#               kernel, root image (a range probe, a download caught half
#               way with its rate, a resumed range with exact byte counts)
#               and script.cfg; a second client (127.0.0.2) hits a 404;
#               /status.json moves with them (checked with python3's json)
#   CLI:        `pxestick status` and `--json` over STATE/pxestick.sock
#               (mode 0660), a junk request, an unreachable server;
#               `pxestick top` on a pty (script) for ~2 s, quit with q
#   browser:    /status in headless chromium: a screenshot and the DOM,
#               both clients' rows, the page's own refresh
#   namespaces: (root) udhcpc as PXE firmware, TFTP, iPXE's DHCP, boot
#               files, then script.cfg from another address of the same
#               machine (found by MAC through ARP), and the SSH check
#               against a fake sshd in the client's namespace
. tests/host/lib.sh
PX=$PXESTICK
PORT=$((21000 + $$ % 9000))
ST=$TMPD/state
SRV=""
NSS=pxst$$s NSC=pxst$$c
PIDS=""
cleanup() {
	for p in $SRV $PIDS; do kill "$p" 2>/dev/null; done
	ip netns del "$NSS" 2>/dev/null
	ip netns del "$NSC" 2>/dev/null
	rm -rf "$TMPD"
}
trap cleanup EXIT INT TERM

for t in curl tftp xorriso python3 script; do
	if ! command -v "$t" > /dev/null; then
		not_ok "status: $t is not installed (make deps)"
		exit 1
	fi
done

# ---- an Arch-shaped ISO with files large enough to watch ----
tree=$TMPD/tree
mkdir -p "$tree/arch/boot/x86_64" "$tree/arch/x86_64" "$tree/loader/entries" "$TMPD/isos" \
	"$TMPD/files" "$ST"
head -c 3000000 /dev/urandom > "$tree/arch/boot/x86_64/vmlinuz-linux"
head -c 1000000 /dev/urandom > "$tree/arch/boot/x86_64/initramfs-linux.img"
head -c 32000000 /dev/urandom > "$tree/arch/x86_64/airootfs.sfs"
(cd "$tree/arch/x86_64" && sha512sum airootfs.sfs > airootfs.sha512)
printf 'title    Arch Linux\nsort-key 01\nlinux    /arch/boot/x86_64/vmlinuz-linux\ninitrd   /arch/boot/x86_64/initramfs-linux.img\noptions  archisobasedir=arch archisosearchuuid=2024-09-01-12-40-01-00\n' \
	> "$tree/loader/entries/01-archiso-x86_64-linux.conf"
xorriso -as mkisofs -iso-level 3 -full-iso9660-filenames -joliet -joliet-long \
	-rational-rock -volid ARCH_202409 -o "$TMPD/isos/arch.iso" "$tree" > "$TMPD/xorriso.log" 2>&1
cp "$FIXTURES/archiso/archiso-corrupt.iso" "$TMPD/isos/"
head -c 65536 /dev/urandom > "$TMPD/files/ipxe.efi"
cp "$FIXTURES/keys/ed25519.pub" "$TMPD/keys.pub"
chmod -R a+rwX "$TMPD"

LOG=$TMPD/server.log
# serve [NETNS] ARGS...: start the server (in a namespace when NETNS is set).
serve() {
	ns=$1
	shift
	: > "$LOG"
	${ns:+ip netns exec "$ns"} "$PX" serve --http-port "$PORT" --https-port 0 \
		--tftp-port "$PORT" --iso "$TMPD/isos" --files "$TMPD/files" --keys "$TMPD/keys.pub" \
		--state "$ST" "$@" >> "$LOG" 2>&1 &
	SRV=$!
	for _ in $(seq 1 100); do
		grep -q 'pxestick: serving' "$LOG" && return 0
		sleep 0.1
	done
	echo "# the server did not start:"
	sed 's/^/# /' "$LOG"
	return 1
}
stop() {
	kill "$SRV" 2>/dev/null
	wait "$SRV" 2>/dev/null
	SRV=""
	cat "$LOG" >> "$TMPD/all.log"
}
# sanitizers_quiet: no report in the server's logs (PXESTICK=build/pxestick-asan).
sanitizers_quiet() {
	! grep -E -A5 "ERROR: (Address|Leak)Sanitizer|LeakSanitizer has|runtime error:" "$TMPD/all.log"
}

# jtrue EXPR: EXPR holds over the server's status.json (python: d is the
# document, c(ID) the client with that id, or None).  IN: a namespace to
# ask from.
IN=""
jtrue() {
	${IN:+ip netns exec "$IN"} curl -sf "http://127.0.0.1:$PORT/status.json" > "$TMPD/s.json" &&
	python3 - "$TMPD/s.json" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def c(i):
    for x in d["clients"]:
        if x["id"] == i:
            return x
    return None
try:
    ok = eval("(" + sys.argv[2] + ")")
except Exception as e:
    ok = False
    print("error:", repr(e))
if not ok:
    print("does not hold:", sys.argv[2])
    print(json.dumps(d["clients"])[:3000])
sys.exit(0 if ok else 1)
PY
}
# jwait SECONDS EXPR: until EXPR holds.
jwait() {
	n=$(($1 * 5))
	while [ "$n" -gt 0 ]; do
		jtrue "$2" > /dev/null 2>&1 && return 0
		sleep 0.2
		n=$((n - 1))
	done
	jtrue "$2"
}
U=http://127.0.0.1:$PORT
A=$U/iso/arch/arch

# =================== loopback ===================
serve "" --dhcp off || { host_done; exit 1; }
check "status.json before any client: ISOs verified and refused, keys, no client" jtrue \
	'd["version"] == 1 and d["counts"]["clients"] == 0 and
	 [i["name"] for i in d["server"]["isos"]] == ["arch"] and d["server"]["isos"][0]["state"] == "verified" and
	 d["server"]["refused"][0]["path"].endswith("archiso-corrupt.iso") and
	 "does not match airootfs.sha512" in d["server"]["refused"][0]["reason"] and
	 d["server"]["keys"] == 1 and d["server"]["script_cfg"] and d["server"]["http_port"] == '"$PORT"' and
	 d["server"]["dhcp"] == "off"'
check "status socket: STATE/pxestick.sock, mode 0660" sh -c "[ -S '$ST/pxestick.sock' ] &&
	[ \$(stat -c %a '$ST/pxestick.sock') = 660 ]"

tftp 127.0.0.1 "$PORT" -m binary -c get ipxe.efi "$TMPD/got.efi" > /dev/null 2>&1
check "tftp-hpa fetches ipxe.efi: phase loader, 65536 of 65536 bytes over tftp" jwait 3 \
	'c("127.0.0.1")["phase"] == "loader" and c("127.0.0.1")["download"]["via"] == "tftp" and
	 c("127.0.0.1")["download"]["done"] == 65536 == c("127.0.0.1")["download"]["total"] and
	 c("127.0.0.1")["download"]["state"] == "done" and c("127.0.0.1")["mac"] is None'
curl -sf -o /dev/null -A "iPXE/1.21.1" "$U/boot.ipxe"
check "boot.ipxe fetched: phase menu, user agent kept" jtrue \
	'c("127.0.0.1")["phase"] == "menu" and c("127.0.0.1")["agent"] == "iPXE/1.21.1"'
curl -sf -o /dev/null "$A/boot/x86_64/vmlinuz-linux"
check "the kernel: phase kernel, 3000000 of 3000000 bytes, ISO named" jtrue \
	'c("127.0.0.1")["phase"] == "kernel" and c("127.0.0.1")["iso"] == "arch" and
	 c("127.0.0.1")["download"]["file"] == "vmlinuz-linux" and
	 c("127.0.0.1")["download"]["done"] == 3000000 == c("127.0.0.1")["download"]["total"]'
curl -sf -o /dev/null "$A/boot/x86_64/initramfs-linux.img"
curl -sf -o /dev/null -r 0-0 "$A/x86_64/airootfs.sfs"
check "the initramfs' range probe of airootfs.sfs: phase rootfs, byte 1 of 32000000" jtrue \
	'c("127.0.0.1")["phase"] == "rootfs" and c("127.0.0.1")["download"]["done"] == 1 and
	 c("127.0.0.1")["download"]["total"] == 32000000'

# The root image at 6 MB/s: caught half way, with `top` running meanwhile.
curl -sf -o "$TMPD/rootfs.got" --limit-rate 6M "$A/x86_64/airootfs.sfs" &
CURL=$!
(sleep 2.5; printf q) | timeout 15 script -q -e -c "$PX top --state $ST" "$TMPD/top.out" \
	> /dev/null 2>&1
echo $? > "$TMPD/top.rc"
check "airootfs.sfs half way: running, 0 < done < total, a rate, an ETA, 1 transfer" jtrue \
	'c("127.0.0.1")["download"]["state"] == "running" and
	 0 < c("127.0.0.1")["download"]["done"] < 32000000 and c("127.0.0.1")["download"]["rate"] > 1000000 and
	 c("127.0.0.1")["download"]["eta"] is not None and c("127.0.0.1")["active"] == 1'
top_shows() {
	echo "exit status $(cat "$TMPD/top.rc"); what it drew:"
	tr '\033' '~' < "$TMPD/top.out" | head -n 12
	[ "$(cat "$TMPD/top.rc")" = 0 ] &&
	grep -q "pxestick  " "$TMPD/top.out" &&
	grep -q "127\.0\.0\.1 .*rootfs.* \[#*\.*\] *[0-9]*%" "$TMPD/top.out" &&
	grep -q "q quit" "$TMPD/top.out" &&
	printf '\033[?1049l' > "$TMPD/leave" && grep -qF "$(cat "$TMPD/leave")" "$TMPD/top.out" &&
	[ "$(grep -c 'clients: 1 ' "$TMPD/top.out")" -ge 2 ]
}
check "pxestick top: header, the client's line with its bar, redrawn, quits on q, restores the screen" \
	top_shows
wait "$CURL"
check "curl's airootfs.sfs is intact" cmp -s "$TMPD/rootfs.got" "$tree/arch/x86_64/airootfs.sfs"
check "airootfs.sfs done: 32000000 of 32000000 bytes, an average rate" jtrue \
	'c("127.0.0.1")["download"]["state"] == "done" and
	 c("127.0.0.1")["download"]["done"] == 32000000 == c("127.0.0.1")["download"]["total"] and
	 c("127.0.0.1")["download"]["rate"] > 0 and c("127.0.0.1")["active"] == 0'
jtrue 'True' > /dev/null
B0=$(python3 -c 'import json,sys; print([x for x in json.load(open(sys.argv[1]))["clients"] if x["id"] == "127.0.0.1"][0]["bytes"])' "$TMPD/s.json")
curl -sf -o /dev/null -r 1000000- "$A/x86_64/airootfs.sfs"
check "a resumed range (bytes=1000000-): exactly 31000000 more bytes, done at the file's end" jtrue \
	"c('127.0.0.1')['bytes'] - $B0 == 31000000 and c('127.0.0.1')['download']['done'] == 32000000"
curl -sf -o /dev/null "$A/x86_64/airootfs.sha512"
check "the checksum does not replace the download shown" jtrue \
	'c("127.0.0.1")["download"]["file"] == "airootfs.sfs" and c("127.0.0.1")["phase"] == "rootfs"'
curl -sf -o /dev/null "$U/script.cfg"
check "script.cfg fetched: phase live, an SSH check is waiting" jtrue \
	'c("127.0.0.1")["phase"] == "live" and c("127.0.0.1")["ssh"]["state"] in ("waiting", "checking")'

# A second client: the menu, then a kernel that is not there.
curl -sf -o /dev/null --interface 127.0.0.2 "$U/boot.ipxe"
curl -s -o /dev/null --interface 127.0.0.2 "$A/boot/x86_64/vmlinuz-lts"
check "a second client (127.0.0.2): menu, then the 404 as its error" jtrue \
	'c("127.0.0.2")["phase"] == "menu" and "404 Not Found" in c("127.0.0.2")["error"]["message"] and
	 "vmlinuz-lts" in c("127.0.0.2")["error"]["message"] and d["counts"]["clients"] == 2 and
	 d["counts"]["errors"] == 1 and d["counts"]["live"] == 1'
curl -s -o /dev/null --interface 127.0.0.3 "$U/hello%0a%1b.txt"
curl -s -o /dev/null "$U/status"
check "a stranger's ordinary request and the status page make no client" jtrue \
	'd["counts"]["clients"] == 2'
check "the events tell the story: each phase, in order" jtrue \
	'[e["message"] for e in d["events"] if e["client"] == "127.0.0.1" and
	  e["message"].split(":")[0] in ("first stage", "boot menu", "kernel + initramfs", "root image",
	  "live system up")] == ["first stage: ipxe.efi (tftp)", "boot menu: boot.ipxe",
	  "kernel + initramfs: vmlinuz-linux", "root image: airootfs.sfs",
	  "live system up: script.cfg, keys installed"] and
	 any(e["message"].startswith("airootfs.sfs: 30.5 MiB in ") for e in d["events"])'

# ---- pxestick status ----
"$PX" status --state "$ST" > "$TMPD/status.txt" 2>&1
check "pxestick status: a report with both clients" sh -c "cat '$TMPD/status.txt'; 
	grep -q '^ISO:      arch: verified, 1 boot entry' '$TMPD/status.txt' &&
	grep -q '^refused:  .*archiso-corrupt.iso: ' '$TMPD/status.txt' &&
	grep -q '^keys:     1 SSH key in script.cfg' '$TMPD/status.txt' &&
	grep -q '^clients:  2 (1 live, 1 booting, 1 with an error)' '$TMPD/status.txt' &&
	grep -q '^- *127.0.0.1 *live ' '$TMPD/status.txt' &&
	grep -q '^- *127.0.0.2 *menu *! http /iso/arch/arch/boot/x86_64/vmlinuz' '$TMPD/status.txt' &&
	grep -q '^  error: http /iso/arch/arch/boot/x86_64/vmlinuz-lts: 404 Not Found' '$TMPD/status.txt'"
"$PX" status --json --state "$ST" > "$TMPD/status.json" 2>&1
check "pxestick status --json: the document of /status.json" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == 1 and [c["id"] for c in d["clients"]] == ["127.0.0.1", "127.0.0.2"], d
' "$TMPD/status.json"
check_exit "pxestick status: an unreachable server exits 1" 1 "$PX" status --state "$TMPD/nowhere"
"$PX" status --state "$TMPD/nowhere" > "$TMPD/unreach.txt" 2>&1
check "pxestick status: ... and says where it looked" grep -q \
	"cannot reach pxestick serve at $TMPD/nowhere/pxestick.sock" "$TMPD/unreach.txt"
check_exit "pxestick status: a bad flag exits 2" 2 "$PX" status --frobnicate
sock_junk() {
	python3 - "$ST/pxestick.sock" <<'PY'
import socket, sys
def ask(data):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(sys.argv[1])
    s.sendall(data)
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
    return out
assert ask(b"hello\n").startswith(b"error: "), "junk"
try:
    # the server answers after STATUS_MAX_REQUEST bytes and closes: the
    # rest it never read may reset the connection before we read that
    assert ask(b"x" * 500).startswith(b"error: "), "a line without end"
except (ConnectionResetError, BrokenPipeError):
    pass
assert ask(b"top 80 25 \x1b[2J\n").startswith(b"error: "), "escape"
scr = ask(b"top 80 25\n").decode()
assert scr.count("\n") == 25 and all(len(l) == 80 for l in scr.split("\n")[:-1]), scr
PY
}
check "status socket: junk gets an error, top gets exactly 80x25" sock_junk
check "the server is still fine" sh -c "curl -sf '$U/status.json' > /dev/null"

# ---- the page in a browser ----
CHROMIUM=$(command -v chromium || command -v chromium-browser)
if [ -z "$CHROMIUM" ]; then
	ok "status: /status in chromium # SKIP chromium cannot be installed here (mk/packages.txt lists it)"
else
	# $CH is a command line: split on purpose below.
	CH="timeout 60 $CHROMIUM --headless --no-sandbox --disable-gpu --disable-background-networking
	    --disable-component-update --disable-sync --no-first-run --disable-extensions
	    --user-data-dir=$TMPD/chromium --window-size=1024,768"
	# shellcheck disable=SC2086
	$CH --screenshot="$TMPD/status.png" "$U/status" > "$TMPD/chromium.log" 2>&1
	check "chromium: a screenshot of /status (PNG, not trivial)" sh -c "
		[ -s '$TMPD/status.png' ] && [ \$(stat -c %s '$TMPD/status.png') -gt 20000 ] &&
		head -c 8 '$TMPD/status.png' | od -An -tx1 | grep -q '89 50 4e 47 0d 0a 1a 0a'"
	if [ -n "${STATUS_SCREENSHOT:-}" ]; then cp "$TMPD/status.png" "$STATUS_SCREENSHOT"; fi
	# shellcheck disable=SC2086
	$CH --virtual-time-budget=4000 --dump-dom "$U/status" > "$TMPD/dom.html" 2>> "$TMPD/chromium.log"
	check "chromium: the DOM has both clients' rows, refreshed by the page's script" python3 - \
		"$TMPD/dom.html" <<'PY'
import re, sys
dom = open(sys.argv[1]).read()
rows = re.findall(r'<tr class="client phase-(\w+)( error)?" data-phase="\w+" data-id="([^"]+)"', dom)
assert [(r[2], r[0]) for r in rows] == [("127.0.0.1", "live"), ("127.0.0.2", "menu")], rows
assert re.search(r'data-updates="[1-9]', dom), "the refresh never ran"
assert "404 Not Found" in dom and "verified" in dom and "refused" in dom
assert "<script>" not in dom.split("<div id=\"status\"")[1].split("</div>\n<script>")[0]
PY
fi
stop
check "SIGTERM removes the status socket" sh -c "[ ! -e '$ST/pxestick.sock' ]"
check "the server's log has no sanitizer report" sanitizers_quiet

# =================== namespaces: DHCP, ARP, SSH ===================
if [ "$(id -u)" != 0 ] || ! ip netns add "$NSS" 2>/dev/null; then
	ok "status: DHCP, ARP and SSH in namespaces # SKIP needs root and network namespaces"
	host_done
	exit
fi
ip netns add "$NSC"
ip link add "${NSS}i" type veth peer name "${NSC}i"
ip link set "${NSS}i" netns "$NSS" name eth0
ip link set "${NSC}i" netns "$NSC" name eth0
for n in "$NSS" "$NSC"; do
	ip -n "$n" link set lo up
	ip -n "$n" link set eth0 up
done
ip -n "$NSS" addr add 10.99.0.1/24 dev eth0
CMAC=$(ip -n "$NSC" -br link show eth0 | awk '{print $3}')
rm -rf "$ST"
mkdir -p "$ST"
chmod 777 "$ST"
serve "$NSS" --interface eth0 --dhcp authoritative || { host_done; exit 1; }
IN=$NSS
cat > "$TMPD/udhcpc.sh" <<'EOF'
#!/bin/sh
case $1 in
bound|renew) ip addr add "$ip/24" dev "$interface" ;;
esac
exit 0
EOF
chmod +x "$TMPD/udhcpc.sh"
ip netns exec "$NSC" busybox udhcpc -i eth0 -n -q -t 5 -T 1 -V PXEClient:Arch:00007:UNDI:003016 \
	-s "$TMPD/udhcpc.sh" > "$TMPD/udhcpc.log" 2>&1
CIP=$(ip -n "$NSC" -4 -br addr show eth0 | awk '{print $3}' | cut -d/ -f1)
check "udhcpc as UEFI PXE firmware: a client by MAC, phase dhcp, uefi, its address" jwait 3 \
	"c('$CMAC') is not None and c('$CMAC')['phase'] == 'dhcp' and c('$CMAC')['firmware'] == 'uefi' and
	 c('$CMAC')['arch'] == 7 and c('$CMAC')['address'] == '$CIP' and '$CIP'.startswith('10.99.0.')"
ip netns exec "$NSC" tftp 10.99.0.1 "$PORT" -m binary -c get ipxe.efi "$TMPD/got2.efi" > /dev/null 2>&1
check "its TFTP request is matched to the MAC (the lease's address): loader" jtrue \
	"c('$CMAC')['phase'] == 'loader' and d['counts']['clients'] == 1"
ip netns exec "$NSC" python3 tests/host/dhcp_client.py --mac "$CMAC" --arch 7 \
	--vendor PXEClient:Arch:00007:UNDI:003016 --user-class iPXE --broadcast --wait 1 > /dev/null 2>&1
check "iPXE's DHCP: phase ipxe" jtrue "c('$CMAC')['phase'] == 'ipxe' and c('$CMAC')['ipxe']"
ip netns exec "$NSC" curl -sf -o /dev/null "http://10.99.0.1:$PORT/boot.ipxe"
ip netns exec "$NSC" curl -sf -o /dev/null "http://10.99.0.1:$PORT/iso/arch/arch/boot/x86_64/vmlinuz-linux"
check "boot.ipxe and the kernel over HTTP: phase kernel, still one client" jtrue \
	"c('$CMAC')['phase'] == 'kernel' and d['counts']['clients'] == 1"
# The live system: another address (networkd's own DHCP), and an sshd.
ip -n "$NSC" addr add 10.99.0.200/24 dev eth0
ip netns exec "$NSC" python3 -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.99.0.200", 22))
s.listen(8)
while True:
    c, _ = s.accept()
    c.sendall(b"SSH-2.0-OpenSSH_9.9 pxestick-test\r\n")
    c.close()
' > /dev/null 2>&1 &
PIDS="$PIDS $!"
ip netns exec "$NSC" curl -sf -o /dev/null --interface 10.99.0.200 "http://10.99.0.1:$PORT/script.cfg"
check "script.cfg from the live system's new address: the same MAC (ARP), phase live, address updated" \
	jtrue "c('$CMAC')['phase'] == 'live' and c('$CMAC')['address'] == '10.99.0.200' and
	 d['counts']['clients'] == 1"
check "the SSH check finds sshd on port 22: phase ssh, its banner" jwait 10 \
	"c('$CMAC')['phase'] == 'ssh' and c('$CMAC')['ssh']['state'] == 'up' and
	 c('$CMAC')['ssh']['banner'] == 'SSH-2.0-OpenSSH_9.9 pxestick-test'"
if [ -n "${STATUS_SCREENSHOT:-}" ] && [ -n "$CHROMIUM" ]; then
	# shellcheck disable=SC2086
	ip netns exec "$NSS" $CH --screenshot="${STATUS_SCREENSHOT%.png}-ns.png" "$U/status" \
		> /dev/null 2>&1
fi
stop
check "the server's log has no sanitizer report (namespaces)" sanitizers_quiet
host_done
