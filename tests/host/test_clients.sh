#!/bin/sh
# Who boots (client rules, unknown-clients, boot once), other boot
# servers, and the network changing under the appliance -- against dnsmasq
# as the site's DHCP server, in network namespaces this test makes (and
# always removes): a bridge, the server, a client, dnsmasq, and a second
# dnsmasq as "another PXE boot server".  No packet leaves them.
#
#   proxy beside dnsmasq:  an unknown machine's menu defaults to the local
#     disk, a listed one gets its entry, an ignored one no answer at all,
#     who was turned away is on /status; boot once (GET /done) survives
#     kill -9; `pxestick clients` lists, resets, forgets; unknown-clients =
#     ignore; bad lines of the clients file named FILE:LINE
#   another PXE boot server: named on the console and /status, not fought
#   authoritative:  unknown machines boot as before, ignored ones get an
#     address and no boot file
#   the network changes:  authoritative first, dnsmasq appears; the
#     appliance's keep-lease takes a lease, boot information points there
#     and reaches pxestick; the link goes down and up alone: authoritative
#     again, the lease given back
. tests/host/lib.sh
. tests/host/netns.sh
CLIENT="python3 tests/host/dhcp_client.py"
P=pxc$$
NSB=${P}b NSS=${P}s NSC=${P}c NSD=${P}d NSX=${P}x
PIDS=""

cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	for n in $NSS $NSC $NSD $NSX $NSB; do ip netns del "$n" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$TMPD"
}
trap cleanup EXIT INT TERM

if [ "$(id -u)" != 0 ] || ! ip netns add "$NSB" 2>/dev/null; then
	ok "clients: skipped (needs root and network namespaces)"
	exit 0
fi
for t in busybox dnsmasq python3 curl; do
	if ! command -v "$t" > /dev/null; then
		not_ok "clients: $t is not installed (make deps)"
		exit 1
	fi
done

# ---- the network ----
netns_bridge "$NSB" "$P" s c d x

ISO=$TMPD/isos/archiso.iso
mkdir -p "$TMPD/isos" "$TMPD/files"
cp "$FIXTURES/archiso/archiso.iso" "$ISO"
# pxestick drops to nobody: a reload must still read the config
chmod -R a+rX "$TMPD"
STATE=$TMPD/state
LOG=$TMPD/server.log
SRV=""
# serve ARGS...: pxestick in the server namespace.
serve() {
	mkdir -p "$STATE"
	ip netns exec "$NSS" "$PXESTICK" serve --interface eth0 --http-port 8080 --https-port 0 \
	    --tftp-port 1069 --state "$STATE" --files "$TMPD/files" --iso "$ISO" "$@" >> "$LOG" 2>&1 &
	SRV=$!
	PIDS="$PIDS $SRV"
}
stop() { kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; }

# ipxe MAC [ARGS]: an iPXE DISCOVER from the client namespace; the line of
# the reply from ADDR (default: pxestick's 10.77.0.2), or nothing.
from_us() { grep "from=${ADDR:-10.77.0.2}:" || true; }
ipxe() {
	m=$1
	shift
	in_ns "$NSC" $CLIENT --wait 1 --mac "$m" --arch 7 --vendor PXEClient:Arch:00007:UNDI:003016 \
		--user-class iPXE --broadcast "$@" | from_us
}
bios() {
	in_ns "$NSC" $CLIENT --wait 1 --mac "$1" --arch 0 --vendor PXEClient:Arch:00000:UNDI:002001 \
		--broadcast | from_us
}
# file_is LINE URL: the reply offers exactly that boot file.
file_is() {
	echo "reply: ${1:-(none)}"
	case " $1 " in *" file=$2 "*) return 0 ;; esac
	return 1
}
# client_row MAC KEY: the client's KEY in /status.json (python reads it).
client_row() {
	in_ns "$NSC" sh -c "curl -s --max-time 5 http://${ADDR:-10.77.0.2}:8080/status.json" |
		python3 -c '
import json, sys
doc = json.load(sys.stdin)
for c in doc["clients"]:
    if c.get("mac") == sys.argv[1]:
        print(c.get(sys.argv[2]))
' "$1" "$2"
}

