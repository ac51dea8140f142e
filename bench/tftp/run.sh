#!/bin/sh
# pxestick's TFTP server against tftpd-hpa (Debian's in.tftpd, run here in
# the foreground on its own port, no system service), serving the same
# 64 MiB file to the same client (atftp), one run side by side:
#   - loopback, 512 and 1468-byte blocks, windowsize 1 (target: ratio >= 1.0)
#   - pxestick with windowsize 16 and 64 (RFC 7440) against tftpd-hpa's
#     best (target >= 10x: the published anchor is 10.4 -> 98.6 MB/s on
#     gigabit with windowsize 64)
#   - 5% packet loss each way, in a pair of network namespaces made here
#     (busybox tftp for windowsize 1 on both servers, atftp for windows)
# Each loopback figure is the best of BENCH_RUNS (5) runs, servers taking
# turns; every download is compared with the source.  Needs root (chroot
# of tftpd-hpa, namespaces).  Not part of `make test`.
set -u
BUILD=${BUILD:-build}
PX=${PXESTICK:-$BUILD/pxestick}
RUNS=${BENCH_RUNS:-5}
MIB=${BENCH_TFTP_MIB:-64}
LOSS_MIB=${BENCH_TFTP_LOSS_MIB:-2}
HPA=/usr/sbin/in.tftpd
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
for t in "$HPA" atftp busybox bc ip nft; do
	command -v "$t" > /dev/null || { echo "bench/tftp: $t is missing (make deps)" >&2; exit 2; }
done
[ -x "$PX" ] || { echo "bench/tftp: build $PX first (make)" >&2; exit 2; }

dir=$BUILD/bench/tftp
work=$(mktemp -d "${TMPDIR:-/tmp}/pxestick-bench-tftp.XXXXXX")
NS_S=pxbench-s-$$
NS_C=pxbench-c-$$
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2> /dev/null; done
	ip netns del "$NS_S" 2> /dev/null
	ip netns del "$NS_C" 2> /dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The files, readable by the unprivileged servers (both drop to nobody).
mkdir -p "$dir"
chmod 755 "$work"
files=$work/files
mkdir -p "$files" "$work/state" "$work/out"
[ -f "$dir/big.bin" ] && [ "$(stat -c %s "$dir/big.bin")" -eq $((MIB * 1048576)) ] ||
	head -c $((MIB * 1048576)) /dev/urandom > "$dir/big.bin"
