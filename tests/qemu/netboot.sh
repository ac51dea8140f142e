#!/bin/sh
# tests/qemu/netboot.sh - the netboot matrix: every row must reach an SSH
# login with the injected key.
#
#   sh tests/qemu/netboot.sh [--iso ISO] [efi-boot=FILE] SCENARIO...
#   SCENARIO  MODE:ROW[+ROW]...   the ROWs boot at the same time; four
#             or more rows are a fleet: the last one's SSH time is
#             reported against a scenario's single row, if one ran
#   efi-boot=FILE  from here on the appliance hands UEFI clients FILE
#             (snponly.efi, the default, or ipxe.efi): the stick is made
#             again with `efi-boot = FILE`
#   cache=on|off  from here on an nginx proxy_cache on the bridge
#             (docs/examples/nginx-cache.conf) fronts the appliance, and
#             the stick says `payload-url = http://10.99.0.2:8080`: the
#             appliance must check and take it, and every row's root
#             image must come from the cache, pxestick sending it once
#             (authoritative scenarios: the cache needs the appliance's
#             fixed address)
#   stick=grown|built  from here on the appliance's stick is the generic
#             image (as make release makes it) on an 8 GiB disk, booted
#             once so that it grows its data partition, then given the
#             ISOs, the key and the settings with mtools -- as a
#             technician copies them on from a desktop (grown); or the
#             image built with them (built, the default)
#   MODE      authoritative (the bridge has no other DHCP server),
#             proxy (dnsmasq on the bridge hands out the addresses) or
#             proxy2 (the same with two appliances on the bridge: each
#             row must boot from one of them only, and the other's
#             /status.json must not show it)
#   ROW       CLIENT[/VARIANT]
#   CLIENT    bios-virtio  SeaBIOS, virtio-net with QEMU's iPXE ROM
#             bios-e1000   SeaBIOS, e1000 with its iPXE ROM
#             uefi-pxe     OVMF's own PXE (no option ROM) -> snponly.efi
#                          over TFTP -> boot.ipxe over HTTP
#             bios-e1000e  SeaBIOS, e1000e with its iPXE ROM
#             bios-rtl8139 SeaBIOS, rtl8139 with its iPXE ROM
#             uefi-http    OVMF's UEFI HTTP Boot (PXE switched off):
#                          snponly.efi over HTTP, then boot.ipxe
#             uefi-e1000e  OVMF's PXE over QEMU's iPXE EFI ROM for e1000e
#             uefi-vmxnet3 ... for vmxnet3 (OVMF has no driver for either)
#             uefi-sb      OVMF with Secure Boot enforced (Microsoft keys):
#                          it fetches the .efi and refuses to run it; the
#                          row passes when /status.json and the console
#                          say "probably Secure Boot" within a minute
#   VARIANT   v87          boots the fixture whose live system is archiso
#                          v87's (waits for network-online.target)
#             v70          ... archiso v45-v70's (downloads script= once,
#                          before its network is up): no SSH; the row
#                          passes when /status.json flags the client with
#                          the command that recovers it
#             rtc2015      the client's clock reads 2015-01-01 (the ISO's
#                          signing certificate is not valid yet then)
#             lowram       less RAM than the ISO needs: the menu must say
#                          so and come back, and nothing boots
#             bootonce     boot-once = yes: the client reaches SSH, is
#                          powered on again, and boots its own disk (a
#                          boot sector that prints a marker) from iPXE's
#                          menu, with no key pressed and no kernel sent
#
# A row is judged by what the server sees -- /status.json on the
# appliance: DHCP, boot.ipxe, kernel, root image, script.cfg -- and by an
# SSH login with the test key at the address the server shows, never by
# what the client prints (a real Arch ISO prints nothing on the serial
# console).  The client's console only ends a row early when the booting
# fixture reports a failure.  Per row it prints the seconds from power-on
# to each stage.  ISO defaults to the booting fixture (tests/fixtures/
# mk-bootiso.sh: archboot.iso, and archboot-v87.iso for /v87 rows); the
# appliance is build/image's parts with the ISOs and a fresh test key on
# its stick.  Clients get the RAM the ISO needs (pxestick's own figure).
# The run ends with "N passed, N failed, N skipped" and exits 1 on any
# failure.
cd "$(dirname "$0")/../.." || exit 2
. tests/host/lib.sh
. tests/qemu/netboot-lib.sh
trap 'nb_cleanup; rm -rf "$TMPD"' EXIT INT TERM