# ========== proxy beside dnsmasq: who boots, boot once ==========
ip -n "$NSS" addr add 10.77.0.2/24 dev eth0
ip -n "$NSD" addr add 10.77.0.1/24 dev eth0
ip -n "$NSC" addr add 10.77.0.50/24 dev eth0 # to read the status pages
ip netns exec "$NSD" dnsmasq --no-daemon --port=0 --interface=eth0 --bind-interfaces --no-ping \
    --dhcp-range=10.77.0.100,10.77.0.150,1h --dhcp-leasefile="$TMPD/dnsmasq.leases" \
    --pid-file= > "$TMPD/dnsmasq.log" 2>&1 &
DM=$!
PIDS="$PIDS $DM"

CONF=$TMPD/pxestick.conf
cat > "$CONF" <<EOF
client = 52:54:00:00:0b:01 entry=archiso:1 name=lab-1
client = 52:54:00:00:0b:02 ignore name=boss
boot-once = yes
EOF
CLIENTS=$TMPD/clients
cat > "$CLIENTS" <<'EOF'
# the lab (one machine per line)
52:54:00:00:0b:zz local
52:54:00:00:0b:03 menu name=desk
52:54:00:00:0b:01 local
52:54:00:00:0b:04 entry=nosuch.iso:1
52:54:00:00:0b:05 local reboot
EOF
sleep 0.3
serve --dhcp auto --config "$CONF" --clients "$CLIENTS"
check "clients: pxestick beside dnsmasq turns proxy" wait_for "$LOG" "now proxyDHCP" 10
wait_for "$LOG" "pxestick: serving" 5 > /dev/null
check "clients: the policy is on the console (unknown: local disk, auto)" \
	grep -q "clients: 4 client rule(s); unknown clients: local disk by default (auto); boot-once on" "$LOG"
check "clients: a malformed MAC is named FILE:LINE" grep -q "$CLIENTS:2: \"52:54:00:00:0b:zz\" is not a MAC" "$LOG"
check "clients: a duplicate is named FILE:LINE, the first rule stays" \
	grep -q "$CLIENTS:4: 52:54:00:00:0b:01 has a rule already" "$LOG"
check "clients: an unknown entry is named FILE:LINE" \
	grep -q "$CLIENTS:5: entry=nosuch.iso:1 names no served ISO entry" "$LOG"
check "clients: an unknown word is named FILE:LINE" grep -q "$CLIENTS:6: \"reboot\"" "$LOG"

out=$(ipxe 52:54:00:00:0c:01)
check "clients: proxy: an unknown machine's menu defaults to the local disk" \
	file_is "$out" "http://10.77.0.2:8080/boot.ipxe?default=local"
menu_local() {
	m=$(in_ns "$NSC" curl -s --max-time 5 "http://10.77.0.2:8080/boot.ipxe?default=local&memsize=4096")
	echo "$m" | grep "^choose"
	echo "$m" | grep -q "^choose --timeout 10000 --default local target" &&
		echo "$m" | grep -q "^:local" && echo "$m" | grep -q "^exit 1"
}
check "clients: ... that menu waits 10 s, then exits to the next boot device" menu_local
out=$(bios 52:54:00:00:0c:02)
check "clients: proxy: firmware PXE of an unknown machine still gets iPXE (the menu decides)" \
	file_is "$out" undionly.kpxe
out=$(ipxe 52:54:00:00:0b:01)
check "clients: proxy: a listed machine gets its entry" \
	file_is "$out" "http://10.77.0.2:8080/boot.ipxe?entry=archiso:1"
entry_menu() {
	m=$(in_ns "$NSC" curl -s --max-time 5 "http://10.77.0.2:8080/boot.ipxe?entry=archiso:1&memsize=4096")
	echo "$m" | grep "^choose"
	echo "$m" | grep -q "^choose .*--default iso0-e1 "
}
check "clients: ... whose menu boots entry 1 of archiso (counted from 0)" entry_menu
out=$(ipxe 52:54:00:00:0b:03)
check "clients: proxy: menu: the menu waits for a choice" \
	file_is "$out" "http://10.77.0.2:8080/boot.ipxe?default=wait"