cp "$dir/big.bin" "$files/big.bin"
head -c $((LOSS_MIB * 1048576)) "$dir/big.bin" > "$files/loss.bin"
chmod 644 "$files"/*
cat "$files"/* > /dev/null # warm the page cache

port() { # a free UDP port from our pid
	p=$((30000 + ($$ * 13 + $1 * 97) % 30000))
	while ss -Hlun "sport = :$p" 2> /dev/null | grep -q .; do p=$((p + 1)); done
	echo "$p"
}

# start NS ADDR PORT_PX PORT_HPA [hpa flags]: both servers (NS "" = here).
start() {
	ns=$1 addr=$2 ppx=$3 phpa=$4
	shift 4
	x=
	[ -n "$ns" ] && x="ip netns exec $ns"
	$x "$PX" serve --http-port 0 --https-port 0 --dhcp off --listen "$addr" \
		--tftp-port "$ppx" --files "$files" --state "$work/state" > "$work/px-$ppx.log" 2>&1 &
	PIDS="$PIDS $!"
	$x "$HPA" -L -s "$files" -a "$addr:$phpa" -u nobody "$@" > "$work/hpa-$phpa.log" 2>&1 &
	PIDS="$PIDS $!"
	sleep 0.5
}

# get NS HOST PORT FILE OPTION...: one atftp download; prints MB/s, or
# "fail" when it did not arrive whole.
get() {
	ns=$1 h=$2 p=$3 f=$4
	shift 4
	x=
	[ -n "$ns" ] && x="ip netns exec $ns"
	out=$work/out/got
	rm -f "$out"
	t0=$(date +%s.%N)
	$x timeout 600 atftp --tftp-timeout 1 "$@" -g -r "$f" -l "$out" "$h" "$p" > /dev/null 2>&1
	t1=$(date +%s.%N)
	if ! cmp -s "$out" "$files/$f"; then
		echo fail
		return
	fi
	echo "$(stat -c %s "$files/$f") / 1000000 / ($t1 - $t0)" | bc -l
}

# get_bb NS HOST PORT FILE BLKSIZE: the same with busybox tftp (it answers
# a repeated DATA block; atftp waits for its own timeout instead, which
# hides the server under loss).
get_bb() {
	out=$work/out/got
	rm -f "$out"
	t0=$(date +%s.%N)
	ip netns exec "$1" timeout 600 busybox tftp -g -b "$5" -r "$4" -l "$out" "$2" "$3" \
		> /dev/null 2>&1
	t1=$(date +%s.%N)
	if ! cmp -s "$out" "$files/$4"; then
		echo fail
		return
	fi
	echo "$(stat -c %s "$files/$4") / 1000000 / ($t1 - $t0)" | bc -l
}

max() { if [ "$1" = fail ] || [ "$(echo "$2 > $1" | bc -l)" -eq 1 ]; then echo "$2"; else echo "$1"; fi; }
ratio() {
	if [ "$1" = fail ] || [ "$2" = fail ]; then echo "-"; else printf '%.2f' "$(echo "$1 / $2" | bc -l)"; fi
}
fmt() {
	if [ "$1" = fail ] || [ "$1" = "-" ]; then echo "$1"
	elif [ "$(echo "$1 < 10" | bc -l)" -eq 1 ]; then printf '%.2f' "$1"
	else printf '%.1f' "$1"; fi
}

row() { # LABEL HPA PX RATIO TARGET
	printf '%-44s %10s %10s %7s %8s\n' "$1" "$(fmt "$2")" "$(fmt "$3")" "$4" "$5"
}

PPX=$(port 1)
PHPA=$(port 2)
start "" 127.0.0.1 "$PPX" "$PHPA"
H=127.0.0.1

hpa512=fail px512=fail hpa1468=fail px1468=fail w16=fail w64=fail
i=0
while [ "$i" -lt "$RUNS" ]; do
	hpa512=$(max "$hpa512" "$(get "" $H "$PHPA" big.bin --option "blksize 512")")
	px512=$(max "$px512" "$(get "" $H "$PPX" big.bin --option "blksize 512")")
	hpa1468=$(max "$hpa1468" "$(get "" $H "$PHPA" big.bin --option "blksize 1468")")
	px1468=$(max "$px1468" "$(get "" $H "$PPX" big.bin --option "blksize 1468")")
	w16=$(max "$w16" "$(get "" $H "$PPX" big.bin --option "blksize 1468" --option "windowsize 16")")
	w64=$(max "$w64" "$(get "" $H "$PPX" big.bin --option "blksize 1468" --option "windowsize 64")")
	i=$((i + 1))
done
best=$(max "$hpa512" "$hpa1468")

echo "TFTP, $MIB MiB file, atftp client, loopback, best of $RUNS (MB/s = 10^6 bytes/s)"
printf '%-44s %10s %10s %7s %8s\n' "" "tftpd-hpa" "pxestick" "ratio" "target"
row "blksize 512" "$hpa512" "$px512" "$(ratio "$px512" "$hpa512")" ">= 1.0"
row "blksize 1468" "$hpa1468" "$px1468" "$(ratio "$px1468" "$hpa1468")" ">= 1.0"
row "blksize 1468, windowsize 16 (vs hpa's best)" "$best" "$w16" "$(ratio "$w16" "$best")" ">= 10"
row "blksize 1468, windowsize 64 (vs hpa's best)" "$best" "$w64" "$(ratio "$w64" "$best")" ">= 10"

# ---- 5% loss each way, veth between two namespaces ----

if ! ip netns add "$NS_S" || ! ip netns add "$NS_C" ||
	! ip link add "bs$$" type veth peer name "bc$$" ||
	! ip link set "bs$$" netns "$NS_S" || ! ip link set "bc$$" netns "$NS_C"; then
	echo "bench/tftp: cannot make network namespaces (root?)" >&2
	exit 1
fi
ip -n "$NS_S" addr add 192.0.2.1/24 dev "bs$$"
ip -n "$NS_C" addr add 192.0.2.2/24 dev "bc$$"
for ns in "$NS_S" "$NS_C"; do
	ip -n "$ns" link set lo up
	dev=bs$$
	[ "$ns" = "$NS_C" ] && dev=bc$$
	ip -n "$ns" link set "$dev" up
	# Incoming UDP dropped at random (a drop on output would fail the
	# sender's sendto() instead of losing the packet).
	ip netns exec "$ns" nft -f - << EOF
table inet pxloss {
	chain in {
		type filter hook input priority 0; policy accept;
		meta l4proto udp numgen random mod 100 < 5 drop
	}
}
EOF
done
# tftpd-hpa retransmits after 1 s by default: at 5% loss that is minutes
# for a few MiB.  It gets -T 20000 (20 ms, pxestick's minimum RTO) so the
# comparison is of protocols, not of defaults.
start "$NS_S" 192.0.2.1 6969 6970 -T 20000
S=192.0.2.1
lhpa=$(get_bb "$NS_C" $S 6970 loss.bin 1468)
lpx=$(get_bb "$NS_C" $S 6969 loss.bin 1468)
lw16=$(get "$NS_C" $S 6969 loss.bin --option "blksize 1468" --option "windowsize 16")
lw64=$(get "$NS_C" $S 6969 loss.bin --option "blksize 1468" --option "windowsize 64")
echo
echo "5% loss each way (nftables, veth between namespaces), $LOSS_MIB MiB, one run"
printf '%-44s %10s %10s %7s %8s\n' "" "tftpd-hpa" "pxestick" "ratio" ""
row "busybox, blksize 1468 (hpa: -T 20000)" "$lhpa" "$lpx" "$(ratio "$lpx" "$lhpa")" ""
row "atftp, blksize 1468, windowsize 16 (vs hpa)" "$lhpa" "$lw16" "$(ratio "$lw16" "$lhpa")" ""
row "atftp, blksize 1468, windowsize 64 (vs hpa)" "$lhpa" "$lw64" "$(ratio "$lw64" "$lhpa")" ""
grep -h '"/loss.bin"' "$work"/px-6969.log | sed 's/^/# /'