ISO=$FIXTURES/bootiso/archboot.iso
if [ "${1:-}" = --iso ]; then
	ISO=$2
	shift 2
	# A real ISO: a systemd live system under TCG, and a 1 GiB download.
	NB_TIMEOUT=${NB_TIMEOUT:-1200}
fi
if ! nb_possible; then
	echo "ok - netboot matrix # SKIP needs root, /dev/net/tun and qemu-system-x86_64"
	exit 0
fi
[ $# -gt 0 ] || set -- authoritative:bios-virtio+uefi-pxe

# The verdicts, counted for the last line.
NB_PASS=0 NB_SKIP=0
ok() {
	echo "ok - $*"
	case $* in
	*"# SKIP"*) NB_SKIP=$((NB_SKIP + 1)) ;;
	*) NB_PASS=$((NB_PASS + 1)) ;;
	esac
}
summary() { echo "$NB_PASS passed, $host_failures failed, $NB_SKIP skipped"; }

ssh-keygen -q -t ed25519 -N '' -C pxestick-netboot-test -f "$TMPD/key" || exit 2
ISO_NAME=$(basename "$ISO" .iso)
# The menu's default entry after 2 s instead of 10: the rows are timed.
# Every row's machine is listed (a client rule): in proxy mode unknown
# machines would get the local disk.  Rows with a variant ISO get it as
# their rule's entry (a reservation's entry would hold in authoritative
# mode only: proxy gives no addresses).
{
	printf 'menu-timeout = 2\nmenu-default = %s:0\n' "$ISO_NAME"
	case " $* " in *"/bootonce"*) printf 'boot-once = yes\n' ;; esac
	n=0
	for sc in "$@"; do
		case $sc in efi-boot=* | cache=* | stick=*) continue ;; esac
		for row in $(echo "${sc#*:}" | tr '+' ' '); do
			n=$((n + 1))
			entry=
			case ${row#*/} in v87 | v70) entry=" entry=archboot-${row#*/}:0" ;; esac
			printf 'client = 52:54:00:99:01:%02d%s name=%s\n' "$n" "$entry" "$(echo "$row" | tr '/' '-')"
		done
	done
} > "$TMPD/stick.conf"
# A site step (script.d): every row's live system must have run it.
mkdir -p "$TMPD/script.d"
cat > "$TMPD/script.d/10-site.sh" <<'EOF'
#!/bin/sh
echo "script.d step ran at $(date -u +%Y-%m-%dT%H:%M:%SZ)" > /var/log/pxestick-step
EOF
isos="--iso $ISO --add $TMPD/script.d"
for v in v87 v70; do
	grep -q "archboot-$v" "$TMPD/stick.conf" && isos="$isos --iso $FIXTURES/bootiso/archboot-$v.iso"
done
cp "$TMPD/stick.conf" "$TMPD/stick.conf.base"

# appliance_image [EFI_BOOT]: the appliance's stick, with the ISOs, the
# key, the rows' rules and (when given) efi-boot = EFI_BOOT.
appliance_image() {
	cp "$TMPD/stick.conf.base" "$TMPD/stick.conf"
	[ -z "${1:-}" ] || printf 'efi-boot = %s\n' "$1" >> "$TMPD/stick.conf"
	[ "$NB_CACHE" = on ] && printf 'payload-url = http://10.99.0.2:8080\n' >> "$TMPD/stick.conf"
	if [ "$NB_STICK" = grown ]; then
		grown_image
		return
	fi
	# shellcheck disable=SC2086
	PXESTICK_BIN=$PXESTICK sh image/mkimage.sh $isos --keys "$TMPD/key.pub" \
		--conf "$TMPD/stick.conf" \
		"$BUILD/image" "$TMPD/appliance.img" > "$TMPD/mkimage.log" 2>&1 ||
		{ not_ok "netboot: appliance image with the ISO${1:+ and efi-boot = $1}"
		  sed 's/^/# /' "$TMPD/mkimage.log"; summary; exit 1; }
}
NB_CACHE=off
NB_STICK=built
appliance_image
EFI_BOOT=snponly.efi
RAM=$(nb_ram_for "$ISO")

# stage_time ROW STAGE: the recorded seconds, or "-".
stage_time() {
	sed -n "s/^$2=//p" "$TMPD/$1.stages" 2>/dev/null | head -n 1 | grep . || echo -
}

# record ROW STAGE: remember when STAGE was first seen.
record() {
	grep -q "^$2=" "$TMPD/$1.stages" 2>/dev/null ||
		echo "$2=$(nb_secs "$(cat "$TMPD/$1.t0")" "$(nb_now)")" >> "$TMPD/$1.stages"
}