ignored() {
	all=$(in_ns "$NSC" $CLIENT --wait 1 --mac 52:54:00:00:0b:02 --arch 0 \
		--vendor PXEClient:Arch:00000:UNDI:002001 --broadcast)
	echo "$all"
	echo "$all" | grep -q "from=10.77.0.1:67" && ! echo "$all" | grep -q "from=10.77.0.2"
}
check "clients: proxy: an ignored machine gets no answer from pxestick (dnsmasq's only)" ignored
ignored_4011() {
	all=$(in_ns "$NSC" $CLIENT --wait 1 --mac 52:54:00:00:0b:02 --type request --arch 7 \
		--vendor PXEClient:Arch:00007:UNDI:003016 --dst 10.77.0.2 --port 4011 --ciaddr 0.0.0.0)
	echo "$all"
	[ -z "$all" ]
}
check "clients: ... nor on port 4011" ignored_4011
check "clients: /status.json: the ignored machine is a row, turned away" \
	test "$(client_row 52:54:00:00:0b:02 policy)/$(client_row 52:54:00:00:0b:02 turned_away)" = "ignored/True"
check "clients: /status.json: the unknown machine is a row, sent to its disk" \
	test "$(client_row 52:54:00:00:0c:01 policy)/$(client_row 52:54:00:00:0c:01 turned_away)" = "local disk by default/True"
check "clients: /status.json: the listed machine has its name" \
	test "$(client_row 52:54:00:00:0b:01 name)" = "lab-1"
status_text() {
	"$PXESTICK" status --state "$STATE" | tee "$TMPD/status.txt"
	grep -q "52:54:00:00:0b:02.*ignored" "$TMPD/status.txt" &&
		grep -q "local disk by default" "$TMPD/status.txt"
}
check "clients: pxestick status shows who was turned away" status_text

