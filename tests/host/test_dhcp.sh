#!/bin/sh
# The DHCP server against real clients, in network namespaces this test
# makes (and always removes): a bridge namespace, the server's, two client
# namespaces and one for dnsmasq as "the network's DHCP server".  No packet
# leaves them.
#
#   authoritative (auto, alone):  busybox udhcpc and ISC dhclient get leases,
#     renew and release; PXE-shaped DISCOVERs for arch 0, 7, 9, 16, 11 and
#     iPXE get the right boot file; reservation, DECLINE, NAK, 4011, ARP
#     probe; hostile packets; kill -9 and restart keeps every lease
#   proxy (auto, with dnsmasq):   addresses come from dnsmasq, boot
#     information from pxestick, which (per the capture) offers no address
#   auto watching:                dnsmasq appears later, pxestick switches
. tests/host/lib.sh
. tests/host/netns.sh
CLIENT="python3 tests/host/dhcp_client.py"
P=pxd$$
NSB=${P}b NSS=${P}s NSC=${P}c NSE=${P}e NSD=${P}d
PIDS=""

cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	[ -s "$TMPD/dhclient.pid" ] && kill "$(cat "$TMPD/dhclient.pid")" 2>/dev/null
	for n in $NSS $NSC $NSE $NSD $NSB; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$TMPD"
}
trap cleanup EXIT INT TERM

if [ "$(id -u)" != 0 ] || ! ip netns add "$NSB" 2>/dev/null; then
	ok "dhcp: skipped (needs root and network namespaces)"
	exit 0
fi
for t in busybox dhclient dnsmasq tcpdump python3; do
	if ! command -v "$t" > /dev/null; then
		not_ok "dhcp: $t is not installed (make deps)"
		exit 1
	fi
done

# ---- the network ----
netns_bridge "$NSB" "$P" s c e d
SMAC=$(ip -n "$NSS" -br link show eth0 | awk '{print $3}')

STATE=$TMPD/state
LOG=$TMPD/server.log
SRV=""
# serve ARGS...: start pxestick in the server namespace.
serve() {
	mkdir -p "$STATE" "$TMPD/files"
	ip netns exec "$NSS" "$PXESTICK" serve --interface eth0 --http-port 8080 --https-port 0 \
	    --tftp-port 1069 --state "$STATE" --files "$TMPD/files" "$@" >> "$LOG" 2>&1 &
	SRV=$!
	PIDS="$PIDS $SRV"
}
stop() { kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; }
alive() { kill -0 "$SRV" 2>/dev/null; }

# pxe NS ARGS...: a crafted request from namespace NS, replies on stdout.
pxe() { ns=$1; shift; in_ns "$ns" $CLIENT --wait 1 "$@"; }
# has OUTPUT WORD...: every word is in the first reply line.
has() {
	out=$1
	shift
	for w in "$@"; do
		case " $(echo "$out" | head -n 1) " in
		*" $w "*) ;;
		*) echo "want \"$w\" in: $out"; return 1 ;;
		esac
	done
}

UDHCPC_SCRIPT=$TMPD/udhcpc.sh
cat > "$UDHCPC_SCRIPT" <<'EOF'
#!/bin/sh
echo "$1 ip=$ip mask=$subnet router=$router dns=$dns sid=$serverid lease=$lease ntp=${ntpsrv:-}" >> "$OUT"
case $1 in
bound|renew) ip addr add "$ip/$mask" dev "$interface" 2>/dev/null ;;
deconfig) ip addr flush dev "$interface" ;;
esac
exit 0
EOF
DHCLIENT_SCRIPT=$TMPD/dhclient.sh
# dhclient gives its script a fresh environment: the output file is written in.
{
	echo '#!/bin/sh'
	echo "OUT=$TMPD/dhclient.out"
	cat <<'EOF'
echo "$reason ip=$new_ip_address mask=$new_subnet_mask router=$new_routers sid=$new_dhcp_server_identifier lease=$new_dhcp_lease_time" >> "$OUT"
case $reason in
BOUND|RENEW|REBIND|REBOOT) ip addr replace "$new_ip_address/24" dev "$interface" ;;
RELEASE|EXPIRE|FAIL|STOP) ip addr flush dev "$interface" ;;
esac
exit 0
EOF
} > "$DHCLIENT_SCRIPT"
chmod +x "$UDHCPC_SCRIPT" "$DHCLIENT_SCRIPT"