# login ROW ADDR: an SSH login with the test key; 0 when it worked.
login() {
	ip netns exec "$NB_NS" ssh -i "$TMPD/key" -o BatchMode=yes \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    -o ConnectTimeout=10 "root@$2" \
	    'echo login-ok; cat /root/.ssh/authorized_keys; cat /var/log/pxestick-step /var/log/pxestick-time' \
	    > "$TMPD/$1.ssh" 2>&1 &&
	    grep -q login-ok "$TMPD/$1.ssh" && grep -q pxestick-netboot-test "$TMPD/$1.ssh"
}

# live_checks ROW: what the live system says it did, read over SSH: the
# site's script.d step ran (every row; the booting fixture only -- a real
# ISO has no log of it), and the clock was set from the appliance's NTP
# (rtc2015: the client's RTC reads 2015).  "" when all is well, else why.
live_checks() {
	[ "$ISO" = "$FIXTURES/bootiso/archboot.iso" ] || return 0
	grep -q '^script.d step ran at ' "$TMPD/$1.ssh" || { echo "the script.d step did not run"; return; }
	case $1 in
	*-v87)
		nb_console "$TMPD/$1.log" | grep -q 'archiso_http_srv=[^ ]*/iso/archboot-v87/' ||
			echo "it did not boot the v87 ISO its rule names" ;;
	*rtc2015*)
		grep -q '^time-sync: reached ' "$TMPD/$1.ssh" && grep -q '^pacman-init: could run' "$TMPD/$1.ssh" ||
			echo "the clock was not set from the appliance: $(grep -E '^(time-sync|pacman-init)' "$TMPD/$1.ssh" | tr '\n' ' ')"
		;;
	esac
}

# status_of ROW MAC: nb_status of the appliance that shows MAC (with two,
# the one further along; its address in $TMPD/ROW.ap).
status_of() {
	a=$(nb_status "$AP" "$2")
	if [ -n "${AP2:-}" ]; then
		b=$(nb_status "$AP2" "$2")
		if [ "${b%% *}" != - ] && { [ "${a%% *}" = - ] || [ "${b%% *}" -gt "${a%% *}" ]; }; then
			echo "$AP2" > "$TMPD/$1.ap"
			echo "$b"
			return
		fi
	fi
	[ "${a%% *}" = - ] || echo "$AP" > "$TMPD/$1.ap"
	echo "$a"
}

# http_bytes LOG: bytes pxestick sent over HTTP (200 and 206 bodies, the
# harness's own /status.json polls left out) and TFTP, "HTTP TFTP".
http_bytes() {
	nb_console "$1" | awk '
		/ http: / && !/status\.json/ && match($0, /" (200|206) [0-9]+ /) {
			split(substr($0, RSTART + 2, RLENGTH - 3), f, " "); http += f[2] }
		/ tftp: .* done: [0-9]+ bytes/ && match($0, /done: [0-9]+ bytes/) {
			split(substr($0, RSTART, RLENGTH), f, " "); tftp += f[2] }
		END { printf "%d %d\n", http, tftp }'
}

# watch ROW MAC: follow the row through the server's eyes until an SSH
# login works or it fails; its verdict in $TMPD/ROW.result.
watch() {
	row=$1 mac=$2
	end=$(($(nb_now) + NB_TIMEOUT * 1000))
	while [ "$(nb_now)" -lt "$end" ]; do
		st=$(status_of "$row" "$mac")
		# shellcheck disable=SC2086
		set -- ${st%%|*}
		phase=${1:--} addr=${2:--} file=${3:--} state=${4:--}
		err=${st#*| }
		case $phase in
		-) ;;
		*)
			[ "$phase" -ge 1 ] && record "$row" dhcp
			[ "$phase" -ge 4 ] && record "$row" ipxe
			[ "$phase" -ge 5 ] && record "$row" kernel
			case $phase:$file:$state in
			6:airootfs.*:done) record "$row" airootfs ;;
			esac
			if [ "$phase" -ge 7 ]; then
				record "$row" airootfs
				record "$row" script
			fi
			if [ "$phase" -ge 7 ] && [ "$addr" != - ] && login "$row" "$addr"; then
				record "$row" ssh
				why=$(live_checks "$row")
				if [ -n "$why" ]; then
					echo "SSH works, but $why" > "$TMPD/$row.result"
				else
					echo "ok $addr $(grep -h '^time-sync: reached' "$TMPD/$row.ssh" | head -n 1)" > "$TMPD/$row.result"
				fi
				return
			fi
			;;
		esac
		# The booting fixture says when it gave up: no need to wait.
		if nb_console "$TMPD/$row.log" | grep -q 'pxestick-client: FAILED at'; then
			echo "$(nb_console "$TMPD/$row.log" | grep 'pxestick-client: FAILED at' | head -n 1)${err:+; /status.json: $err}" \
				> "$TMPD/$row.result"
			return
		fi
		sleep 1
	done
	echo "timed out after $NB_TIMEOUT s${err:+; /status.json: $err}" > "$TMPD/$row.result"
}