# -- boot once: the live system asks GET /done --
ip -n "$NSC" link set eth0 address 52:54:00:00:0c:01
ip -n "$NSC" addr flush dev eth0
UDHCPC_SCRIPT=$TMPD/udhcpc.sh
cat > "$UDHCPC_SCRIPT" <<'EOF'
#!/bin/sh
case $1 in
bound|renew) ip addr add "$ip/$mask" dev "$interface" 2>/dev/null ;;
deconfig) ip addr flush dev "$interface" ;;
esac
exit 0
EOF
chmod +x "$UDHCPC_SCRIPT"
timeout 15 ip netns exec "$NSC" busybox udhcpc -i eth0 -f -q -n -t 5 -T 1 -s "$UDHCPC_SCRIPT" > /dev/null 2>&1
failed_report() {
	r=$(in_ns "$NSC" curl -s --max-time 5 "http://10.77.0.2:8080/done?status=archinstall-failed-1")
	echo "$r"
	[ "$r" = "recorded: archinstall-failed-1" ] &&
		[ "$(client_row 52:54:00:00:0c:01 result)" = archinstall-failed-1 ] &&
		file_is "$(ipxe 52:54:00:00:0c:01)" "http://10.77.0.2:8080/boot.ipxe?default=local"
}
check "clients: /done?status=archinstall-failed-1 is shown, and the machine is not done" failed_report
done_page() {
	r=$(in_ns "$NSC" curl -s --max-time 5 http://10.77.0.2:8080/done)
	echo "$r"
	[ "$r" = "ok: the next boot is from the local disk" ]
}
check "clients: boot once: GET /done from the live system is recorded" done_page
check "clients: ... and said on the console" wait_for "$LOG" "52:54:00:00:0c:01 reached the live system" 3
out=$(ipxe 52:54:00:00:0c:01)
check "clients: boot once: its next boot: the menu takes the disk, quickly" \
	file_is "$out" "http://10.77.0.2:8080/boot.ipxe?default=done"
menu_done() {
	m=$(in_ns "$NSC" curl -s --max-time 5 "http://10.77.0.2:8080/boot.ipxe?default=done&memsize=4096")
	echo "$m" | grep "^choose"
	echo "$m" | grep -q "^choose --timeout 3000 --default local target"
}
check "clients: ... 3 s" menu_done
check "clients: /status.json: done, next boot: local disk" \
	test "$(client_row 52:54:00:00:0c:01 policy)" = "done, next boot: local disk"
clients_list() {
	"$PXESTICK" clients --state "$STATE" | tee "$TMPD/clients.txt"
	grep -q "^unknown-clients = auto (now: local); boot-once = yes" "$TMPD/clients.txt" &&
		grep -q "^52:54:00:00:0b:01 boot entry=archiso:1 name=lab-1$" "$TMPD/clients.txt" &&
		grep -q "^52:54:00:00:0b:02 ignore name=boss$" "$TMPD/clients.txt" &&
		grep -q "^52:54:00:00:0c:01 (no rule) done [0-9]*, next boot: local disk$" "$TMPD/clients.txt"
}
check "clients: pxestick clients lists the rules and the boot-once record" clients_list
rules_json() {
	in_ns "$NSC" curl -s --max-time 5 http://10.77.0.2:8080/status.json | python3 -c '
import json, sys
r = json.load(sys.stdin)["server"]["rules"]
print(r)
by = {c["mac"]: c for c in r["clients"]}
assert r["unknown_clients"] == "auto" and r["unknown_now"] == "local" and r["boot_once"]
assert by["52:54:00:00:0b:01"]["entry"] == "archiso:1" and by["52:54:00:00:0b:01"]["name"] == "lab-1"
assert by["52:54:00:00:0b:02"]["action"] == "ignore" and by["52:54:00:00:0b:02"]["done"] is None
assert by["52:54:00:00:0c:01"]["action"] is None and by["52:54:00:00:0c:01"]["done"] > 0
'
}
check "clients: /status.json shows the same, read-only" rules_json

# -- kill -9: rules and boot once survive --
kill -9 "$SRV"
wait "$SRV" 2>/dev/null
: > "$LOG"
# Another PXE boot server appears meanwhile: a proxyDHCP dnsmasq.
ip -n "$NSX" addr add 10.77.0.9/24 dev eth0
ip netns exec "$NSX" dnsmasq --no-daemon --port=0 --interface=eth0 --bind-interfaces \
    --dhcp-range=10.77.0.0,proxy --pxe-service=x86PC,"Other",pxelinux --dhcp-leasefile="$TMPD/x.leases" \
    --pid-file= > "$TMPD/dnsmasq-x.log" 2>&1 &
DX=$!
PIDS="$PIDS $DX"
sleep 0.3
serve --dhcp auto --config "$CONF" --clients "$CLIENTS"
wait_for "$LOG" "pxestick: serving" 10 > /dev/null
wait_for "$LOG" "now proxyDHCP" 10 > /dev/null
out=$(ipxe 52:54:00:00:0c:01)
check "clients: after kill -9: the boot-once record holds" \
	file_is "$out" "http://10.77.0.2:8080/boot.ipxe?default=done"
out=$(ipxe 52:54:00:00:0b:01)
check "clients: after kill -9: the rules hold" file_is "$out" "http://10.77.0.2:8080/boot.ipxe?entry=archiso:1"

# -- another PXE boot server --
check "clients: another PXE boot server is named on the console" \
	wait_for "$LOG" "ANOTHER PXE BOOT SERVER on eth0: 10.77.0.9 (proxyDHCP" 5
other_on_status() {
	w=$(in_ns "$NSC" curl -s --max-time 5 http://10.77.0.2:8080/status.json |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["server"]["warnings"])')
	echo "$w"
	case $w in *"another PXE boot server on this network: 10.77.0.9 (proxyDHCP"*) return 0 ;; esac
	return 1
}
check "clients: ... and on /status.json" other_on_status
out=$(ipxe 52:54:00:00:0c:07)
check "clients: ... pxestick does not fight it: its own rules still answer" \
	file_is "$out" "http://10.77.0.2:8080/boot.ipxe?default=local"
kill "$DX" 2>/dev/null

# -- pxestick clients reset / forget --
reset() {
	r=$("$PXESTICK" clients --state "$STATE" reset 52:54:00:00:0c:01)
	echo "$r"
	[ "$r" = "reset: boot-once record removed" ]
}
check "clients: pxestick clients reset MAC removes the record" reset
out=$(ipxe 52:54:00:00:0c:01)
check "clients: ... its next boot shows the menu again (local default: unknown, proxy)" \
	file_is "$out" "http://10.77.0.2:8080/boot.ipxe?default=local"
forget() {
	r=$("$PXESTICK" clients --state "$STATE" forget 52:54:00:00:0c:01)
	echo "$r"
	[ "$r" = "forget: boot-once record (none); client forgotten" ] &&
		[ "$(client_row 52:54:00:00:0c:01 mac)" = "" ]
}
check "clients: pxestick clients forget MAC drops its /status row" forget
check_exit "clients: pxestick clients reset with a bad MAC is a usage error" 2 \
	"$PXESTICK" clients --state "$STATE" reset 52:54:00:00
bad_mac() {
	r=$("$PXESTICK" clients --state "$STATE" reset 52:54:00:00:0c:zz 2>&1)
	echo "$r"
	case $r in *"not a MAC address"*) return 0 ;; esac
	return 1
}
check "clients: ... and a malformed one is refused by the server" bad_mac