t0=$(date +%s)
# =================== authoritative: auto mode, alone ===================
ip -n "$NSS" addr add 10.99.0.1/24 dev eth0
serve --router 10.99.0.254 --dns 10.99.0.53 --lease-time 600 \
    --reserve "52:54:00:00:00:77 10.99.0.50 arch" --ntp yes --ntp-port 11123
check "dhcp: auto mode, alone, turns authoritative" wait_for "$LOG" "serving addresses" 8
check "dhcp: serving line names the mode" grep -q "dhcp authoritative on eth0\|dhcp auto (probing) on eth0" "$LOG"

# -- busybox udhcpc: lease, renew, release --
export OUT="$TMPD/udhcpc.out"
# -O ntpsrv: asks for option 42, as systemd-networkd does (UseNTP=).
ip netns exec "$NSC" busybox udhcpc -i eth0 -f -R -t 5 -T 1 -O ntpsrv -s "$UDHCPC_SCRIPT" > "$TMPD/udhcpc.log" 2>&1 &
UD=$!
PIDS="$PIDS $UD"
udhcpc_lease() {
	wait_for "$OUT" "^bound" 10 &&
	grep -q "^bound ip=10.99.0.1[0-9][0-9] mask=255.255.255.0 router=10.99.0.254 dns=10.99.0.53 sid=10.99.0.1 lease=600" "$OUT"
}
check "dhcp: udhcpc gets a lease with mask, router, DNS, lease time" udhcpc_lease
check "dhcp: ... and, as it asked for option 42, pxestick as its NTP server" \
	grep -q "^bound ip=10.99.0.1[0-9][0-9] .* ntp=10.99.0.1$" "$OUT"
UIP=$(sed -n 's/^bound ip=\([0-9.]*\) .*/\1/p' "$OUT" | head -n 1)
kill -USR1 "$UD"
check "dhcp: udhcpc renews (unicast REQUEST, ciaddr)" wait_for "$OUT" "^renew ip=$UIP " 8
kill -USR2 "$UD"
release_journaled() { sleep 0.3; grep -q "RELEASE: .* gave back $UIP" "$LOG" && grep -q "^F .* $UIP\$" "$STATE/dhcp-leases"; }
check "dhcp: udhcpc releases, the journal records it" release_journaled
kill "$UD" 2>/dev/null
wait "$UD" 2>/dev/null

# -- ISC dhclient: lease, INIT-REBOOT, release --
export OUT="$TMPD/dhclient.out"
DHC="dhclient -4 -v -1 -sf $DHCLIENT_SCRIPT -lf $TMPD/dhclient.leases -pf $TMPD/dhclient.pid"
dhclient_lease() {
	timeout 20 ip netns exec "$NSE" $DHC eth0 > "$TMPD/dhclient.log" 2>&1 &&
	grep -q "^BOUND ip=10.99.0.1[0-9][0-9] mask=255.255.255.0 router=10.99.0.254 sid=10.99.0.1 lease=600" "$OUT"
}
check "dhcp: dhclient gets a lease" dhclient_lease
DIP=$(sed -n 's/^BOUND ip=\([0-9.]*\) .*/\1/p' "$OUT" | head -n 1)
in_ns "$NSE" $DHC -x eth0 > /dev/null 2>&1
dhclient_reboot() {
	timeout 20 ip netns exec "$NSE" $DHC eth0 >> "$TMPD/dhclient.log" 2>&1 &&
	grep -q "^REBOOT ip=$DIP " "$OUT"
}
check "dhcp: dhclient INIT-REBOOT keeps its address" dhclient_reboot
dhclient_release() {
	timeout 20 ip netns exec "$NSE" $DHC -r eth0 >> "$TMPD/dhclient.log" 2>&1
	sleep 0.3
	grep -q "RELEASE: .* gave back $DIP" "$LOG"
}
check "dhcp: dhclient releases" dhclient_release