# watch_stalled ROW MAC: the root image arrives, script.cfg never does,
# and /status.json says so with the recovering command.
watch_stalled() {
	row=$1 mac=$2
	end=$(($(nb_now) + NB_TIMEOUT * 1000))
	while [ "$(nb_now)" -lt "$end" ]; do
		st=$(nb_status "$AP" "$mac")
		case $st in
		6\ *) record "$row" airootfs ;;
		[7-8]\ *)
			if nb_console "$TMPD/$row.log" | grep -q 'archiso_http_srv=[^ ]*/iso/archboot-v70/'; then
				echo "it fetched script.cfg after all: $st" > "$TMPD/$row.result"
			else
				echo "it did not boot the v70 ISO its rule names: $st" > "$TMPD/$row.result"
			fi
			return ;;
		esac
		case $st in
		*'script.cfg never fetched'*'~/.automated_script.sh'*)
			record "$row" flagged
			echo "ok flagged" > "$TMPD/$row.result"
			return ;;
		esac
		sleep 2
	done
	echo "not flagged in $NB_TIMEOUT s: $(nb_status "$AP" "$mac")" > "$TMPD/$row.result"
}

# watch_secureboot ROW MAC: a Secure Boot client fetches the UEFI boot
# file, refuses to run it and asks again; within a minute /status.json
# flags it "probably Secure Boot" and the appliance's console says so.
watch_secureboot() {
	row=$1 mac=$2
	end=$(($(nb_now) + 150 * 1000))
	while [ "$(nb_now)" -lt "$end" ]; do
		st=$(nb_status "$AP" "$mac")
		case $st in
		[1-9]\ *) record "$row" dhcp ;;
		esac
		case $st in
		*"probably Secure Boot"*)
			record "$row" flagged
			if nb_wait "$TMPD/appliance.log" "clients: $mac: probably Secure Boot" 10; then
				echo "ok secureboot" > "$TMPD/$row.result"
			else
				echo "/status.json flagged it, the console did not" > "$TMPD/$row.result"
			fi
			return ;;
		[3-9]\ *)
			echo "iPXE ran: Secure Boot did not stop it ($st)" > "$TMPD/$row.result"
			return ;;
		esac
		sleep 1
	done
	echo "not flagged in 150 s: $(nb_status "$AP" "$mac")" > "$TMPD/$row.result"
}

# watch_lowram ROW MAC: the menu says the machine has too little RAM and
# comes back; the server never sends it a kernel.
watch_lowram() {
	row=$1 mac=$2
	# The menu marks the entry and, its default being too big, waits for
	# a key instead of picking it by itself; Enter picks it.
	if ! nb_wait "$TMPD/$row.log" 'needs [0-9]+ MiB RAM, this mac' 240; then
		echo "the menu did not mark the entry too big for this machine in 240 s" > "$TMPD/$row.result"
		return
	fi
	record "$row" ipxe
	sleep 5
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"sendkey ret\n")' "$TMPD/$row.mon" 2>/dev/null
	if nb_wait "$TMPD/$row.log" 'This ISO needs [0-9]+ MiB of RAM, this machine has [0-9]+ MiB' 60; then
		record "$row" ipxe
		# The prompt waits 30 s, then the menu is drawn again.
		sleep 40
		if [ "$(nb_console "$TMPD/$row.log" | grep -c 'Arch Linux netboot (pxestick)')" -ge 2 ] &&
		    ! nb_console "$TMPD/appliance.log" | grep -q 'GET /iso/[^ ]*/vmlinuz'; then
			echo "ok menu" > "$TMPD/$row.result"
		else
			echo "the RAM message came, but no menu after it, or a kernel was sent" \
				> "$TMPD/$row.result"
		fi
	else
		echo "the menu marked the entry, but Enter on it gave no RAM message in 60 s" > "$TMPD/$row.result"
	fi
}