# -- unknown-clients = ignore, by a reload --
echo "unknown-clients = ignore" >> "$CONF"
kill -HUP "$SRV"
wait_for "$LOG" "unknown clients: ignore" 5 > /dev/null
unknown_ignored() {
	all=$(in_ns "$NSC" $CLIENT --wait 1 --mac 52:54:00:00:0c:05 --arch 7 \
		--vendor PXEClient:Arch:00007:UNDI:003016 --user-class iPXE --broadcast)
	echo "$all"
	echo "$all" | grep -q "from=10.77.0.1:67" && ! echo "$all" | grep -q "from=10.77.0.2"
}
check "clients: unknown-clients = ignore: an unknown machine gets no answer from pxestick" unknown_ignored
out=$(ipxe 52:54:00:00:0b:01)
check "clients: ... a listed one still gets its entry" file_is "$out" "http://10.77.0.2:8080/boot.ipxe?entry=archiso:1"
stop
kill "$DM" 2>/dev/null
wait "$DM" 2>/dev/null

# ========== authoritative: alone ==========
: > "$LOG"
rm -rf "$STATE"
ip -n "$NSS" addr flush dev eth0
ip -n "$NSS" addr add 10.99.0.1/24 dev eth0
ip -n "$NSC" addr flush dev eth0
sed -i '/unknown-clients/d' "$CONF"
serve --dhcp auto --config "$CONF"
check "clients: alone, auto turns authoritative" wait_for "$LOG" "serving addresses" 10
check "clients: ... the policy says unknown machines boot" \
	wait_for "$LOG" "unknown clients: boot (auto)" 3
ADDR=10.99.0.1
out=$(ipxe 52:54:00:00:0c:09)
check "clients: authoritative: an unknown machine boots as it always did (no ?default)" \
	file_is "$out" "http://10.99.0.1:8080/boot.ipxe"
out=$(bios 52:54:00:00:0b:02)
auth_ignored() {
	echo "reply: $out"
	case " $out " in *" file=- "*) ;; *) return 1 ;; esac
	case " $out " in *" yiaddr=10.99.0."*) return 0 ;; esac
	return 1
}
check "clients: authoritative: an ignored machine gets an address, no boot file" auth_ignored
stop
unset ADDR

# ========== the network changes under the appliance ==========
# The appliance's own scripts: keep-lease follows pxestick's mode, with
# udhcpc.script; the commands are the real ones (busybox udhcpc, ip).
R=$TMPD/root
RUN=$R/run/pxestick
LIBX=$TMPD/libexec
mkdir -p "$RUN/state" "$LIBX" "$TMPD/bin" "$R/proc"
: > "$R/proc/cmdline"
echo "12.34 5.67" > "$R/proc/uptime"
cp appliance/lib.sh "$LIBX/"
sed "s|^\\. /usr/libexec/pxestick/lib.sh|. $LIBX/lib.sh|" appliance/udhcpc.script > "$LIBX/udhcpc.script"
chmod +x "$LIBX/udhcpc.script"
ln -s "$(command -v busybox)" "$TMPD/bin/udhcpc"
printf 'IFACE=eth0\nMODE=authoritative\nADDRESS=10.99.0.1/24\nSERVER=\n' > "$RUN/net.env"
: > "$LOG"
STATE=$RUN/state
serve --dhcp auto --address 10.99.0.1/24
wait_for "$LOG" "serving addresses" 10 > /dev/null
ip netns exec "$NSS" env ROOT="$R" LIBEXEC="$LIBX" PATH="$TMPD/bin:$PATH" \
	sh appliance/keep-lease > "$TMPD/keep.log" 2>&1 &
KL=$!
PIDS="$PIDS $KL"
ADDR=10.99.0.1
out=$(ipxe 52:54:00:00:0c:11)
check "clients: moved: first alone, authoritative (an address from pxestick)" \
	sh -c "echo '$out' | grep -q 'yiaddr=10.99.0.1[0-9][0-9] '"
