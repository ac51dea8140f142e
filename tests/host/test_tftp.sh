#!/bin/sh
# The TFTP server against real clients (tftp-hpa, atftp, busybox tftp,
# curl) on loopback high ports, and in a pair of network namespaces made
# here (veth, packet loss) -- never any other address.  Every download is
# compared byte for byte with its source.  tftp_raw.py sends the packets
# no real client sends (firmware garbage, error 8, duplicate ACKs).
. tests/host/lib.sh
raw() { python3 tests/host/tftp_raw.py "$@"; }
NS_S=pxtftp-s-$$
NS_C=pxtftp-c-$$
IF_S=tfs$$
IF_C=tfc$$
PIDS=

cleanup() {
	for p in $PIDS; do kill "$p" 2> /dev/null; done
	ip netns del "$NS_S" 2> /dev/null
	ip netns del "$NS_C" 2> /dev/null
	ip link del "$IF_S" 2> /dev/null
	rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for tool in tftp atftp busybox curl python3 cmp; do
	if ! command -v "$tool" > /dev/null; then
		not_ok "tftp: $tool is not installed (make deps)"
		exit 1
	fi
done

# ---- fixtures: a files directory the unprivileged server can read ----

umask 022
chmod 755 "$TMPD"
F=$TMPD/files
mkdir -p "$F/sub" "$TMPD/state"
head -c 5000 /dev/urandom > "$F/small.bin"
head -c 3000000 /dev/urandom > "$F/three-mb.bin"
head -c 1048576 /dev/urandom > "$F/one-mb.bin"
head -c $((40 * 1048576)) /dev/urandom > "$F/forty-mb.bin"
: > "$F/empty.bin"
head -c 1024 /dev/urandom > "$F/sub/exact-1024.bin"
printf 'unix\nlines\r\nand a bare \r in the middle\n' > "$F/text.txt"
ln -s /etc/passwd "$F/escape"
ISO=$FIXTURES/archiso/archiso.iso
ISO_PATH=/arch/x86_64/airootfs.sfs
"$PXESTICK" iso cat "$ISO" "$ISO_PATH" > "$TMPD/airootfs.sfs" || not_ok "tftp: iso cat of the fixture"
OUT=$TMPD/out
mkdir -p "$OUT"

# free_port: a UDP port nobody listens on (high, from our pid).
free_port() {
	p=$((20000 + ($$ * 7 + ${1:-0} * 131) % 40000))
	while ss -Hlun "sport = :$p" 2> /dev/null | grep -q .; do p=$((p + 1)); done
	echo "$p"
}

# start_server LOG [NETNS] -- FLAGS...: the server ($SRV_BIN, else
# $PXESTICK) in the background, waiting for its "serving" line.  Sets
# SRV_PID.
start_server() {
	log=$1
	ns=$2
	shift 3
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "${SRV_BIN:-$PXESTICK}" serve --http-port 0 --https-port 0 --dhcp off \
			--files "$F" --iso "$ISO" --state "$TMPD/state" "$@" > "$log" 2>&1 &
	else
		"${SRV_BIN:-$PXESTICK}" serve --http-port 0 --https-port 0 --dhcp off \
			--files "$F" --iso "$ISO" --state "$TMPD/state" "$@" > "$log" 2>&1 &
	fi
	SRV_PID=$!
	PIDS="$PIDS $SRV_PID"
	i=0
	while ! grep -q 'serving' "$log" 2> /dev/null; do
		i=$((i + 1))
		if [ "$i" -gt 100 ] || ! kill -0 "$SRV_PID" 2> /dev/null; then
			sed 's/^/# /' "$log"
			return 1
		fi
		sleep 0.05
	done
}

# same NAME FILE GOT: the download is the source, byte for byte.
same() {
	if [ -f "$3" ] && cmp -s "$2" "$3"; then
		ok "tftp: $1"
	else
		not_ok "tftp: $1"
		ls -l "$2" "$3" 2>&1 | sed 's/^/# /'
		[ -f "$TMPD/client.out" ] && sed 's/^/# /' "$TMPD/client.out" | head -n 10
	fi
}

# Clients, each bounded in time.
hpa() { # hpa HOST PORT MODE REMOTE LOCAL [rexmt]
	printf 'rexmt %s\ntimeout 60\nmode %s\nget %s %s\n' "${6:-1}" "$3" "$4" "$5" |
		timeout 90 tftp "$1" "$2" > "$TMPD/client.out" 2>&1
}
atf() { # atf HOST PORT REMOTE LOCAL OPTION...
	h=$1 p=$2 r=$3 l=$4
	shift 4
	timeout 90 atftp --tftp-timeout 1 "$@" -g -r "$r" -l "$l" "$h" "$p" \
		> "$TMPD/client.out" 2>&1
}
bbx() { # bbx HOST PORT REMOTE LOCAL [blksize]
	timeout 90 busybox tftp -g -r "$3" -l "$4" ${5:+-b "$5"} "$1" "$2" \
		> "$TMPD/client.out" 2>&1
}
crl() { # crl URL LOCAL [blksize]
	timeout 90 curl -sS ${3:+--tftp-blksize "$3"} -o "$2" "$1" > "$TMPD/client.out" 2>&1
}

# ---- loopback ----

PORT=$(free_port 1)
LOG=$TMPD/server.log
# The 50 parallel transfers below all come from 127.0.0.1: that address
# gets a larger share than the default (the share is tested further down).
if ! start_server "$LOG" "" -- --listen 127.0.0.1 --tftp-port "$PORT" --tftp-max-per-client 64; then
	not_ok "tftp: server starts"
	exit 1
fi
ok "tftp: server starts, announces tftp://127.0.0.1:$PORT/"
H=127.0.0.1

hpa $H "$PORT" octet small.bin "$OUT/hpa-small"
same "tftp-hpa, octet, 5000 bytes" "$F/small.bin" "$OUT/hpa-small"
hpa $H "$PORT" octet "/iso/archiso$ISO_PATH" "$OUT/hpa-iso"
same "tftp-hpa, a file inside the ISO (read by offset)" "$TMPD/airootfs.sfs" "$OUT/hpa-iso"
hpa $H "$PORT" netascii text.txt "$OUT/hpa-text"
same "tftp-hpa, netascii (LF, CR LF and a bare CR survive)" "$F/text.txt" "$OUT/hpa-text"
hpa $H "$PORT" octet empty.bin "$OUT/hpa-empty"
same "tftp-hpa, an empty file" "$F/empty.bin" "$OUT/hpa-empty"
hpa $H "$PORT" octet sub/exact-1024.bin "$OUT/hpa-exact"
same "tftp-hpa, a multiple of 512 (ends with an empty block)" "$F/sub/exact-1024.bin" "$OUT/hpa-exact"

atf $H "$PORT" three-mb.bin "$OUT/atftp-1468" --option "blksize 1468"
same "atftp, blksize 1468" "$F/three-mb.bin" "$OUT/atftp-1468"
atf $H "$PORT" three-mb.bin "$OUT/atftp-w16" --option "blksize 1468" --option "windowsize 16"
same "atftp, blksize 1468, windowsize 16" "$F/three-mb.bin" "$OUT/atftp-w16"
atf $H "$PORT" three-mb.bin "$OUT/atftp-w64" --option "blksize 65464" --option "windowsize 64" \
	--option "tsize 0"
same "atftp, blksize 65464, windowsize 64 (granted within the window cap)" \
	"$F/three-mb.bin" "$OUT/atftp-w64"
atf $H "$PORT" "/iso/archiso$ISO_PATH" "$OUT/atftp-iso" --option "blksize 1024" \
	--option "windowsize 8"
same "atftp, a file inside the ISO, windowsize 8" "$TMPD/airootfs.sfs" "$OUT/atftp-iso"

bbx $H "$PORT" three-mb.bin "$OUT/bb-1468" 1468
same "busybox tftp -b 1468" "$F/three-mb.bin" "$OUT/bb-1468"
bbx $H "$PORT" small.bin "$OUT/bb-512"
same "busybox tftp, no options" "$F/small.bin" "$OUT/bb-512"

crl "tftp://$H:$PORT/three-mb.bin" "$OUT/curl-1468" 1468
same "curl --tftp-blksize 1468" "$F/three-mb.bin" "$OUT/curl-1468"
crl "tftp://$H:$PORT/iso/archiso$ISO_PATH" "$OUT/curl-iso" 8192
same "curl --tftp-blksize 8192, a file inside the ISO" "$TMPD/airootfs.sfs" "$OUT/curl-iso"

# boot.ipxe over TFTP names the HTTP server at the address we were reached on.
crl "tftp://$H:$PORT/boot.ipxe" "$OUT/boot.ipxe"
check "tftp: boot.ipxe is served and names http://127.0.0.1" grep -q 'http://127.0.0.1' "$OUT/boot.ipxe"

# The rollover: 40 MiB at 512-byte blocks is 81,920 blocks.
t0=$(date +%s)
hpa $H "$PORT" octet forty-mb.bin "$OUT/hpa-40"
same "tftp-hpa, 40 MiB at 512-byte blocks (block numbers roll over to 0)" \
	"$F/forty-mb.bin" "$OUT/hpa-40"
atf $H "$PORT" forty-mb.bin "$OUT/atftp-40" --option "blksize 512" --option "windowsize 16"
same "atftp, 40 MiB at 512-byte blocks, windowsize 16 (rollover inside a window)" \
	"$F/forty-mb.bin" "$OUT/atftp-40"
echo "# rollover checks took $(($(date +%s) - t0)) s"
check "tftp: one log line per transfer, with its numbers" \
	grep -q '"/forty-mb.bin" done: 41943040 bytes, blksize 512, windowsize 1, [0-9]* ms, [0-9]* retransmissions' "$LOG"

# 50 parallel transfers, clients mixed.
i=0
par_pids=
while [ "$i" -lt 50 ]; do
	case $((i % 3)) in
	0) timeout 60 tftp $H "$PORT" -m binary -c get one-mb.bin "$OUT/par-$i" > /dev/null 2>&1 & ;;
	1) timeout 60 atftp --option "blksize 1468" --option "windowsize 4" -g -r one-mb.bin \
		-l "$OUT/par-$i" $H "$PORT" > /dev/null 2>&1 & ;;
	2) timeout 60 busybox tftp -g -b 1024 -r one-mb.bin -l "$OUT/par-$i" $H "$PORT" \
		> /dev/null 2>&1 & ;;
	esac
	par_pids="$par_pids $!"
	i=$((i + 1))
