#!/bin/sh
# The appliance's boot logic (appliance/lib.sh, udhcpc.script) on the build
# host, as Alpine tests its initramfs-init: ROOT points at a scratch tree
# with a fake /sys, /proc and stick, and the commands that touch hardware
# (ip, mount, modprobe, findfs, udhcpc, stty) are stand-ins on PATH that
# record their calls.  pxestick itself is the real binary.
# shellcheck disable=SC2034 # ROOT, CONSOLES, ... are read by appliance/lib.sh
. tests/host/lib.sh

top=$PWD
R=$TMPD/root
mkdir -p "$R/proc" "$R/run/pxestick/state" "$R/mnt/stick" "$R/sys/class/net" "$TMPD/bin"
CALLS=$TMPD/calls
: >"$CALLS"
for c in ip mount modprobe udhcpc stty; do
	printf '#!/bin/sh\necho "%s $*" >>"%s"\n' "$c" "$CALLS" >"$TMPD/bin/$c"
done
# findfs: finds the stick on its third call.
cat >"$TMPD/bin/findfs" <<EOF
#!/bin/sh
n=\$(cat "$TMPD/findfs.n" 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n >"$TMPD/findfs.n"
[ "\$n" -ge 3 ] && echo /dev/sdb1
EOF
chmod +x "$TMPD"/bin/*
# The text tools are busybox's, as in the appliance (GNU sed and friends
# accept more).  Not xargs: busybox's runs its own modprobe applet, not the
# stand-in.
mkdir -p "$TMPD/bb"
for t in awk cat cmp cp cut find grep head mv od sed sort tail tr wc; do
	ln -s "$(command -v busybox)" "$TMPD/bb/$t"
done
PATH=$TMPD/bin:$TMPD/bb:$PATH
export PATH

ROOT=$R
PXESTICK_DEBUG=
CONSOLES=
. appliance/lib.sh
RUNDIR=$RUN

# ---- shellcheck -------------------------------------------------------------------
if command -v shellcheck >/dev/null 2>&1; then
	check "shellcheck: appliance/ and image/ scripts" shellcheck -s sh -e SC1091,SC2016,SC3043 \
		appliance/lib.sh appliance/boot appliance/run appliance/hotplug appliance/keep-lease \
		appliance/state-sync appliance/udhcpc.script appliance/dashboard image/kernel.sh image/modules.sh \
		image/initramfs.sh image/mkimage.sh image/stick-conf.sh image/efi.sh image/deb.sh
fi

# ---- pxestick.conf: cleaned, bad lines reported and left out ----------------------
printf '\357\273\277# edited on Windows\r\nmenu-timeout = 7\r\nnot a setting\r\nhttp-port = 70000\r\ninterface = eth1\r\nbogus-key = 1\r\n' \
	>"$TMPD/in.conf"
conf_clean "$TMPD/in.conf" "$RUNDIR/pxestick.conf" >"$TMPD/clean.out" 2>&1
clean_rc=$?
check "conf_clean: keeps the usable lines (returns 0)" test "$clean_rc" -eq 0
check "conf_clean: names line 3 and why" grep -q '^pxestick.conf line 3: expected .*-- this line is ignored' "$TMPD/clean.out"
check "conf_clean: names line 4 and why" grep -q '^pxestick.conf line 4: http-port: "70000" is not a number' "$TMPD/clean.out"
check "conf_clean: names line 6 (unknown key) and why" grep -q '^pxestick.conf line 6: unknown key "bogus-key"' "$TMPD/clean.out"
check "conf_clean: exactly three lines reported" test "$(wc -l <"$TMPD/clean.out")" -eq 3
check "conf_clean: the result passes pxestick serve --check-config" \
	"$PXESTICK" serve --config "$RUNDIR/pxestick.conf" --check-config
check "conf_clean: byte order mark and CRs are gone" sh -c \
	'! grep -q "$(printf "\r")" "$0" && [ "$(head -c 3 "$0")" = "# e" ]' "$RUNDIR/pxestick.conf"
check "conf_get: reads a kept value" test "$(conf_get "$RUNDIR/pxestick.conf" menu-timeout)" = 7
check "conf_get: interface" test "$(conf_get "$RUNDIR/pxestick.conf" interface)" = eth1
check "conf_get: nothing for a left-out line" test -z "$(conf_get "$RUNDIR/pxestick.conf" http-port)"
printf 'dhcp = proxy\n  dhcp   =   off  \n# dhcp = auto\n' >"$TMPD/g.conf"
check "conf_get: the last line wins, blanks trimmed, comments skipped" test "$(conf_get "$TMPD/g.conf" dhcp)" = off
check "conf_has: a set key" conf_has "$TMPD/g.conf" dhcp
check "conf_has: a commented key is not set" sh -c '! grep -q "^[ 	]*iso[ 	]*=" "$0"' "$TMPD/g.conf"
head -c 70000 /dev/zero | tr '\0' '#' >"$TMPD/huge.conf"
conf_clean "$TMPD/huge.conf" "$TMPD/huge.out" >"$TMPD/huge.msg" 2>&1
check "conf_clean: a file pxestick cannot read at all is dropped whole (returns 1)" sh -c \
	'[ "$0" -eq 1 ] && [ ! -e "$1" ] && grep -q "the whole file is ignored" "$2"' "$?" "$TMPD/huge.out" "$TMPD/huge.msg"

# ---- mode and address ---------------------------------------------------------------
check "mode_decide: auto + lease -> proxy" test "$(mode_decide auto yes)" = proxy
check "mode_decide: auto, no lease -> authoritative" test "$(mode_decide auto no)" = authoritative
check "mode_decide: unset means auto" test "$(mode_decide "" yes)" = proxy
check "mode_decide: authoritative is kept even with a lease" test "$(mode_decide authoritative yes)" = authoritative
check "mode_decide: off is kept" test "$(mode_decide off no)" = off
check "mask_prefix: 255.255.255.0 -> 24" test "$(mask_prefix 255.255.255.0)" = 24
check "mask_prefix: 255.255.240.0 -> 20" test "$(mask_prefix 255.255.240.0)" = 20

# ---- firmware: BIOS, UEFI, Secure Boot (the kernel's lockdown) --------------------
check "fw_state: no /sys/firmware/efi -> BIOS" test "$(fw_state)" = "BIOS (legacy boot)"
mkdir -p "$R/sys/firmware/efi" "$R/sys/kernel/security"
check "fw_state: UEFI, no securityfs -> Secure Boot off" test "$(fw_state)" = "UEFI, Secure Boot off"
echo '[none] integrity confidentiality' >"$R/sys/kernel/security/lockdown"
check "fw_state: UEFI, lockdown none -> Secure Boot off" test "$(fw_state)" = "UEFI, Secure Boot off"
echo 'none [integrity] confidentiality' >"$R/sys/kernel/security/lockdown"
check "fw_state: UEFI, lockdown integrity -> Secure Boot ON" \
	test "$(fw_state)" = "UEFI, Secure Boot ON (kernel lockdown: integrity)"
rm -rf "$R/sys/firmware" "$R/sys/kernel"

# ---- network interfaces -------------------------------------------------------------------
# iface NAME TYPE CARRIER [wireless|virtual]
iface() {
	d=$R/sys/class/net/$1
	mkdir -p "$d"
	echo "$2" >"$d/type"
	echo "$3" >"$d/carrier"
	case ${4:-} in
	wireless) mkdir -p "$d/wireless" "$d/device" ;;
	virtual) ;;
	*) mkdir -p "$d/device" ;;
	esac
}
iface lo 772 1 virtual
iface eth0 1 0
iface enp3s0 1 1
iface wlan0 1 1 wireless
iface br0 1 1 virtual
check "net_wired: wired, device-backed Ethernet only, sorted" test "$(net_wired | tr '\n' ' ')" = "enp3s0 eth0 "
check "net_pick: the interface with a link" test "$(net_pick "" 0)" = enp3s0
check "net_pick: the interface pxestick.conf names wins" test "$(net_pick eth0 0)" = eth0
check_exit "net_pick: a named interface that does not exist fails" 1 net_pick eth9 0
echo 0 >"$R/sys/class/net/enp3s0/carrier"
check "net_pick: no link anywhere: the first wired interface" test "$(net_pick "" 0)" = enp3s0
check "net_pick: brings the interfaces up" grep -q '^ip link set eth0 up' "$CALLS"

# ---- udhcpc.script: the probe's lease -------------------------------------------------------
: >"$CALLS"
rm -f "$RUNDIR/net.env"
# udhcpc.script sources /usr/libexec/pxestick/lib.sh: run it with the
# repository's copy instead.
sed "s|^\\. /usr/libexec/pxestick/lib.sh|. $top/appliance/lib.sh|" appliance/udhcpc.script >"$TMPD/udhcpc.script"
: >"$CALLS"
env ROOT="$R" interface=eth0 ip=192.168.7.23 subnet=255.255.255.0 serverid=192.168.7.1 \
	router="192.168.7.1 192.168.7.2" sh "$TMPD/udhcpc.script" bound
check "udhcpc.script: the lease is recorded" sh -c \
	'. "$0"; [ "$LEASE_IP" = 192.168.7.23 ] && [ "$LEASE_PREFIX" = 24 ] && [ "$LEASE_SERVER" = 192.168.7.1 ] && [ "$LEASE_ROUTER" = 192.168.7.1 ]' \
	"$RUNDIR/lease.env"
check "udhcpc.script: the address goes on the interface" grep -q '^ip addr add 192.168.7.23/24 dev eth0' "$CALLS"
check "udhcpc.script: the default route is the first router" grep -q '^ip route replace default via 192.168.7.1 dev eth0' "$CALLS"
net_env_write eth0 proxy 192.168.7.23/24 192.168.7.1
: >"$CALLS"
env ROOT="$R" interface=eth0 ip=192.168.7.23 mask=24 serverid=192.168.7.1 sh "$TMPD/udhcpc.script" renew
check "udhcpc.script: a renewal of the same address changes nothing" test ! -s "$CALLS"
# A pid beyond pid_max: the restart's kill reaches no process.
echo 99999999 >"$RUNDIR/pxestick.pid"
env ROOT="$R" interface=eth0 ip=192.168.7.99 mask=24 serverid=192.168.7.1 sh "$TMPD/udhcpc.script" renew >/dev/null 2>&1
check "udhcpc.script: a new address replaces the old one" sh -c \
	'grep -q "^ip addr del 192.168.7.23/24 dev eth0" "$0" && grep -q "^ip addr add 192.168.7.99/24 dev eth0" "$0"' "$CALLS"
check "udhcpc.script: net.env follows the new address" grep -q '^ADDRESS=192.168.7.99/24$' "$RUNDIR/net.env"
env ROOT="$R" interface=eth0 sh "$TMPD/udhcpc.script" deconfig
check "udhcpc.script: deconfig keeps the address (pxestick keeps serving)" grep -q '^ADDRESS=192.168.7.99/24$' "$RUNDIR/net.env"
rm -f "$RUNDIR/pxestick.pid"

# ---- clock = : a flat battery's clock is set forward, never back -----------------
# date: busybox's, but setting the clock (-s) only records; hwclock records.
cat >"$TMPD/bin/date" <<EOF
#!/bin/sh
case " \$* " in *" -s "*) echo "date \$*" >>"$CALLS"; exit 0 ;; esac
exec busybox date "\$@"
EOF
printf '#!/bin/sh\necho "hwclock $*" >>"%s"\n' "$CALLS" >"$TMPD/bin/hwclock"
chmod +x "$TMPD/bin/date" "$TMPD/bin/hwclock"
printf 'clock = 2999-01-01 10:00\n' >"$TMPD/clock.conf"
: >"$CALLS"
clock_floor "$TMPD/clock.conf" >"$TMPD/clock.out"
check "clock_floor: a clock earlier than clock = is set to it, and the RTC" sh -c \
	"grep -q '^date -u -s @32472180000' '$CALLS' && grep -q '^hwclock -u -w' '$CALLS' &&
	 grep -q 'set to 2999-01-01 10:00 (pxestick.conf)' '$TMPD/clock.out'"
printf 'clock = 2001-01-01T10:00\n' >"$TMPD/clock.conf"
: >"$CALLS"
clock_floor "$TMPD/clock.conf" >"$TMPD/clock.out"
check "clock_floor: a later clock is left alone (the line can stay)" test ! -s "$CALLS"
printf 'clock = soon\n' >"$TMPD/clock.conf"
check "clock_floor: a value that is no date is said, nothing set" sh -c \
	"clock_floor() { :; }; . '$top/appliance/lib.sh'; ROOT='$R'; clock_floor '$TMPD/clock.conf' | grep -q 'is not a date'"
rm -f "$TMPD/bin/date" "$TMPD/bin/hwclock"

# ---- what pxestick is started with ---------------------------------------------------------
S=$R/mnt/stick
mkdir -p "$S/isos"
: >"$S/isos/arch.iso"
: >"$S/Other.ISO"
printf 'ssh-ed25519 AAAA a\n' >"$S/a.pub"
printf 'ssh-ed25519 BBBB b\n' >"$S/b.pub"
check "isos_list: *.iso in any case, sorted" test "$(isos_list "$S" | tr '\n' ' ')" = "$S/Other.ISO "
found=$(keys_find)
check "keys_find: every *.pub joined when there is no authorized_keys" sh -c \
	'[ "$0" = "$1/authorized_keys" ] && [ "$(wc -l <"$1/authorized_keys")" -eq 2 ]' "$found" "$RUNDIR"
printf 'ssh-ed25519 CCCC c\n' >"$S/authorized_keys.txt"
check "keys_find: authorized_keys.txt before *.pub" test "$(keys_find)" = "$S/authorized_keys.txt"
printf 'ssh-ed25519 DDDD d\n' >"$S/authorized_keys"
check "keys_find: authorized_keys first" test "$(keys_find)" = "$S/authorized_keys"
net_env_write eth0 authoritative 10.99.0.1/24 ""
printf 'menu-timeout = 3\n' >"$RUNDIR/pxestick.conf"
args=$(serve_args | tr '\n' ' ')
check "serve_args: config, state, files, network and keys relative to the stick" test "$args" = \
	"--config $RUNDIR/pxestick.conf --state $RUNDIR/state --files /usr/lib/pxestick --boot-log $RUNDIR/boot.log --user _pxestick --dhcp auto --interface eth0 --address 10.99.0.1/24 --keys authorized_keys --ntp yes "
# The ISO folders go into the config, where a stick plugged later adds its own.
conf_add_isos
check "conf_add_isos: isos/ and the stick's top as iso lines of the config" sh -c \
	'tail -n 2 "$0" | tr "\n" "|" | grep -qx "iso = isos|iso = .|"' "$RUNDIR/pxestick.conf"
printf 'iso = mine.iso\n' >"$RUNDIR/pxestick.conf"
conf_add_isos
check "conf_add_isos: an iso line of pxestick.conf is left alone" test "$(grep -c '^iso' "$RUNDIR/pxestick.conf")" = 1
rm -f "$RUNDIR/pxestick.conf"
conf_add_isos
check "conf_add_isos: the config exists even with no ISO folder (extra sticks add to it)" test -f "$RUNDIR/pxestick.conf"
printf 'menu-timeout = 3\n' >"$RUNDIR/pxestick.conf"
printf 'iso = my/arch.iso\nkeys = k.txt\n' >"$RUNDIR/pxestick.conf"
args=$(serve_args | tr '\n' ' ')
check "serve_args: iso and keys from pxestick.conf are left to it" test "$args" = \
	"--config $RUNDIR/pxestick.conf --state $RUNDIR/state --files /usr/lib/pxestick --boot-log $RUNDIR/boot.log --user _pxestick --dhcp auto --interface eth0 --address 10.99.0.1/24 --ntp yes "
mkdir -p "$S/script.d" "$S/repo" "$S/archinstall"
args=$(serve_args | tr '\n' '|')
check "serve_args: script.d, repo/ and archinstall/ on the stick are steps and shares" sh -c \
	'case "$0" in *"|--ntp|yes|--extra-scripts|script.d|--share|repo repo|--share|archinstall archinstall|"*) exit 0 ;; *) exit 1 ;; esac' "$args"
printf 'ntp = no\nshare = files /srv\n' >"$RUNDIR/pxestick.conf"
args=$(serve_args | tr '\n' '|')
check "serve_args: ntp and share in pxestick.conf are left to it" sh -c \
	'case "$0" in *--ntp*|*"--share"*) exit 1 ;; *) exit 0 ;; esac' "$args"
rmdir "$S/script.d" "$S/repo" "$S/archinstall"
printf 'dhcp = authoritative\n' >"$RUNDIR/pxestick.conf"
args=$(serve_args | tr '\n' ' ')
check "serve_args: an explicit dhcp mode in pxestick.conf is passed as written" sh -c \
	'case "$0" in *"--dhcp authoritative "*) exit 0 ;; *) exit 1 ;; esac' "$args"
rm -f "$RUNDIR/pxestick.conf"
no_config_args() { serve_args | grep -qx -- --no-config && ! serve_args | grep -qx -- --config; }
check "serve_args: no --config without a config, and no host config either" no_config_args
printf 'user = someone\n' >"$RUNDIR/pxestick.conf"
user_left() { ! serve_args | grep -qx _pxestick; }
check "serve_args: the user pxestick.conf names is left to it" user_left
rm -f "$RUNDIR/pxestick.conf"
check "rootfs: the appliance has the _pxestick user and group" sh -c \
	'grep -q "^_pxestick:x:100:100:" rootfs/etc/passwd && grep -q "^_pxestick:x:100:" rootfs/etc/group &&
	 grep -q "^_pxestick:" rootfs/etc/shadow'

# ---- hardware: coldplug and the stick --------------------------------------------------
mkdir -p "$R/sys/devices/pci0000:00/0000:00:03.0" "$R/sys/devices/pci0000:00/0000:00:04.0/usb1"
echo "pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00" >"$R/sys/devices/pci0000:00/0000:00:03.0/modalias"
echo "pci:v00001B36d0000000Dsv00001AF4sd00001100bc0Csc03i30" >"$R/sys/devices/pci0000:00/0000:00:04.0/modalias"
echo "pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00" >"$R/sys/devices/pci0000:00/0000:00:04.0/usb1/modalias"
: >"$CALLS"
coldplug
check "coldplug: one modprobe -a for every distinct modalias" sh -c \
	'[ "$(grep -c "^modprobe" "$0")" -eq 1 ] && [ "$(grep "^modprobe" "$0" | wc -w)" -eq 5 ]' "$CALLS"
echo "console=ttyS0 pxestick.stickwait=7 quiet pxestick.dhcpwait=9" >"$R/proc/cmdline"
check "cmdline_get: pxestick.NAME=VALUE" test "$(cmdline_get dhcpwait 3)" = 9
check "cmdline_get: the default when absent" test "$(cmdline_get linkwait 10)" = 10
check "stick_find: waits for the partition to appear" test "$(stick_find 2 2>/dev/null | tail -n 1)" = /dev/sdb1
echo 0 >"$TMPD/findfs.n"
check_exit "stick_find: gives up after its time" 1 sh -c \
	'PATH=/nonexistent:$PATH; . appliance/lib.sh; findfs() { return 1; }; ROOT=$0; stick_find 0' "$R"

# ---- state: RAM first, the stick in short atomic writes ------------------------------------
echo "none $S vfat ro 0 0" >"$R/proc/mounts"
echo "lease one" >"$RUNDIR/state/dhcp-leases"
echo "cert" >"$RUNDIR/state/tls-cert.pem"
echo "half-written" >"$RUNDIR/state/dhcp-leases.tmp"
: >"$CALLS"
state_sync
check "state_sync: changed files reach the stick's state folder" sh -c \
	'cmp "$0/state/dhcp-leases" "$1/state/dhcp-leases" && cmp "$0/state/tls-cert.pem" "$1/state/tls-cert.pem"' \
	"$RUNDIR" "$S"
check "state_sync: temporary files stay behind" test ! -e "$S/state/dhcp-leases.tmp"
check "state_sync: no .new file left" sh -c '! ls -a "$0/state" | grep -q "\.new$"' "$S"
check "state_sync: remount read-write, then read-only again" sh -c \
	'[ "$(grep -c "^mount -o remount" "$0")" -eq 2 ] && head -n 1 "$0" | grep -q "remount,rw" && tail -n 1 "$0" | grep -q "remount,ro"' \
	"$CALLS"
: >"$CALLS"
state_sync
check "state_sync: nothing changed, the stick is not touched" test ! -s "$CALLS"
echo "boot line" >"$RUNDIR/boot.log"
state_sync logs
check "state_sync logs: boot.log is copied too" cmp "$RUNDIR/boot.log" "$S/state/boot.log"
printf 'log one\n' >"$RUNDIR/pxestick.log"
: >"$CALLS"
log_sync
check "log_sync: a new log reaches the stick" cmp "$RUNDIR/pxestick.log" "$S/state/pxestick.log"
check "log_sync: the stick is writable only meanwhile" sh -c \
	'[ "$(grep -c "^mount -o remount" "$0")" -eq 2 ] && tail -n 1 "$0" | grep -q "remount,ro"' "$CALLS"
: >"$CALLS"
log_sync
check "log_sync: nothing new, the stick is not touched" test ! -s "$CALLS"
printf 'log two\n' >>"$RUNDIR/pxestick.log"
printf 'an older line from the last boot\n' >"$TMPD/old" && cat "$TMPD/old" "$S/state/pxestick.log" >"$TMPD/stick.log" &&
	cp "$TMPD/stick.log" "$S/state/pxestick.log"
log_sync
check "log_sync: what the log gained is appended (the stick's older lines stay)" sh -c \
	'[ "$(cat "$0/state/pxestick.log")" = "$(printf "an older line from the last boot\nlog one\nlog two")" ]' "$S"
printf 'cut to this\n' >"$RUNDIR/pxestick.log"
log_sync
check "log_sync: a log cut in RAM is written anew" cmp "$RUNDIR/pxestick.log" "$S/state/pxestick.log"
printf 'after the cut\n' >>"$RUNDIR/pxestick.log"
STICK_LOG_MAX_BYTES=20
log_sync
STICK_LOG_MAX_BYTES=2097152
check "log_sync: past its size on the stick, the newest part is written anew" \
	cmp "$RUNDIR/pxestick.log" "$S/state/pxestick.log"

rm -rf "$RUNDIR/state"/*
state_restore
check "state_restore: the stick's state comes back to RAM" cmp "$S/state/dhcp-leases" "$RUNDIR/state/dhcp-leases"
check "state_restore: the logs on the stick are not state" sh -c \
	'[ -e "$1/state/pxestick.log" ] && [ ! -e "$0/state/pxestick.log" ] && [ ! -e "$0/state/boot.log" ]' "$RUNDIR" "$S"
echo "x" >"$RUNDIR/state/dhcp-leases"
: >"$R/proc/mounts"
check_exit "state_sync: no stick mounted: returns 1, touches nothing" 1 state_sync

# ---- the supervisor: restarts with backoff, fewer services after quick failures ----
cat >"$TMPD/fake-pxestick" <<EOF
#!/bin/sh
echo "\$*" >>"$TMPD/starts"
echo "pxestick serve: tftp: bind: Address already in use" >&2
exit 1
EOF
printf '#!/bin/sh\necho "sleep $*" >>"%s"\n' "$TMPD/starts" >"$TMPD/bin/sleep"
chmod +x "$TMPD/fake-pxestick" "$TMPD/bin/sleep"
echo "100.00 50.00" >"$R/proc/uptime"
net_env_write eth0 proxy 10.0.2.15/24 10.0.2.2
sed "s|^\. /usr/libexec/pxestick/lib.sh|. $top/appliance/lib.sh|; s|^export PATH=|export PATH=$TMPD/bin:|" \
	appliance/run >"$TMPD/run"
: >"$TMPD/starts"
ROOT=$R PXESTICK=$TMPD/fake-pxestick timeout 3 sh "$TMPD/run" >"$TMPD/run.out" 2>&1
rm -f "$TMPD/bin/sleep"
check "run: pxestick is started again after it stops" test "$(grep -c -- '--state' "$TMPD/starts")" -ge 4
check "run: the first start has every service" sh -c \
	'sed -n 1p "$0" | grep -v -q -- "--https-port 0"' "$TMPD/starts"
check "run: a quick failure: next start without HTTPS" sh -c \
	'sed -n 3p "$0" | grep -q -- "--https-port 0\$"' "$TMPD/starts"
check "run: another: HTTP only (no TFTP, no DHCP)" sh -c \
	'sed -n 5p "$0" | grep -q -- "--https-port 0 --tftp-port 0 --dhcp off\$"' "$TMPD/starts"
check "run: waits 1, 2, 4 ... seconds between quick failures" sh -c \
	'[ "$(grep "^sleep" "$0" | head -n 4 | tr "\n" " ")" = "sleep 1 sleep 2 sleep 4 sleep 8 " ]' "$TMPD/starts"
check "run: pxestick's own message and the restart reach the console" sh -c \
	'grep -q "^pxestick serve: tftp: bind: Address already in use" "$0" &&
	 grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} pxestick stopped \(exit status 1 after 0s\); starting it again in 1s without HTTPS" "$0"' "$TMPD/run.out"
check "run: serve.cmd shows how pxestick was started" grep -q '^pxestick serve .*--dhcp proxy --interface eth0 --address 10.0.2.15/24' "$RUNDIR/serve.cmd"

# ---- the console log ------------------------------------------------------------------------
net_env_write eth0 proxy 10.0.2.15/24 10.0.2.2
printf '2026-12-02 11:40:00 pxestick: ISO isos/a.iso: verified\n2026-12-02 11:40:01 pxestick: serving http://*:80/\n' |
	conlog "$RUNDIR/pxestick.log" >"$TMPD/conlog.out"
check "conlog: lines go to the log file" grep -q '^2026-12-02 11:40:01 pxestick: serving' "$RUNDIR/pxestick.log"
check "conlog: a ready line follows the serving line" grep -q '^ready: clients can netboot from 10.0.2.15 (proxy DHCP on eth0)' "$TMPD/conlog.out"
LOG_MAX_BYTES=2000
seq 1 600 | sed 's/^/a log line number /' | conlog "$RUNDIR/big.log" >/dev/null
check "conlog: the log is cut when it grows too big" test "$(wc -c <"$RUNDIR/big.log")" -le 4000
host_done