# watch_bootonce ROW MAC: the row reaches SSH (watch); then the machine is
# powered on again and must boot its own disk, from the menu's default.
watch_bootonce() {
	row=$1 mac=$2
	watch "$row" "$mac"
	grep -q '^ok' "$TMPD/$row.result" || return
	if ! nb_wait "$TMPD/appliance.log" "clients: $mac reached the live system" 30; then
		echo "SSH worked, but the appliance did not record the client as done" > "$TMPD/$row.result"
		return
	fi
	kill "$(cat "$TMPD/$row.pid")" 2>/dev/null
	kernels=$(nb_console "$TMPD/appliance.log" | grep -c 'GET /iso/[^ ]*/vmlinuz')
	menus=$(nb_console "$TMPD/appliance.log" | grep -c 'GET /boot.ipxe?memsize=.*default=done')
	# strict: the firmware itself boots nothing but the network, so only
	# iPXE's sanboot (the menu's "local" item) can reach the disk.
	NB_CLIENT_BOOT=order=n,strict=on NB_CLIENT_EXTRA="-drive if=ide,format=raw,file=$TMPD/$row.disk" \
		nb_client "$row-again" seabios virtio-net-pci "$mac"
	if nb_wait "$TMPD/$row-again.log" 'PXESTICK-LOCAL-DISK-BOOTED' 240; then
		record "$row" local
		if [ "$(nb_console "$TMPD/appliance.log" | grep -c 'GET /boot.ipxe?memsize=.*default=done')" = "$menus" ]; then
			echo "the disk booted, but pxestick's menu (default=done) was not fetched" > "$TMPD/$row.result"
		elif [ "$(nb_console "$TMPD/appliance.log" | grep -c 'GET /iso/[^ ]*/vmlinuz')" != "$kernels" ]; then
			echo "the disk booted, but a kernel was sent again" > "$TMPD/$row.result"
		else
			echo "ok local" > "$TMPD/$row.result"
		fi
	else
		echo "the second boot did not reach the local disk in 240 s" > "$TMPD/$row.result"
		cp "$TMPD/$row-again.log" "$TMPD/$row.log"
	fi
}

# cache_checks MODE ROWS: every row that reached SSH got its root image
# from the cache (HIT), and pxestick sent it once, to the cache.
cache_checks() {
	ok_rows=0 hits=0
	for row in $2; do
		name=$(echo "$row" | tr '/' '-')
		addr=$(sed -n 's/^ok \([0-9.]*\).*/\1/p' "$TMPD/$name.result" 2>/dev/null)
		[ -n "$addr" ] || continue
		ok_rows=$((ok_rows + 1))
		grep -Eq "^$addr \"GET /iso/[^\"]*/airootfs\.(sfs|erofs)\" 200 [0-9]+ HIT" "$TMPD/cache.log" &&
			hits=$((hits + 1))
	done
	# (The check fills the cache with every ISO's root image: count the
	# rows' ISO.)
	origin=$(nb_console "$TMPD/appliance.log" | grep -Ec "\"GET /iso/$ISO_NAME/[^\"]*/airootfs\\.(sfs|erofs)\" 200 ")
	cached=$(awk '$3 ~ /airootfs\.(sfs|erofs)"$/ && $4 == 200 { n += $5 } END { print n + 0 }' "$TMPD/cache.log")
	if [ "$ok_rows" -gt 0 ] && [ "$hits" = "$ok_rows" ] && [ "$origin" = 1 ]; then
		ok "$1/cache: every row's root image came from the cache (HIT, $ok_rows of $ok_rows); pxestick sent it once, to the cache; the cache sent $((cached / 1000000)) MB of root images"
	else
		not_ok "$1/cache: $hits of $ok_rows rows' root images were cache hits; pxestick sent the root image $origin time(s)"
		sed 's/^/# cache: /' "$TMPD/cache.log" | grep -v status | tail -n 10
	fi
	mkdir -p "$BUILD/netboot-logs"
	cp "$TMPD/cache.log" "$BUILD/netboot-logs/cache.log"
}