done
for p in $par_pids; do wait "$p"; done
bad=0
i=0
while [ "$i" -lt 50 ]; do
	cmp -s "$F/one-mb.bin" "$OUT/par-$i" || bad=$((bad + 1))
	i=$((i + 1))
done
if [ "$bad" -eq 0 ]; then ok "tftp: 50 parallel transfers, all identical"; else not_ok "tftp: 50 parallel transfers: $bad differ"; fi

# Refusals, each with the right error code.
hpa $H "$PORT" octet no-such-file "$OUT/missing"
check "tftp: a missing file is error 1" grep -q 'Error code 1' "$TMPD/client.out"
printf 'put %s up.bin\n' "$F/small.bin" | timeout 30 tftp $H "$PORT" > "$TMPD/client.out" 2>&1
check "tftp: a write request (tftp-hpa put) is error 2" grep -q 'Error code 2' "$TMPD/client.out"
check "tftp: nothing was written" test ! -e "$F/up.bin"
timeout 30 atftp -p -l "$F/small.bin" -r up2.bin $H "$PORT" > "$TMPD/client.out" 2>&1
check "tftp: a write request (atftp -p) is refused" test ! -e "$F/up2.bin"
for path in ../etc/passwd /../../etc/passwd iso/../../etc/passwd 'sub/../../x' \
	'..\\..\\etc\\passwd' escape /iso/archiso/../../../etc/passwd; do
	rm -f "$OUT/trav"
	hpa $H "$PORT" octet "$path" "$OUT/trav"
	if grep -q 'Error code [12]' "$TMPD/client.out" && ! grep -q root: "$OUT/trav" 2> /dev/null; then
		ok "tftp: traversal refused: $path"
	else
		not_ok "tftp: traversal refused: $path"
		sed 's/^/# /' "$TMPD/client.out"
	fi