# -- PXE-shaped DISCOVERs --
out=$(pxe "$NSC" --mac 52:54:00:00:01:00 --arch 0 --vendor PXEClient:Arch:00000:UNDI:002001 --broadcast --uuid)
check "dhcp: arch 0 (BIOS) gets undionly.kpxe over TFTP" has "$out" OFFER siaddr=10.99.0.1 file=undionly.kpxe vc=PXEClient o43=060108ff o97=00000102030405060708090a0b0c0d0e0f
out=$(pxe "$NSC" --mac 52:54:00:00:01:07 --arch 7 --vendor PXEClient:Arch:00007:UNDI:003016 --broadcast)
check "dhcp: arch 7 (x64 UEFI) gets snponly.efi" has "$out" OFFER siaddr=10.99.0.1 file=snponly.efi o67=snponly.efi vc=PXEClient
out=$(pxe "$NSC" --mac 52:54:00:00:01:09 --arch 9 --vendor PXEClient:Arch:00009:UNDI:003016 --broadcast)
check "dhcp: arch 9 (x64 UEFI) gets snponly.efi" has "$out" OFFER file=snponly.efi
out=$(pxe "$NSC" --mac 52:54:00:00:01:16 --arch 16 --vendor HTTPClient:Arch:00016:UNDI:003016 --broadcast)
check "dhcp: arch 16 (UEFI HTTP Boot) gets the http URL and HTTPClient" has "$out" OFFER file=http://10.99.0.1:8080/snponly.efi vc=HTTPClient
out=$(pxe "$NSC" --mac 52:54:00:00:01:20 --arch 7 --vendor PXEClient:Arch:00007:UNDI:003016 --user-class iPXE --broadcast)
check "dhcp: iPXE (user class) gets boot.ipxe, and no-pxedhcp" has "$out" OFFER file=http://10.99.0.1:8080/boot.ipxe o175=b00101
out=$(pxe "$NSC" --mac 52:54:00:00:01:21 --arch 0 --vendor PXEClient:Arch:00000:UNDI:002001 --opt175 --broadcast)
check "dhcp: iPXE (option 175 only) gets boot.ipxe" has "$out" OFFER file=http://10.99.0.1:8080/boot.ipxe
out=$(pxe "$NSC" --mac 52:54:00:00:01:11 --arch 11 --vendor PXEClient:Arch:00011:UNDI:003016 --broadcast)
check "dhcp: arch 11 (ARM64) gets an address, no boot file" has "$out" OFFER siaddr=0.0.0.0 file=-
check "dhcp: arch 11: the log says why" grep -q "52:54:00:00:01:11.*ARM 64-bit UEFI (11): the Arch ISO is x86_64" "$LOG"
out=$(pxe "$NSC" --mac 52:54:00:00:01:12 --broadcast)
check "dhcp: a plain client gets no boot information" has "$out" OFFER siaddr=0.0.0.0 file=-
out=$(pxe "$NSC" --mac 52:54:00:00:00:77 --user-class iPXE --broadcast)
check "dhcp: reservation: fixed address and boot entry" has "$out" OFFER yiaddr=10.99.0.50 file=http://10.99.0.1:8080/boot.ipxe?entry=arch
ip -n "$NSC" addr add 10.99.0.254/24 dev eth0
out=$(pxe "$NSC" --mac 52:54:00:00:01:30 --giaddr 10.99.0.254 --relay --sport 67)
check "dhcp: relayed DISCOVER: answered to giaddr:67, option 82 echoed" has "$out" OFFER o82=0104706f72740203616263 from=10.99.0.1:67
ip -n "$NSC" addr flush dev eth0
out=$(pxe "$NSC" --mac 52:54:00:00:01:31 --type request --requested 10.98.0.7 --broadcast)
check "dhcp: INIT-REBOOT on the wrong network gets a NAK" has "$out" NAK msg=wrong_network