check "clients: moved: STATE/dhcp-mode says authoritative" test "$(cat "$STATE/dhcp-mode")" = authoritative
# The switch is plugged into the site's network: dnsmasq appears.
ip -n "$NSD" addr flush dev eth0
ip -n "$NSD" addr add 10.77.0.1/24 dev eth0
ip netns exec "$NSD" dnsmasq --no-daemon --port=0 --interface=eth0 --bind-interfaces --no-ping \
    --dhcp-range=10.77.0.100,10.77.0.150,1h --dhcp-leasefile="$TMPD/dnsmasq2.leases" \
    --pid-file= > "$TMPD/dnsmasq2.log" 2>&1 &
DM=$!
PIDS="$PIDS $DM"
sleep 0.5
# a client asking for a broadcast answer: pxestick sees dnsmasq's OFFER
in_ns "$NSC" $CLIENT --wait 1 --mac 52:54:00:00:0c:12 --broadcast > /dev/null
check "clients: moved: dnsmasq seen, pxestick turns proxy" wait_for "$LOG" "now proxyDHCP" 5
check "clients: moved: STATE/dhcp-mode names the site's server" \
	wait_for "$STATE/dhcp-mode" "^proxy 10.77.0.1$" 3
check "clients: moved: keep-lease takes a lease from dnsmasq, says so" \
	wait_for "$RUN/boot.log" "the network's DHCP server 10.77.0.1 gave this appliance 10.77.0.1[0-9][0-9]" 15
LEASE=$(sed -n 's/^LEASE_IP=//p' "$RUN/lease.env")
check "clients: moved: the lease is on the interface, beside 10.99.0.1" sh -c \
	"ip -n $NSS -4 addr show dev eth0 | grep -q ' $LEASE/24 ' && ip -n $NSS -4 addr show dev eth0 | grep -q ' 10.99.0.1/24 '"
check "clients: moved: pxestick's boot information points at the lease" \
	wait_for "$LOG" "boot information points at $LEASE (the network's DHCP server is 10.77.0.1)" 5
ip -n "$NSC" link set eth0 address 52:54:00:00:0c:13
ip -n "$NSC" addr flush dev eth0
timeout 15 ip netns exec "$NSC" busybox udhcpc -i eth0 -f -q -n -t 5 -T 1 -s "$UDHCPC_SCRIPT" > /dev/null 2>&1
ADDR=$LEASE
out=$(ipxe 52:54:00:00:0c:13)
check "clients: moved: a new client gets boot URLs at the lease" \
	file_is "$out" "http://$LEASE:8080/boot.ipxe?default=local"
reach() {
	in_ns "$NSC" ip -4 addr show dev eth0 | grep inet
	in_ns "$NSC" curl -s --max-time 5 "http://$LEASE:8080/boot.ipxe?default=local&memsize=4096" | head -n 1 |
		grep -q '^#!ipxe'
}
check "clients: moved: ... which reach pxestick from the client's dnsmasq address" reach
moved_status() {
	d=$(in_ns "$NSC" curl -s --max-time 5 "http://$LEASE:8080/status.json" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["server"]["dhcp"])')
	echo "$d"
	[ "$d" = "proxy on eth0; the network's DHCP server 10.77.0.1; boot information points at $LEASE" ]
}
check "clients: moved: /status.json says where boot information points" moved_status

# The link goes down and comes back on a network with no server.
kill "$DM" 2>/dev/null
wait "$DM" 2>/dev/null
ip -n "$NSS" link set eth0 down
sleep 1.5
ip -n "$NSS" link set eth0 up
check "clients: link down and up: pxestick looks again" wait_for "$LOG" "the link on eth0 is back" 5
check "clients: ... nobody answers: authoritative again" wait_for "$STATE/dhcp-mode" "^authoritative$" 10
check "clients: ... keep-lease gives the lease back, keeps 10.99.0.1" \
	wait_for "$RUN/boot.log" "pxestick serves addresses again: the appliance is at 10.99.0.1" 5
check "clients: ... the lease's address is gone from the interface" sh -c \
	"! ip -n $NSS -4 addr show dev eth0 | grep -q ' $LEASE/'"
ADDR=10.99.0.1
out=$(ipxe 52:54:00:00:0c:14)
check "clients: ... and clients get addresses from pxestick again" \
	sh -c "echo '$out' | grep -q 'yiaddr=10.99.0.1[0-9][0-9] .*file=http://10.99.0.1:8080/boot.ipxe '"
kill "$KL" 2>/dev/null
stop

host_done