done
hpa $H "$PORT" octet sub "$OUT/dir"
check "tftp: a directory is refused (error 2)" grep -q 'Error code 2' "$TMPD/client.out"
check "tftp: an unknown opcode is error 4, from a new port" \
	raw $H "$PORT" expect-error 4 "b'\x00\x09junk'"
check "tftp: mode mail is error 4" raw $H "$PORT" expect-error 4 "b'\x00\x01small.bin\x00mail\x00'"

# What firmware sends: 0xFF after the name, a leading '/', garbage after the options.
check "tftp: trailing 0xFF after the name and junk after the options (Intel UNDI, Lenovo)" \
	raw $H "$PORT" get "b'/small.bin\xff\xff\xff'" "$F/small.bin" 0 0 "b'\xff\xff'"
check "tftp: duplicate ACKs never cause duplicate DATA (Sorcerer's Apprentice)" \
	raw $H "$PORT" get "b'small.bin'" "$F/small.bin" 3
check "tftp: an OACK refused with error 8 ends the transfer" \
	raw $H "$PORT" refuse-oack small.bin
check "tftp: ... and is logged as the size probe UEFI firmware makes, not a failure" \
	grep -q '"/small.bin" size asked (5000 bytes): the client ended it after the OACK' "$LOG"

# A SIGHUP reload while a transfer runs: it keeps its file and finishes.
raw $H "$PORT" get "b'three-mb.bin'" "$F/three-mb.bin" 0 0 > "$TMPD/slow.out" 2>&1 &
slow=$!
raw $H "$PORT" get "b'/iso/archiso$ISO_PATH'" "$TMPD/airootfs.sfs" 0 0.002 > "$TMPD/slow-iso.out" 2>&1 &
slow_iso=$!
sleep 0.3
kill -HUP "$SRV_PID"
check "tftp: transfers survive a SIGHUP reload (disk file)" wait "$slow"
check "tftp: transfers survive a SIGHUP reload (file inside the ISO)" wait "$slow_iso"
check "tftp: ... the reload happened during them" grep -q 'reloaded' "$LOG"