# -- unicast to chaddr (no broadcast flag): busybox in -B-less mode above
# covered it; DECLINE quarantines --
out=$(pxe "$NSC" --mac 52:54:00:00:01:40 --broadcast)
DCL=$(echo "$out" | sed -n 's/^OFFER yiaddr=\([0-9.]*\) .*/\1/p')
pxe "$NSC" --mac 52:54:00:00:01:40 --type request --requested "$DCL" --server-id 10.99.0.1 --broadcast > /dev/null
pxe "$NSC" --mac 52:54:00:00:01:40 --type decline --requested "$DCL" --server-id 10.99.0.1 --wait 0.3 > /dev/null
declined() { sleep 0.2; grep -q "^Q $DCL " "$STATE/dhcp-leases" && grep -q "DECLINE: .* $DCL is in use" "$LOG"; }
check "dhcp: DECLINE quarantines the address" declined
out=$(pxe "$NSC" --mac 52:54:00:00:01:40 --broadcast)
check "dhcp: a declined address is not offered again" sh -c "echo '$out' | grep -q '^OFFER' && ! echo '$out' | grep -q 'yiaddr=$DCL '"

# -- ARP probe: a host squats on the next free address --
out=$(pxe "$NSC" --mac 52:54:00:00:01:50 --broadcast)
A1=$(echo "$out" | sed -n 's/^OFFER yiaddr=\([0-9.]*\) .*/\1/p')
NEXT=10.99.0.$((${A1##*.} + 1))
ip -n "$NSE" addr add "$NEXT/24" dev eth0
out=$(pxe "$NSC" --mac 52:54:00:00:01:51 --broadcast)
check "dhcp: ARP probe: an address in use is skipped and quarantined" sh -c "echo '$out' | grep -q '^OFFER' && ! echo '$out' | grep -q 'yiaddr=$NEXT ' && grep -q 'ARP: $NEXT is in use' '$LOG'"
ip -n "$NSE" addr flush dev eth0

# -- port 4011 from a client with an address --
ip -n "$NSC" addr add 10.99.0.199/24 dev eth0
out=$(pxe "$NSC" --mac 52:54:00:00:01:60 --type request --ciaddr 10.99.0.199 --dst 10.99.0.1 --port 4011 --arch 7 --vendor PXEClient:Arch:00007:UNDI:003016)
check "dhcp: port 4011 answers boot information from 4011" has "$out" ACK yiaddr=0.0.0.0 file=snponly.efi from=10.99.0.1:4011
ip -n "$NSC" addr flush dev eth0

# -- hostile and truncated packets --
hostile() {
	in_ns "$NSC" $CLIENT --hostile 400 --seed 7 > /dev/null || return 1
	in_ns "$NSC" $CLIENT --hostile 100 --seed 8 --port 4011 > /dev/null || return 1
	sleep 0.3
	alive || { echo "the server died"; return 1; }
	out=$(pxe "$NSC" --mac 52:54:00:00:01:70 --broadcast)
	has "$out" OFFER && grep -q "dropped a packet from" "$LOG"
}
check "dhcp: hostile and truncated packets are dropped, service goes on" hostile

# -- kill -9 and restart: every ACKed lease is kept --
burst() {
	i=0
	: > "$TMPD/acked"
	while [ $i -lt 12 ]; do
		mac=52:54:00:00:02:$(printf %02x $i)
		a=$(pxe "$NSC" --mac "$mac" --broadcast --wait 0.4 | sed -n 's/^OFFER yiaddr=\([0-9.]*\) .*/\1/p')
		pxe "$NSC" --mac "$mac" --type request --requested "$a" --server-id 10.99.0.1 \
		    --broadcast --wait 0.4 | grep -q "^ACK yiaddr=$a " && echo "$mac $a" >> "$TMPD/acked"
		i=$((i + 1))
	done
	[ "$(wc -l < "$TMPD/acked")" -eq 12 ]
}
check "dhcp: 12 more clients bound" burst
kill -9 "$SRV"
wait "$SRV" 2>/dev/null
LOG=$TMPD/server2.log
serve --router 10.99.0.254 --dns 10.99.0.53 --lease-time 600 \
    --reserve "52:54:00:00:00:77 10.99.0.50 arch"
check "dhcp: restarted after kill -9" wait_for "$LOG" "serving addresses" 8
kept() {
	grep "lease(s) kept" "$LOG"
	while read -r mac a; do
		out=$(pxe "$NSC" --mac "$mac" --broadcast --wait 0.5)
		has "$out" "yiaddr=$a" || return 1
	done < "$TMPD/acked"
	out=$(pxe "$NSC" --mac 52:54:00:00:03:01 --broadcast)
	new=$(echo "$out" | sed -n 's/^OFFER yiaddr=\([0-9.]*\) .*/\1/p')
	[ -n "$new" ] && ! grep -q " $new\$" "$TMPD/acked"
}
check "dhcp: after kill -9 every client gets its address back, a new one another" kept
stop
check "dhcp: stops cleanly, journal compacted" sh -c "head -n 1 '$STATE/dhcp-leases' | grep -q '^pxestick-leases 1\$'"
echo "# authoritative part: $(($(date +%s) - t0)) s"

# =================== proxy: dnsmasq owns the network ===================
t1=$(date +%s)
ip -n "$NSS" addr flush dev eth0
ip -n "$NSS" addr add 10.77.0.2/24 dev eth0
ip -n "$NSD" addr add 10.77.0.1/24 dev eth0
ip netns exec "$NSD" dnsmasq --no-daemon --port=0 --interface=eth0 --bind-interfaces --no-ping \
    --dhcp-range=10.77.0.100,10.77.0.150,1h --dhcp-leasefile="$TMPD/dnsmasq.leases" \
    --pid-file= > "$TMPD/dnsmasq.log" 2>&1 &
DM=$!
PIDS="$PIDS $DM"
ip netns exec "$NSS" tcpdump -i eth0 -n -U -w "$TMPD/proxy.pcap" "udp port 67 or udp port 68 or udp port 4011" \
    > /dev/null 2>&1 &
TD=$!
PIDS="$PIDS $TD"
sleep 0.5
: > "$LOG"
rm -rf "$STATE"
serve
check "dhcp: auto mode sees dnsmasq and turns proxy, loudly" wait_for "$LOG" "ANOTHER DHCP SERVER (10.77.0.1)" 8
export OUT="$TMPD/udhcpc2.out"
plain_from_dnsmasq() {
	timeout 15 ip netns exec "$NSC" busybox udhcpc -i eth0 -f -q -n -t 5 -T 1 -s "$UDHCPC_SCRIPT" > /dev/null 2>&1 &&
	grep -q "^bound ip=10.77.0.1[0-9][0-9] .* sid=10.77.0.1 " "$OUT"
}
check "dhcp: proxy: a plain client gets its lease from dnsmasq" plain_from_dnsmasq
ip -n "$NSC" addr flush dev eth0
out=$(pxe "$NSC" --mac 52:54:00:00:04:07 --arch 7 --vendor PXEClient:Arch:00007:UNDI:003016 --broadcast --uuid)
proxy_offer() {
	echo "$out" | grep -q "^OFFER yiaddr=10.77.0.1[0-9][0-9] .*from=10.77.0.1:67" &&
	has "$(echo "$out" | grep 'from=10.77.0.2:67')" OFFER yiaddr=0.0.0.0 siaddr=10.77.0.2 file=snponly.efi sid=10.77.0.2 vc=PXEClient o43=060108ff o97=00000102030405060708090a0b0c0d0e0f
}
check "dhcp: proxy: UEFI PXE gets an address from dnsmasq, boot info (54, 60, 43) from pxestick" proxy_offer
out=$(pxe "$NSC" --mac 52:54:00:00:04:20 --arch 7 --vendor PXEClient:Arch:00007:UNDI:003016 --user-class iPXE --opt175 --broadcast)
proxy_ipxe() {
	line=$(echo "$out" | grep 'from=10.77.0.2:67')
	has "$line" OFFER yiaddr=0.0.0.0 file=http://10.77.0.2:8080/boot.ipxe?default=local &&
		! echo "$line" | grep -q o175=
}
# (an unknown machine beside another server: its menu defaults to the
# local disk -- tests/host/test_clients.sh has the rest of the rules)
check "dhcp: proxy: iPXE gets boot.ipxe (local disk by default), no no-pxedhcp" proxy_ipxe
out=$(pxe "$NSC" --mac 52:54:00:00:04:00 --arch 0 --vendor PXEClient:Arch:00000:UNDI:002001 --broadcast)
check "dhcp: proxy: BIOS PXE gets undionly.kpxe" has "$(echo "$out" | grep 'from=10.77.0.2:67')" OFFER yiaddr=0.0.0.0 file=undionly.kpxe
ip -n "$NSC" addr add 10.77.0.140/24 dev eth0
out=$(pxe "$NSC" --mac 52:54:00:00:04:07 --type request --ciaddr 10.77.0.140 --dst 10.77.0.2 --port 4011 --arch 7 --vendor PXEClient:Arch:00007:UNDI:003016)
check "dhcp: proxy: 4011 ProxyDHCPREQUEST gets an ACK with the boot file" has "$out" ACK yiaddr=0.0.0.0 file=snponly.efi sid=10.77.0.2 from=10.77.0.2:4011
ip -n "$NSC" addr flush dev eth0
out=$(pxe "$NSC" --mac 52:54:00:00:04:99 --broadcast)
check "dhcp: proxy: a plain client gets nothing from pxestick" sh -c "! echo '$out' | grep -q 'from=10.77.0.2'"
sleep 0.5
kill "$TD"
wait "$TD" 2>/dev/null
never_offered() {
	ours=$(tcpdump -r "$TMPD/proxy.pcap" -n "ether src $SMAC and udp src port 67" 2>/dev/null | wc -l)
	leaked=$(tcpdump -r "$TMPD/proxy.pcap" -n "ether src $SMAC and (udp src port 67 or udp src port 4011) and udp[24:4] != 0" 2>/dev/null | wc -l)
	echo "pxestick sent $ours replies on 67, $leaked with an address"
	[ "$ours" -ge 3 ] && [ "$leaked" -eq 0 ]
}
check "dhcp: proxy: the capture shows pxestick never offered an address" never_offered
stop

# -- explicit proxy mode --
serve --dhcp proxy
wait_for "$LOG" "dhcp proxy on eth0" 5 > /dev/null
out=$(pxe "$NSC" --mac 52:54:00:00:05:07 --arch 9 --vendor PXEClient:Arch:00009:UNDI:003016 --broadcast)
check "dhcp: dhcp = proxy answers with boot information only" has "$(echo "$out" | grep 'from=10.77.0.2:67')" OFFER yiaddr=0.0.0.0 file=snponly.efi
stop
kill "$DM"
wait "$DM" 2>/dev/null

# =================== auto: another server appears later ===================
: > "$LOG"
ip -n "$NSS" addr flush dev eth0
ip -n "$NSS" addr add 10.99.0.1/24 dev eth0
ip -n "$NSD" addr flush dev eth0
ip -n "$NSD" addr add 10.99.0.2/24 dev eth0
serve
wait_for "$LOG" "serving addresses" 8 > /dev/null
ip netns exec "$NSD" dnsmasq --no-daemon --port=0 --interface=eth0 --bind-interfaces --no-ping \
    --dhcp-range=10.99.0.20,10.99.0.40,1h --dhcp-leasefile="$TMPD/dnsmasq2.leases" \
    --pid-file= > "$TMPD/dnsmasq2.log" 2>&1 &
DM=$!
PIDS="$PIDS $DM"
sleep 0.5
pxe "$NSC" --mac 52:54:00:00:06:01 --broadcast > /dev/null
check "dhcp: auto: a foreign OFFER seen later switches to proxy, loudly" wait_for "$LOG" "ANOTHER DHCP SERVER (10.99.0.2)" 5
out=$(pxe "$NSC" --mac 52:54:00:00:06:02 --broadcast)
check "dhcp: auto: after the switch pxestick offers no address" sh -c "echo '$out' | grep -q 'from=10.99.0.2:67' && ! echo '$out' | grep -q 'from=10.99.0.1:67'"
stop
kill "$DM"
wait "$DM" 2>/dev/null
echo "# proxy and auto parts: $(($(date +%s) - t1)) s"
host_done
