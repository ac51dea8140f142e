#!/bin/sh
# DHCP (issue 6, "Measure"): perfdhcp (Debian kea-admin) against pxestick
# and against dnsmasq --no-ping, in the same network namespaces, with the
# same command: full 4-way exchanges (DISCOVER-OFFER-REQUEST-ACK) per
# second and the drop ratio, leases persisted by both (pxestick's journal
# with group-committed fdatasync, dnsmasq's lease file), each run on a
# fresh server and a /16 pool.  The rate climbs until drops pass 1%; the
# last rate under 1% is each server's result.
#
# perfdhcp acts as a relay (giaddr = its address), so neither server
# checks addresses before offering (pxestick skips its ARP probe for
# relayed clients, dnsmasq was told --no-ping).  State lives in
# $BUILD/bench/dhcp (on disk: fsync is real).  Needs root; traffic stays
# inside the namespaces made here.
set -u
BUILD=${BUILD:-build}
PXESTICK=${PXESTICK:-$BUILD/pxestick}
RATES_DNSMASQ=${RATES_DNSMASQ:-"100 200 400 800 1600 3200 6400"}
RATES_PXESTICK=${RATES_PXESTICK:-"1000 2000 4000 8000 12000 16000 24000 32000"}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
MAX_EXCHANGES=${MAX_EXCHANGES:-50000}
P=pxb$$
dir=$(pwd)/$BUILD/bench/dhcp

for tool in perfdhcp dnsmasq ip; do
	command -v "$tool" > /dev/null || { echo "bench/dhcp: $tool is missing (make deps)" >&2; exit 1; }
done
[ -x "$PXESTICK" ] || { echo "bench/dhcp: $PXESTICK is missing (make)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench/dhcp: needs root (network namespaces)" >&2; exit 1; }

SRV=""
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null
	for n in s c b; do ip netns del "$P$n" 2>/dev/null; done
}
trap cleanup EXIT INT TERM
rm -rf "$dir"
mkdir -p "$dir"
ip netns add "${P}b"
ip -n "${P}b" link add br0 type bridge
ip -n "${P}b" link set br0 up
for n in s c; do
	ip netns add "$P$n"
	ip link add "$P$n" type veth peer name eth0 netns "$P$n"
	ip link set "$P$n" netns "${P}b"
	ip -n "${P}b" link set "$P$n" master br0 up
	ip -n "$P$n" link set lo up
	ip -n "$P$n" link set eth0 up
done
ip -n "${P}s" addr add 10.99.0.1/16 dev eth0
ip -n "${P}c" addr add 10.99.0.9/16 dev eth0

start() {
	rm -rf "$dir/state"
	mkdir -p "$dir/state"
	case $1 in
	pxestick)
		ip netns exec "${P}s" "$PXESTICK" serve --interface eth0 --dhcp authoritative \
		    --address 10.99.0.1/16 --pool 10.99.1.0-10.99.255.254 --http-port 0 \
		    --https-port 0 --tftp-port 0 --state "$dir/state" --files "$dir" \
		    > "$dir/pxestick.log" 2>&1 &
		;;
	dnsmasq)
		ip netns exec "${P}s" dnsmasq --no-daemon --port=0 --interface=eth0 --bind-interfaces \
		    --no-ping --quiet-dhcp --dhcp-range=10.99.1.0,10.99.255.254,1h \
		    --dhcp-lease-max=100000 --dhcp-leasefile="$dir/state/dnsmasq.leases" \
		    --pid-file= > "$dir/dnsmasq.log" 2>&1 &
		;;
	esac
	SRV=$!
	sleep 0.5
}

stop() {
	kill "$SRV" 2>/dev/null
	wait "$SRV" 2>/dev/null
	SRV=""
}

leases_on_disk() {
	case $1 in
	pxestick) grep -c '^B ' "$dir/state/dhcp-leases" ;;
	dnsmasq) wc -l < "$dir/state/dnsmasq.leases" ;;
	esac
}

# run SERVER RATE: one perfdhcp run on a fresh server; prints a table row and
# sets DROP (percent of DISCOVERs that did not end in an ACK, x100).
run() {
	n=$(($2 * SECONDS_PER_RUN))
	[ "$n" -gt "$MAX_EXCHANGES" ] && n=$MAX_EXCHANGES
	start "$1"
	out=$dir/perfdhcp-$1-$2.txt
	timeout $((SECONDS_PER_RUN * 4 + 30)) ip netns exec "${P}c" perfdhcp -4 -l eth0 -r "$2" \
	    -R "$n" -n "$n" -d 2 -B > "$out" 2>&1
	sleep 0.3
	stop
	disk=$(leases_on_disk "$1")
	awk -v srv="$1" -v target="$2" -v disk="$disk" '
		/^Rate:/ { rate = $2 }
		/Statistics for: DISCOVER-OFFER/ { sec = "do" }
		/Statistics for: REQUEST-ACK/ { sec = "ra" }
		/^sent packets:/ { sent[sec] = $3 }
		/^received packets:/ { recv[sec] = $3 }
		END {
			if (sent["do"] == 0) { printf "%-9s %7d   (no result)\n", srv, target; print "DROP=10000" > "/dev/stderr"; exit }
			acks = recv["ra"] + 0
			drop = 100 * (sent["do"] - acks) / sent["do"]
			printf "%-9s %7d %11.0f %12.0f %9.2f %9.2f %8.2f %8d\n", srv, target, rate,
			    rate * acks / sent["do"], 100 * (sent["do"] - recv["do"]) / sent["do"],
			    sent["ra"] ? 100 * (sent["ra"] - recv["ra"]) / sent["ra"] : 0, drop, disk
			printf "DROP=%d\n", drop * 100 > "/dev/stderr"
		}' "$out" 2> "$dir/drop"
	DROP=$(sed -n 's/^DROP=//p' "$dir/drop")
}

echo "perfdhcp -4 -l eth0 -r RATE -R N -n N -d 2 -B   (N = RATE x $SECONDS_PER_RUN, at most $MAX_EXCHANGES)"
printf '%-9s %7s %11s %12s %9s %9s %8s %8s\n' server rate sent/s "4-way ok/s" "DO drop%" \
    "RA drop%" "drop%" "on disk"
for srv in dnsmasq pxestick; do
	best=0
	if [ "$srv" = dnsmasq ]; then rates=$RATES_DNSMASQ; else rates=$RATES_PXESTICK; fi
	for r in $rates; do
		run "$srv" "$r"
		if [ "${DROP:-10000}" -lt 100 ]; then
			best=$r
		else
			echo "  $srv starts to drop at $r/s"
			break
		fi
	done
	eval "best_$srv=$best"
done
echo
echo "highest rate under 1% drops: dnsmasq $best_dnsmasq/s, pxestick $best_pxestick/s" \
    "($(awk -v a="$best_pxestick" -v b="$best_dnsmasq" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "n/a" }'))"