# The transfer cap: a second server allowing 3.
CAP_PORT=$(free_port 2)
CAP_LOG=$TMPD/cap.log
if start_server "$CAP_LOG" "" -- --listen 127.0.0.1 --tftp-port "$CAP_PORT" --tftp-max-transfers 3; then
	check "tftp: over tftp-max-transfers, a client gets an error at once" \
		raw $H "$CAP_PORT" cap 3 forty-mb.bin
	check "tftp: ... and the refusal is logged" grep -q 'transfers running (tftp-max-transfers)' "$CAP_LOG"
else
	not_ok "tftp: the capped server starts"
fi
kill "$SRV_PID" 2> /dev/null

# One address gets its share (tftp-max-per-client), the others still boot.
CAP_PORT=$(free_port 4)
CAP_LOG=$TMPD/cap-client.log
if start_server "$CAP_LOG" "" -- --tftp-port "$CAP_PORT" --tftp-max-per-client 3; then
	TFTP_SRC=127.0.0.2 raw $H "$CAP_PORT" cap 3 forty-mb.bin 3 > "$TMPD/share.out" 2>&1 &
	share=$!
	i=0
	until grep -q refused "$TMPD/share.out" || [ $i -ge 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check "tftp: 127.0.0.2 holding its 3 (tftp-max-per-client): its 4th is refused" \
		grep -q "transfer 4 refused: error 0 b'too many transfers from this client" "$TMPD/share.out"
	hpa $H "$CAP_PORT" octet small.bin "$OUT/share-small"
	same "... meanwhile 127.0.0.1 gets its file (tftp-hpa)" "$F/small.bin" "$OUT/share-small"
	wait "$share"
	check "tftp: ... the log names the address and the setting" \
		grep -q 'refused: 127.0.0.2 has 3 transfers running (tftp-max-per-client)' "$CAP_LOG"
else
	not_ok "tftp: the server with tftp-max-per-client 3 starts"
fi
kill "$SRV_PID" 2> /dev/null

# ---- the same server under ASan+UBSan, a few transfers of each kind ----

if [ -x "$PXESTICK_ASAN" ]; then
	APORT=$(free_port 3)
	ALOG=$TMPD/asan.log
	SRV_BIN=$PXESTICK_ASAN
	if start_server "$ALOG" "" -- --listen 127.0.0.1 --tftp-port "$APORT"; then
		atf $H "$APORT" three-mb.bin "$OUT/asan-w" --option "blksize 1468" --option "windowsize 16"
		same "ASan: atftp, windowsize 16" "$F/three-mb.bin" "$OUT/asan-w"
		hpa $H "$APORT" netascii text.txt "$OUT/asan-text"
		same "ASan: tftp-hpa, netascii" "$F/text.txt" "$OUT/asan-text"
		crl "tftp://$H:$APORT/iso/archiso$ISO_PATH" "$OUT/asan-iso" 1468
		same "ASan: curl, a file inside the ISO" "$TMPD/airootfs.sfs" "$OUT/asan-iso"
		raw $H "$APORT" get "b'/small.bin\xff'" "$F/small.bin" 1 0 "b'\xff'" > /dev/null 2>&1
		raw $H "$APORT" refuse-oack small.bin > /dev/null 2>&1
		raw $H "$APORT" expect-error 4 "b'\x00\x01x'" > /dev/null 2>&1
		hpa $H "$APORT" octet ../x "$OUT/asan-trav"
		kill -HUP "$SRV_PID"
		sleep 0.2
		kill "$SRV_PID"
		wait "$SRV_PID" 2> /dev/null
		check "tftp: ASan: no sanitizer report, clean exit" \
			sh -c "! grep -q -e 'Sanitizer' -e 'runtime error' '$ALOG' && grep -q 'SIGTERM' '$ALOG'"
	else
		not_ok "tftp: the ASan server starts"
	fi
	SRV_BIN=
fi

# ---- a namespace pair: an Ethernet MTU and packet loss ----

if ! ip netns add "$NS_S" || ! ip netns add "$NS_C" ||
	! ip link add "$IF_S" type veth peer name "$IF_C" ||
	! ip link set "$IF_S" netns "$NS_S" || ! ip link set "$IF_C" netns "$NS_C"; then
	not_ok "tftp: network namespaces (needs root)"
	exit 1
fi
ip -n "$NS_S" addr add 192.0.2.1/24 dev "$IF_S"
ip -n "$NS_C" addr add 192.0.2.2/24 dev "$IF_C"
ip -n "$NS_S" link set "$IF_S" up
ip -n "$NS_C" link set "$IF_C" up
ip -n "$NS_S" link set lo up
ip -n "$NS_C" link set lo up
S=192.0.2.1
NPORT=6969
NLOG=$TMPD/netns.log
C="ip netns exec $NS_C"
if ! start_server "$NLOG" "$NS_S" -- --listen $S --tftp-port $NPORT; then
	not_ok "tftp: server starts in the namespace"
	exit 1
fi
$C timeout 60 atftp --option 'blksize 8192' --option 'tsize 0' -g -r one-mb.bin \
	-l "$OUT/mtu" $S $NPORT > "$TMPD/client.out" 2>&1
same "atftp over a 1500-byte MTU veth, blksize 8192 asked" "$F/one-mb.bin" "$OUT/mtu"
check "tftp: ... granted 1468 (the MTU less IP, UDP and TFTP headers)" \
	grep -q '"/one-mb.bin" done: 1048576 bytes, blksize 1468,' "$NLOG"

# set_loss PERCENT: drop that share of UDP both ways (netem when the kernel
# has it, else nftables' random numbers on the way in: a drop on the way
# out would fail the sender's sendto() with EPERM instead of losing the
# packet on the wire).
LOSS_HOW=
set_loss() {
	for ns in "$NS_S" "$NS_C"; do
		dev=$IF_S
		[ "$ns" = "$NS_C" ] && dev=$IF_C
		if [ "$LOSS_HOW" != nft ] &&
			ip netns exec "$ns" tc qdisc replace dev "$dev" root netem loss "$1%" 2> /dev/null; then
			LOSS_HOW=netem
			continue
		fi
		LOSS_HOW=nft
		ip netns exec "$ns" nft delete table inet pxloss 2> /dev/null
		ip netns exec "$ns" nft -f - << EOF || return 1
table inet pxloss {
	chain in {
		type filter hook input priority 0; policy accept;
		meta l4proto udp numgen random mod 100 < $1 drop
	}
}
EOF
	done
}

# A lossy run: CLIENT NAME FILE ... in the client namespace, then compare.
# atftp aborts by itself ("unexpected OACK") when a retransmitted OACK
# arrives after it has ACKed the first one -- its own state machine, not
# the server's fault -- so only that case is tried again (3 times at most).
lossy() {
	name=$1 src=$2 got=$3
	shift 3
	t0=$(date +%s)
	tries=0
	while :; do
		tries=$((tries + 1))
		rm -f "$got"
		$C "$@" > "$TMPD/client.out" 2>&1
		grep -q 'unexpected OACK' "$TMPD/client.out" && [ "$tries" -lt 3 ] || break
	done
	[ "$tries" -gt 1 ] && echo "# $name: the client aborted on a duplicate OACK; try $tries"
	same "$name ($(($(date +%s) - t0)) s)" "$src" "$got"
}

for pct in 5 20; do
	if ! set_loss "$pct"; then
		not_ok "tftp: $pct% packet loss (netem or nft)"
		continue
	fi
	echo "# $pct% loss each way, with $LOSS_HOW"
	if [ "$pct" = 5 ]; then small=$F/one-mb.bin big=$F/three-mb.bin; else small=$F/small.bin big=$F/one-mb.bin; fi
	lossy "$pct% loss: tftp-hpa, 512-byte blocks" "$small" "$OUT/loss-hpa-$pct" \
		sh -c "printf 'rexmt 1\ntimeout 60\nbinary\nget $(basename "$small") $OUT/loss-hpa-$pct\n' | timeout 120 tftp $S $NPORT"
	lossy "$pct% loss: atftp, blksize 1468, windowsize 16" "$big" "$OUT/loss-atftp-$pct" \
		timeout 120 atftp --tftp-timeout 1 --option "blksize 1468" --option "windowsize 16" \
		-g -r "$(basename "$big")" -l "$OUT/loss-atftp-$pct" $S $NPORT
	lossy "$pct% loss: busybox tftp -b 1468" "$small" "$OUT/loss-bb-$pct" \
		timeout 120 busybox tftp -g -b 1468 -r "$(basename "$small")" -l "$OUT/loss-bb-$pct" $S $NPORT
done
grep -c 'retransmissions' "$NLOG" | sed 's/^/# transfers logged in the namespace: /'
grep '"/one-mb.bin"\|"/three-mb.bin"\|"/small.bin"' "$NLOG" | sed 's/^/# /' | tail -n 6

host_done