# proxy2_checks ROWS: each row booted from one appliance only, and the
# other's /status.json does not show it (once its offers are 30 s old).
proxy2_checks() {
	sleep 32
	for row in $1; do
		name=$(echo "$row" | tr '/' '-')
		mac=$(cat "$TMPD/$name.mac")
		addr=$(sed -n 's/^ok \([0-9.]*\).*/\1/p' "$TMPD/$name.result" 2>/dev/null)
		[ -n "$addr" ] || continue
		mine=$(cat "$TMPD/$name.ap")
		if [ "$mine" = "$AP" ]; then other=$AP2 olog=appliance2 n=1; else other=$AP olog=appliance n=2; fi
		st=$(nb_status "$other" "$mac")
		if [ "${st%% *}" != - ]; then
			not_ok "proxy2/$row: booted from appliance $n, but the other's /status.json shows it: $st"
		elif nb_console "$TMPD/$olog.log" | grep -Eq "(http|tftp): $addr:[0-9]+ "; then
			not_ok "proxy2/$row: booted from appliance $n, but it fetched files from the other too: $(nb_console "$TMPD/$olog.log" | grep -E "(http|tftp): $addr:" | head -n 2 | tr '\n' ' ')"
		else
			ok "proxy2/$row: every file from appliance $n ($mine), none from the other ($other), whose /status.json does not show it"
		fi
	done
	for a in appliance appliance2; do
		nb_console "$TMPD/$a.log" | grep -E 'another boot server|ANOTHER PXE' | head -n 3 | sed "s/^/# $a: /"
	done
}

scenario() {
	mode=${1%%:*}
	rows=$(echo "${1#*:}" | tr '+' ' ')
	net=$mode aps=appliance AP2=
	[ "$mode" = proxy2 ] && net=proxy aps="appliance appliance2"
	nb_net "$net" || { not_ok "$mode: network namespace"; return; }
	[ "$NB_CACHE" = on ] && nb_cache http://10.99.0.1
	nb_appliance "$TMPD/appliance.img"
	[ "$mode" = proxy2 ] && nb_appliance "$TMPD/appliance.img" 2
	for a in $aps; do
		if ! nb_wait "$TMPD/$a.log" 'pxestick: serving' 240; then
			not_ok "$mode: the $a did not reach 'pxestick: serving'"
			nb_console "$TMPD/$a.log" | tail -n 25 | sed 's/^/# /'
			nb_cleanup
			return
		fi
		echo "# $mode: $a serving after $(nb_secs "$NB_AP_T0" "$(nb_now)") s: $(nb_console "$TMPD/$a.log" | grep -o 'pxestick: serving.*' | head -n 1)"
		# Alone on its bridge the appliance runs auto: it probes, then
		# serves addresses and keeps watching.
		[ "$net" = authoritative ] &&
			nb_wait "$TMPD/$a.log" 'dhcp: .*(authoritative|proxy)' 30
		if nb_console "$TMPD/$a.log" | grep -Eq "pxestick: serving.*dhcp $net|dhcp: auto: no other DHCP server answered.*" &&
		    ! { [ "$net" = authoritative ] && nb_console "$TMPD/$a.log" | grep -q 'now proxyDHCP'; }; then
			ok "$mode: the $a chose DHCP mode $net by itself"
		else
			not_ok "$mode: the $a did not choose DHCP mode $net"
		fi
	done
	AP=$(nb_console "$TMPD/appliance.log" | sed -n 's/^address: *\([0-9.]*\).*/\1/p' | head -n 1)
	AP=${AP:-10.99.0.1}
	[ "$mode" = proxy2 ] &&
		AP2=$(nb_console "$TMPD/appliance2.log" | sed -n 's/^address: *\([0-9.]*\).*/\1/p' | head -n 1)
	if [ "$NB_CACHE" = on ]; then
		if nb_wait "$TMPD/appliance.log" 'payload: [^ ]*: served from http://10.99.0.2:8080 \(its root image checked\)' 60; then
			ok "$mode: the appliance checked the cache's copy of the root image and points clients at it"
		else
			not_ok "$mode: the appliance did not take the cache as its payload URL"
			nb_console "$TMPD/appliance.log" | grep 'payload' | sed 's/^/# /'
		fi
	fi
	watchers=
	for row in $rows; do
		NB_ROW_N=$((NB_ROW_N + 1))
		mac=$(printf '52:54:00:99:01:%02d' "$NB_ROW_N")
		client=${row%/*} variant=
		[ "$client" = "$row" ] || variant=${row#*/}
		name=$(echo "$row" | tr '/' '-')
		echo "$mac" > "$TMPD/$name.mac"
		NB_CLIENT_MEM=$RAM NB_CLIENT_EXTRA=
		case $variant in
		lowram)
			NB_CLIENT_MEM=$((RAM - 128))
			NB_CLIENT_EXTRA="-monitor unix:$TMPD/$name.mon,server,nowait" ;;
		rtc2015) NB_CLIENT_EXTRA="-rtc base=2015-01-01" ;;
		bootonce)
			nb_local_disk "$TMPD/$name.disk"
			NB_CLIENT_EXTRA="-drive if=ide,format=raw,file=$TMPD/$name.disk" ;;
		esac
		export NB_CLIENT_MEM NB_CLIENT_EXTRA
		case $client in
		bios-virtio) nb_client "$name" seabios virtio-net-pci "$mac" ;;
		bios-e1000) nb_client "$name" seabios e1000 "$mac" ;;
		bios-e1000e) nb_client "$name" seabios e1000e "$mac" ;;
		bios-rtl8139) nb_client "$name" seabios rtl8139 "$mac" ;;
		uefi-pxe) nb_client "$name" ovmf virtio-net-pci "$mac" ;;
		uefi-http) nb_client "$name" ovmf-http virtio-net-pci "$mac" ;;
		uefi-e1000e) nb_client "$name" ovmf-rom e1000e "$mac" ;;
		uefi-vmxnet3) nb_client "$name" ovmf-rom vmxnet3 "$mac" ;;
		uefi-sb) nb_client "$name" ovmf-sb virtio-net-pci "$mac" ;;
		*) not_ok "unknown row $row"; continue ;;
		esac
		if [ "$client" = uefi-sb ]; then
			watch_secureboot "$name" "$mac" &
			watchers="$watchers $!"
			continue
		fi
		case $variant in
		lowram) watch_lowram "$name" "$mac" & ;;
		v70) watch_stalled "$name" "$mac" & ;;
		bootonce) watch_bootonce "$name" "$mac" & ;;
		*) watch "$name" "$mac" & ;;
		esac
		watchers="$watchers $!"
	done
	for w in $watchers; do wait "$w"; done
	n_rows=0 last_ssh=
	for row in $rows; do
		name=$(echo "$row" | tr '/' '-')
		n_rows=$((n_rows + 1))
		s=$(stage_time "$name" ssh)
		if [ "$s" != - ] && { [ -z "$last_ssh" ] || [ "${s%.*}${s#*.}" -gt "${last_ssh%.*}${last_ssh#*.}" ]; }; then
			last_ssh=$s
		fi
		times="DHCP $(stage_time "$name" dhcp) s, boot.ipxe $(stage_time "$name" ipxe) s, kernel $(stage_time "$name" kernel) s, root image $(stage_time "$name" airootfs) s, script.cfg $(stage_time "$name" script) s, SSH $(stage_time "$name" ssh) s"
		if grep -q '^ok flagged' "$TMPD/$name.result" 2>/dev/null; then
			ok "$mode/$row: no script.cfg (as archiso v45-v70 do), and /status.json flags it with the recovering command (root image $(stage_time "$name" airootfs) s, flagged $(stage_time "$name" flagged) s)"
		elif grep -q '^ok local' "$TMPD/$name.result" 2>/dev/null; then
			ok "$mode/$row: reached SSH ($times), then on its next network boot the menu took the local disk by itself (disk booted $(stage_time "$name" local) s after the first power-on)"
		elif grep -q '^ok menu' "$TMPD/$name.result" 2>/dev/null; then
			ok "$mode/$row: the menu said the machine has too little RAM and came back; no kernel was sent"
		elif grep -q '^ok secureboot' "$TMPD/$name.result" 2>/dev/null; then
			ok "$mode/$row: fetched the UEFI boot file, refused it; /status.json and the console say \"probably Secure Boot\" (first DHCP $(stage_time "$name" dhcp) s, flagged $(stage_time "$name" flagged) s after power-on)"
		elif grep -q '^ok' "$TMPD/$name.result" 2>/dev/null && [ "${row%%/*}" = uefi-http ] &&
		    ! nb_console "$TMPD/appliance.log" | grep -q "dhcp: .*$(cat "$TMPD/$name.mac").*UEFI HTTP Boot: http://"; then
			not_ok "$mode/$row: reached SSH, but the appliance never answered it as a UEFI HTTP Boot client ($times)"
		elif grep -q '^ok' "$TMPD/$name.result" 2>/dev/null; then
			ok "$mode/$row: SSH login with the injected key at the address /status.json shows, script.d step ran ($times)$(sed -n 's/^ok [^ ]* \(time-sync: .*\)/; \1/p' "$TMPD/$name.result")"
		else
			not_ok "$mode/$row: $(cat "$TMPD/$name.result" 2>/dev/null) ($times)"
			nb_console "$TMPD/$name.log" | tail -n 15 | sed 's/^/# client: /'
			nb_console "$TMPD/appliance.log" | grep -E 'dhcp|tftp|http' | tail -n 12 | sed 's/^/# appliance: /'
		fi
	done
	for a in $aps; do
		sent=$(http_bytes "$TMPD/$a.log")
		echo "# $mode: the $a sent ${sent% *} bytes over HTTP and ${sent#* } over TFTP to $n_rows client(s)$( [ "$NB_CACHE" = on ] && echo " and the cache")"
	done
	[ "$NB_CACHE" = on ] && cache_checks "$mode" "$rows"
	[ "$mode" = proxy2 ] && proxy2_checks "$rows"
	# The first scenario of one row is the fleet's yardstick.
	if [ "$n_rows" -eq 1 ] && [ -n "$last_ssh" ] && [ ! -s "$TMPD/single.ssh" ]; then
		echo "$last_ssh s ($rows)" > "$TMPD/single.ssh"
	elif [ "$n_rows" -ge 4 ]; then
		echo "# $mode: a fleet of $n_rows clients powered on together: the last reached SSH after ${last_ssh:-never} s$( [ -s "$TMPD/single.ssh" ] && echo "; one client alone: $(cat "$TMPD/single.ssh")")"
	fi
	nb_cleanup
	mkdir -p "$BUILD/netboot-logs"
	cp "$TMPD"/*.log "$BUILD/netboot-logs/" 2>/dev/null
	for row in $rows; do
		name=$(echo "$row" | tr '/' '-')
		rm -f "$TMPD/$name.stages" "$TMPD/$name.result" "$TMPD/$name.log" "$TMPD/$name-again.log"
	done
}

# grown_image: the generic image on an 8 GiB disk, booted once alone (it
# grows its data partition), then the stick's files copied in with mtools.
grown_image() {
	img=$TMPD/appliance.img
	export MTOOLS_SKIP_CHECK=1
	if ! PXESTICK_BIN=$PXESTICK sh image/mkimage.sh "$BUILD/image" "$img" > "$TMPD/mkimage.log" 2>&1 ||
		! truncate -s 8G "$img"; then
		not_ok "netboot: the generic image on an 8 GiB disk"
		sed 's/^/# /' "$TMPD/mkimage.log"; summary; exit 1
	fi
	: > "$TMPD/grow.log"
	"$QEMU" -accel tcg -m 256 -display none -monitor none -no-reboot \
		-serial "file:$TMPD/grow.log" -drive "if=none,id=stick,format=raw,file=$img" \
		-device qemu-xhci,id=xhci -device usb-storage,bus=xhci.0,drive=stick,removable=on \
		-netdev user,id=n0,restrict=on -device virtio-net-pci,netdev=n0 \
		> "$TMPD/grow.log.qemu" 2>&1 &
	qpid=$! i=0
	until grep -q 'pxestick: serving' "$TMPD/grow.log" || [ $i -ge 600 ]; do
		sleep 0.5; i=$((i + 1))
	done
	kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
	if grep -q 'grown to 8126 MiB' "$TMPD/grow.log"; then
		ok "netboot: the generic image's first boot grew it: $(grep -o 'grown to .*' "$TMPD/grow.log" | tr -d '\r')"
	else
		not_ok "netboot: the generic image's first boot grew it"
		tail -n 20 "$TMPD/grow.log" | sed 's/^/# /'; summary; exit 1
	fi
	s=$(gpt_part "$img" PXESTICK)
	d="$img@@$((${s%% *} * 512))"
	# shellcheck disable=SC2086
	set -- $isos
	while [ $# -ge 2 ]; do
		case $1 in
		--iso) mcopy -i "$d" "$2" "::/isos/${2##*/}" || return 1 ;;
		--add) mcopy -s -i "$d" "$2" :: || return 1 ;;
		esac
		shift 2
	done
	mcopy -o -i "$d" "$TMPD/key.pub" ::/authorized_keys &&
		mcopy -o -i "$d" "$TMPD/stick.conf" ::/pxestick.conf || return 1
	echo "# the stick: the generic image grown on 8 GiB, $(mdir -/ -b -i "$d" :: | wc -l) files copied on with mtools"
}

NB_ROW_N=0
for sc in "$@"; do
	case $sc in
	efi-boot=*)
		EFI_BOOT=${sc#efi-boot=}
		appliance_image "$EFI_BOOT"
		echo "# from here on: efi-boot = $EFI_BOOT"
		continue ;;
	stick=grown | stick=built)
		NB_STICK=${sc#stick=}
		appliance_image "$EFI_BOOT"
		echo "# from here on: stick $NB_STICK"
		continue ;;
	cache=on | cache=off)
		NB_CACHE=${sc#cache=}
		appliance_image "$EFI_BOOT"
		echo "# from here on: cache $NB_CACHE"
		continue ;;
	esac
	scenario "$sc"
done
summary
host_done
