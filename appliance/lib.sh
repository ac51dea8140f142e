# appliance/lib.sh - the appliance's boot logic, as functions (sourced).
#
# Installed as /usr/libexec/pxestick/lib.sh.  Sourced by /init (boot), by
# the supervisor (run), the lease keeper (udhcpc.script) and the state
# syncer (state-sync); and on the build host by tests/host/test_init.sh,
# which points ROOT at a scratch directory and replaces the commands that
# touch hardware (mount, ip, udhcpc, findfs, modprobe...) with stand-ins,
# in the manner of Alpine's initramfs-init $MOCK.
#
# Paths (all below $ROOT):
#   /mnt/stick              the partition labelled PXESTICK, read-only
#   /run/pxestick/          tmpfs: everything the appliance writes
#     pxestick.conf           the stick's config, cleaned (see conf_clean)
#     state/                  pxestick's --state; copied to the stick's
#                             state/ folder by state_sync (atomic files)
#     net.env                 IFACE MODE ADDRESS SERVER: what the network is
#     boot.log, pxestick.log  what the consoles showed
#   /usr/lib/pxestick/      the iPXE binaries (pxestick's --files)

ROOT=${ROOT:-}
RUN=$ROOT/run/pxestick
STICK=$ROOT/mnt/stick
LABEL=${LABEL:-PXESTICK}
PXESTICK=${PXESTICK:-/usr/bin/pxestick}
FILES=${FILES:-/usr/lib/pxestick}
# The address and prefix used when nobody else runs DHCP (pxestick's default).
# shellcheck disable=SC2034 # used by boot
STATIC_ADDRESS=10.99.0.1/24
# Files of the state dir larger than this are not copied to the stick.
STATE_MAX_BYTES=1048576
# The logs on the stick: appended to while under this, then rewritten
# with their newest STATE_MAX_BYTES.
STICK_LOG_MAX_BYTES=2097152
# pxestick's log is cut to its last half when it grows past this.
LOG_MAX_BYTES=2097152

# ---- console ---------------------------------------------------------------

# CONSOLES: the terminals a technician may be looking at (tty1 = the monitor,
# ttyS0 = a serial line or a VM's console), those that exist and take
# writes.  Empty: standard output only (host tests).
# LOG_CONSOLES: where the log goes once the boot is over: the serial line,
# and tty2 instead of tty1 (tty1 then shows `pxestick top`, tty3 a shell).
con_detect() {
	CONSOLES=
	LOG_CONSOLES=
	for c in tty1 ttyS0; do
		# stty fails (EIO) on a serial port without a UART behind it.
		if [ -c "$ROOT/dev/$c" ] && stty -F "$ROOT/dev/$c" >/dev/null 2>&1; then
			CONSOLES="$CONSOLES $ROOT/dev/$c"
			case $c in
			tty1) [ ! -c "$ROOT/dev/tty2" ] || LOG_CONSOLES="$LOG_CONSOLES $ROOT/dev/tty2" ;;
			*) LOG_CONSOLES="$LOG_CONSOLES $ROOT/dev/$c" ;;
			esac
		fi
	done
	export CONSOLES LOG_CONSOLES
}

# con_load: for the services after the boot (run, state-sync, keep-lease):
# their lines go where the log goes (LOG_CONSOLES as con_detect found
# them), each with the time, like pxestick's own.
con_load() {
	CONSOLES=$(cat "$RUN/log-consoles" 2>/dev/null)
	PXESTICK_DEBUG=$(cmdline_get debug "")
	PXESTICK_STAMP=1
	export CONSOLES PXESTICK_DEBUG PXESTICK_STAMP
}

# stamp: the time as pxestick's log lines carry it (UTC).
stamp() {
	date -u '+%Y-%m-%d %H:%M:%S'
}

# uptime_s: whole seconds since the kernel started.
uptime_s() {
	u=$(cat "$ROOT/proc/uptime" 2>/dev/null)
	u=${u%%.*}
	printf '%s\n' "${u:-0}"
}

# say TEXT...: one line to every console and to boot.log (there with the
# seconds since the kernel started; on the consoles too with
# pxestick.debug=1 on the kernel command line).
say() {
	t=$(cut -d' ' -f1 "$ROOT/proc/uptime" 2>/dev/null)
	l="$*"
	[ -z "${PXESTICK_DEBUG:-}" ] || l="[$t] $l"
	[ -z "${PXESTICK_STAMP:-}" ] || l="$(stamp) $l"
	if [ -z "${CONSOLES:-}" ]; then
		printf '%s\n' "$l"
	else
		for c in $CONSOLES; do printf '%s\n' "$l" >"$c" 2>/dev/null; done
	fi
	[ ! -d "$RUN" ] || printf '[%s] %s\n' "$t" "$*" >>"$RUN/boot.log"
}

# field NAME VALUE: "NAME      VALUE", the status screen's layout.
field() {
	say "$(printf '%-9s %s' "$1:" "$2")"
}

# conlog FILE: copy standard input line by line to the consoles and FILE,
# cutting FILE to its newer half when it passes LOG_MAX_BYTES.
conlog() {
	n=0
	while IFS= read -r line || [ -n "$line" ]; do
		if [ -z "${CONSOLES:-}" ]; then
			printf '%s\n' "$line"
		else
			for c in $CONSOLES; do printf '%s\n' "$line" >"$c" 2>/dev/null; done
		fi
		printf '%s\n' "$line" >>"$1"
		case $line in
		"pxestick: serving"* | *" pxestick: serving"*) con_ready ;;
		esac
		n=$((n + 1))
		if [ "$n" -ge 200 ]; then
			n=0
			size=$(wc -c <"$1")
			if [ "$size" -gt "$LOG_MAX_BYTES" ]; then
				tail -c $((LOG_MAX_BYTES / 2)) "$1" >"$1.cut" && mv "$1.cut" "$1"
			fi
		fi
	done
}

# con_ready: the line under pxestick's "serving": where and how, and how
# long the boot took.
con_ready() {
	IFACE='' MODE='' ADDRESS=''
	# shellcheck disable=SC1091
	[ ! -f "$RUN/net.env" ] || . "$RUN/net.env"
	say "ready: clients can netboot from ${ADDRESS%/*} ($MODE DHCP on $IFACE), $(uptime_s) s after the kernel started"
	[ -z "${PXESTICK_DEBUG:-}" ] ||
		say "memory: $(free -m | awk '$1 == "Mem:" { print $2 " MiB, " $3 " used, " $7 " available" }')"
}

# ---- kernel command line -------------------------------------------------

# cmdline_get NAME DEFAULT: the value of pxestick.NAME=VALUE on the kernel
# command line (the boot loader's entry on the stick can be edited).
cmdline_get() {
	v=$(tr ' ' '\n' <"$ROOT/proc/cmdline" 2>/dev/null | sed -n "s/^pxestick\\.$1=//p" | tail -n 1)
	printf '%s\n' "${v:-$2}"
}

# fw_state: how this machine booted the appliance, for the status screen:
# "BIOS", "UEFI, Secure Boot off" or "UEFI, Secure Boot ON ...".  With
# Secure Boot on, Debian's kernel locks itself down (integrity: no
# unsigned modules, no /dev/mem, no kexec; the appliance needs none of
# them), and securityfs' lockdown file says so with the mode in brackets.
fw_state() {
	if [ ! -d "$ROOT/sys/firmware/efi" ]; then
		echo "BIOS (legacy boot)"
		return 0
	fi
	lock=$(sed -n 's/.*\[\([a-z]*\)\].*/\1/p' "$ROOT/sys/kernel/security/lockdown" 2>/dev/null)
	case ${lock:-none} in
	none) echo "UEFI, Secure Boot off" ;;
	*) echo "UEFI, Secure Boot ON (kernel lockdown: $lock)" ;;
	esac
}

# ---- hardware: modules and the stick ------------------------------------

# coldplug: load the driver of every device the kernel knows so far.
# Devices that appear later (USB, disks behind them) are loaded by the
# uevent handler (hotplug) and by the next coldplug.
coldplug() {
	find "$ROOT/sys/devices" -name modalias -type f -exec cat {} + 2>/dev/null |
		sort -u | xargs modprobe -a -q 2>/dev/null
	return 0
}

# stick_find SECONDS: print the device of the partition labelled $LABEL,
# waiting for it (USB sticks take seconds to appear), running coldplug
# meanwhile.  Returns 1 when it did not show up in time.
stick_find() {
	limit=$(($1 * 4))
	i=0
	while [ "$i" -le "$limit" ]; do
		dev=$(findfs "LABEL=$LABEL" 2>/dev/null) && [ -n "$dev" ] && {
			printf '%s\n' "$dev"
			return 0
		}
		[ $((i % 4)) -ne 0 ] || coldplug
		if [ "$i" -eq 12 ]; then
			say "waiting for the stick (a partition labelled $LABEL) to appear..."
		fi
		sleep 0.25
		i=$((i + 1))
	done
	return 1
}

# stick_mount DEV: mount it read-only at $STICK, readable by pxestick after
# it drops root, never executable.
stick_mount() {
	mkdir -p "$STICK"
	# vfat's default code pages (Debian: cp437, ascii) and utf8 names.
	modprobe -a -q vfat exfat nls_cp437 nls_ascii nls_utf8 2>/dev/null
	mount -t vfat -o ro,noatime,fmask=0133,dmask=0022,utf8 "$1" "$STICK" 2>/dev/null ||
		mount -t exfat -o ro,noatime,fmask=0133,dmask=0022 "$1" "$STICK" 2>>"$RUN/boot.log"
}

# ---- first boot on a larger stick: the data partition grows ------------------
#
# The image is small; the stick it was written to is usually larger.  At
# the first boot the data partition (labelled $LABEL, the last on the disk)
# is grown to fill the stick and its FAT32 made anew -- a FAT cannot grow in
# place -- with the files it held put back.  Power-cut safe:
#   1. the files are copied to the boot partition ($BOOT_LABEL) into
#      $GROW_DIR, flushed, then $GROW_MARK is written and flushed
#   2. `pxestick stick grow` (itself safe to cut: docs/STICK.md)
#   3. `pxestick stick mkfs` the data partition, the files copied back
#   4. $GROW_MARK removed and flushed, then $GROW_DIR
# A boot that finds $GROW_MARK redoes 2-4 from the copy, which is whole; one
# that finds $GROW_DIR without the mark removes it (a cut in 1 or 4: the
# data partition was not yet or no longer touched).
BOOT_LABEL=${BOOT_LABEL:-PXEBOOT}
BOOTMNT=$ROOT/mnt/boot
GROW_DIR=pxestick-grow
GROW_MARK=pxestick-grow.todo

# disk_of DEV: the whole disk a partition belongs to (/dev/NAME).
disk_of() {
	p=$(readlink -f "$ROOT/sys/class/block/${1##*/}" 2>/dev/null) &&
		[ -f "$p/partition" ] && printf '/dev/%s\n' "$(basename "$(dirname "$p")")"
}

# sectors DEV [start]: the size (or first LBA) of a disk or partition in
# 512-byte sectors, from sysfs.
sectors() {
	cat "$ROOT/sys/class/block/${1##*/}/${2:-size}" 2>/dev/null
}

# mib_of DEV: its size in MiB ("?" when sysfs does not say).
mib_of() {
	g_s=$(sectors "$1")
	case $g_s in '' | *[!0-9]*) echo "?" ;; *) echo $((g_s / 2048)) ;; esac
}

# is_fat32 DEV: its boot sector names FAT32 (the type at byte 82).
is_fat32() {
	[ "$(dd if="$1" bs=1 skip=82 count=5 2>/dev/null)" = FAT32 ]
}

# fat32_serial DEV: its FAT32's volume serial (8 hex digits), or "none".
fat32_serial() {
	if is_fat32 "$1"; then
		od -An -tx4 -j67 -N4 "$1" | tr -d ' '
	else
		echo none
	fi
}

# fat32_sectors DEV: the size its FAT32 says it has (0 when no FAT32).
fat32_sectors() {
	if is_fat32 "$1"; then
		od -An -tu4 -j32 -N4 "$1" | tr -d ' '
	else
		echo 0
	fi
}

# part_gap DISK DEV: g_gap, the sectors between the partition's end and
# the disk's, and g_size, the partition's; fails when sysfs does not say.
part_gap() {
	g_dsz=$(sectors "$1") g_start=$(sectors "$2" start) g_size=$(sectors "$2")
	case "$g_dsz$g_start$g_size" in '' | *[!0-9]*) return 1 ;; esac
	g_gap=$((g_dsz - g_start - g_size))
}

# grow_needed DISK DEV: DEV holds a FAT32 (a partition reformatted as
# exFAT on a desktop is left alone), and the partition stops short of the
# stick's end (by more than the 1 MiB alignment and the backup GPT) or its
# FAT32 short of the partition's end.
# (sh has no local variables: these functions' names start with g_, as
# the boot script's never do.)
grow_needed() {
	g_fs=$(fat32_sectors "$2")
	case $g_fs in '' | *[!0-9]*) return 1 ;; esac
	[ "$g_fs" -gt 0 ] || return 1
	part_gap "$1" "$2" || return 1
	# (A FAT32 ends at 2^32 - 1 sectors: a larger partition is full then.)
	[ "$g_gap" -gt 4096 ] || { [ "$g_fs" -lt 4294967295 ] && [ $((g_size - g_fs)) -gt 2048 ]; }
}

# grow_pause STEP: a test stops here (pxestick.growstop=STEP: table, mkfs,
# inmkfs -- the old filesystem cleared, the new one not yet written -- or
# copy) and is killed, as a power cut would.
grow_pause() {
	[ "$(cmdline_get growstop "")" = "$1" ] || return 0
	sync
	say "stick: stopped before $1 (pxestick.growstop): cut the power now"
	while :; do sleep 3600; done
}

# stick_grow DEV: grow the data partition DEV when the stick is larger, or
# finish a growth a power cut interrupted.  Says what it did; never fails
# the boot (the data partition is left as it was when it cannot grow).
stick_grow() {
	g_disk=$(disk_of "$1") || return 0
	g_boot=$(findfs "LABEL=$BOOT_LABEL" 2>/dev/null) || return 0
	[ "$(disk_of "$g_boot")" = "$g_disk" ] || return 0  # an older one-partition stick
	mkdir -p "$BOOTMNT"
	# Read-only unless there is work: a read-write mount writes the boot
	# sector (the kernel's dirty flag), and that sector boots the stick.
	mount -t vfat -o ro,noatime "$g_boot" "$BOOTMNT" 2>>"$RUN/boot.log" || return 0
	if [ -f "$BOOTMNT/$GROW_MARK" ]; then
		if boot_rw; then
			field stick "a power cut interrupted the growth of $1: finishing it"
			grow_finish "$g_disk" "$1"
		fi
	elif [ -d "$BOOTMNT/$GROW_DIR" ]; then
		! boot_rw || { rm -rf "${BOOTMNT:?}/$GROW_DIR"; sync; }
	elif grow_needed "$g_disk" "$1"; then
		! boot_rw || grow_start "$g_disk" "$1"
	fi
	umount "$BOOTMNT" 2>/dev/null
	return 0
}

# boot_rw: the boot partition, read-write (quiet: cp -p's chmod and chown
# are no errors on FAT).
boot_rw() {
	mount -o remount,rw,quiet "$BOOTMNT" 2>>"$RUN/boot.log" && return 0
	say "          the boot partition cannot be written: $(tail -n 1 "$RUN/boot.log")"
	return 1
}

# grow_pending_dev: when no partition labelled $LABEL is found, a growth
# cut inside `stick mkfs` may have left it without a filesystem: the mark
# on the boot partition then names the stick, and its data partition is
# partition 1 of the same disk.  Prints that partition.
grow_pending_dev() {
	g_boot=$(findfs "LABEL=$BOOT_LABEL" 2>/dev/null) || return 1
	mkdir -p "$BOOTMNT"
	mount -t vfat -o ro,noatime "$g_boot" "$BOOTMNT" 2>/dev/null || return 1
	g_marked=no
	[ ! -f "$BOOTMNT/$GROW_MARK" ] || g_marked=yes
	umount "$BOOTMNT"
	[ "$g_marked" = yes ] || return 1
	g_disk=$(disk_of "$g_boot") || return 1
	for g_p in "$ROOT/sys/class/block/${g_disk##*/}/${g_disk##*/}"*; do
		[ "$(cat "$g_p/partition" 2>/dev/null)" = 1 ] || continue
		printf '/dev/%s\n' "${g_p##*/}"
		return 0
	done
	return 1
}

# grow_start DISK DEV: step 1 (the copy), then the rest.
grow_start() {
	g_t0=$(date +%s)
	field stick "$2 is $(mib_of "$2") MiB on a $(mib_of "$1") MiB stick: growing it to fill the stick"
	mount -t vfat -o ro,noatime "$2" "$STICK" 2>>"$RUN/boot.log" || {
		say "          NOT GROWN: $2 cannot be mounted: $(tail -n 1 "$RUN/boot.log")"
		return 0
	}
	g_need=$(du -sk "$STICK" | cut -f1)
	g_free=$(df -k "$BOOTMNT" | awk 'NR == 2 { print $4 }')
	if [ "${g_need:-0}" -ge $((${g_free:-0} - 1024)) ]; then
		say "          NOT GROWN: its files (${g_need} KiB) do not fit on the boot partition"
		say "          (${g_free} KiB free) while it is remade; the stick stays as it is"
		umount "$STICK"
		return 0
	fi
	mkdir -p "$BOOTMNT/$GROW_DIR" &&
		cp -pR "$STICK/." "$BOOTMNT/$GROW_DIR/" 2>>"$RUN/boot.log" && sync
	g_rc=$?
	umount "$STICK"
	if [ "$g_rc" -ne 0 ]; then
		say "          NOT GROWN: copying its files aside failed: $(tail -n 1 "$RUN/boot.log")"
		rm -rf "${BOOTMNT:?}/$GROW_DIR"
		return 0
	fi
	# The mark: when, the serial of the FAT the files came from, and the
	# serial the new one will have -- a redo touches no other filesystem.
	g_new=$(printf '%08x' $(((g_t0 * 2654435761 + $$) & 0xffffffff)))
	printf '%s\nold %s\nnew %s\n' "$g_t0" "$(fat32_serial "$2")" "$g_new" >"$BOOTMNT/$GROW_MARK" && sync
	grow_finish "$1" "$2"
}

# grow_finish DISK DEV: steps 2-4, from the copy on the boot partition.
grow_finish() {
	g_t0=$(head -n 1 "$BOOTMNT/$GROW_MARK" 2>/dev/null)
	g_old=$(sed -n 's/^old //p' "$BOOTMNT/$GROW_MARK")
	g_new=$(sed -n 's/^new //p' "$BOOTMNT/$GROW_MARK")
	g_now=$(fat32_serial "$2")
	# Between a cut and this boot the partition may have been formatted
	# and filled on a desktop: only the old FAT, the new one, or none at
	# all (a cut inside mkfs) may be remade.
	if [ "$g_now" != none ] && [ "$g_now" != "$g_old" ] && [ "$g_now" != "$g_new" ]; then
		say "          NOT FINISHED: $2 holds another filesystem (serial $g_now) since;"
		say "          it is left as it is; the earlier files stay on the boot partition,"
		say "          folder $GROW_DIR (delete $GROW_MARK there to forget them)"
		return 0
	fi
	grow_pause table
	if ! "$PXESTICK" stick grow "$1" >>"$RUN/boot.log" 2>&1; then
		say "          NOT GROWN: $(tail -n 1 "$RUN/boot.log")"
		grow_undo
		return 0
	fi
	# The kernel was told the new size (BLKPG); if it was not, it reads the
	# table at the next boot, which finds the mark and goes on from here.
	part_gap "$1" "$2" || g_gap=0
	if [ "$g_gap" -gt 4096 ]; then
		if ! grep -q '^rebooted' "$BOOTMNT/$GROW_MARK"; then
			echo rebooted >>"$BOOTMNT/$GROW_MARK" && sync
			say "          the kernel still sees the old partition size: restarting"
			umount "$BOOTMNT"
			reboot -f
		fi
		say "          NOT GROWN: the kernel does not see the new partition size"
		grow_undo
		return 0
	fi
	grow_pause mkfs
	if [ "$(cmdline_get growstop "")" = inmkfs ]; then
		PXESTICK_STICK_STOP_AFTER=1 "$PXESTICK" stick mkfs --label "$LABEL" "$2" >>"$RUN/boot.log" 2>&1
		grow_pause inmkfs
	fi
	if ! "$PXESTICK" stick mkfs --label "$LABEL" ${g_new:+--serial "$g_new"} "$2" >>"$RUN/boot.log" 2>&1; then
		say "          FAILED to make the new filesystem: $(tail -n 1 "$RUN/boot.log")"
		say "          the files are kept on the boot partition; the next boot tries again"
		return 0
	fi
	grow_pause copy
	if ! mount -t vfat -o rw,noatime,quiet "$2" "$STICK" 2>>"$RUN/boot.log" ||
		! cp -pR "$BOOTMNT/$GROW_DIR/." "$STICK/" 2>>"$RUN/boot.log" || ! sync; then
		say "          FAILED to put the files back: $(tail -n 1 "$RUN/boot.log")"
		say "          they are kept on the boot partition; the next boot tries again"
		umount "$STICK" 2>/dev/null
		return 0
	fi
	umount "$STICK"
	rm -f "$BOOTMNT/$GROW_MARK" && sync
	rm -rf "${BOOTMNT:?}/$GROW_DIR" && sync
	g_t1=$(date +%s)
	case $g_t0 in '' | *[!0-9]*) g_t0=$g_t1 ;; esac
	say "          grown to $(mib_of "$2") MiB in $((g_t1 - g_t0)) s, its files kept"
}

# grow_undo: the data partition was not touched: drop the copy.
grow_undo() {
	rm -f "$BOOTMNT/$GROW_MARK" && sync
	rm -rf "${BOOTMNT:?}/$GROW_DIR" && sync
}

# ---- ISOs on other sticks (appliance/extra-stick) ------------------------------
EXTRA=$ROOT/mnt/extra

# conf_add_isos: the stick's ISO folders as `iso =` lines of pxestick's
# config (unless pxestick.conf names its own): in the config, not on the
# command line, so that a stick plugged later can add its own and SIGHUP
# them in (a command line --iso would replace the config's list).
conf_add_isos() {
	touch "$RUN/pxestick.conf"     # also when empty: what extra-stick adds is read
	conf_has "$RUN/pxestick.conf" iso && return 0
	{
		[ ! -d "$STICK/isos" ] || echo "iso = isos"
		[ -z "$(isos_list "$STICK")" ] || echo "iso = ."
	} >>"$RUN/pxestick.conf"
}

# main_disk: the disk the appliance's own stick is on (nothing when none).
main_disk() {
	g_main=$(awk -v m="$STICK" '$2 == m { print $1 }' "$ROOT/proc/mounts" 2>/dev/null | head -n 1)
	[ -n "$g_main" ] && disk_of "$g_main"
}

# pxestick_reload: SIGHUP to the running pxestick (the config and ISOs
# read again; verification off the loop).
pxestick_reload() {
	g_pid=$(cat "$RUN/pxestick.pid" 2>/dev/null)
	[ -n "$g_pid" ] && kill -HUP "$g_pid" 2>/dev/null
}

# fs_type DEV: vfat or exfat from the boot sector, or nothing (a mount
# tried on anything else fills the console with the kernel's complaints).
fs_type() {
	if [ "$(dd if="$1" bs=1 skip=3 count=5 2>/dev/null)" = EXFAT ]; then
		echo exfat
	elif [ "$(dd if="$1" bs=1 skip=82 count=3 2>/dev/null)" = FAT ] ||
		[ "$(dd if="$1" bs=1 skip=54 count=3 2>/dev/null)" = FAT ]; then
		echo vfat
	fi
}

# is_stick DEV: on USB, or removable media (the PC's own disks are left
# alone: reading a dying one could hold the boot up for minutes).
is_stick() {
	g_sys=$(readlink -f "$ROOT/sys/class/block/${1##*/}" 2>/dev/null) || return 1
	case $g_sys in */usb*) return 0 ;; esac
	[ -f "$g_sys/partition" ] && g_sys=${g_sys%/*}
	[ "$(cat "$g_sys/removable" 2>/dev/null)" = 1 ]
}

# has_parts DEV: a whole disk with partitions (taken through those).
has_parts() {
	ls -d "$ROOT/sys/class/block/${1##*/}/${1##*/}"* >/dev/null 2>&1
}

# extra_add DEV MNT [TRIES]: DEV's ISOs served, when it has any and is not
# the appliance's own stick.  TRIES (default 1) mounts, a second apart: a
# stick just plugged in may wait for its filesystem's driver.
extra_add() {
	grep -q " $2 " "$ROOT/proc/mounts" 2>/dev/null && return 0
	has_parts "$1" && return 0
	g_disk=$(disk_of "$1") || g_disk=$1      # a stick without partitions
	[ "$g_disk" != "$(main_disk)" ] || return 0
	is_stick "$1" || return 0
	g_type=$(fs_type "$1")
	[ -n "$g_type" ] || return 0
	mkdir -p "$2"
	# The filesystem's driver may still be loading (hotplug): a few tries.
	g_i=0
	g_opt=ro,noatime,fmask=0133,dmask=0022
	[ "$g_type" = exfat ] || g_opt=$g_opt,utf8
	until mount -t "$g_type" -o "$g_opt" "$1" "$2" 2>/dev/null; do
		g_i=$((g_i + 1))
		[ "$g_i" -lt "${3:-1}" ] || { rmdir "$2"; return 0; }
		sleep 1
	done
	g_lines=
	[ -z "$(isos_list "$2/isos" 2>/dev/null)" ] || g_lines="iso = $2/isos"
	[ -z "$(isos_list "$2")" ] || g_lines="$g_lines
iso = $2"
	if [ -z "$g_lines" ]; then
		umount "$2" && rmdir "$2"
		return 0
	fi
	printf '%s\n' "$g_lines" | sed '/^$/d' >>"$RUN/pxestick.conf"
	g_n=$( { isos_list "$2/isos" 2>/dev/null; isos_list "$2"; } | wc -l)
	say "another stick, $1: $g_n ISO(s) added (checked now, then served):"
	{ isos_list "$2/isos" 2>/dev/null; isos_list "$2"; } | while IFS= read -r g_f; do
		say "          ${g_f#"$EXTRA"/}"
	done
	pxestick_reload
}

# extra_remove DEV MNT: DEV's ISOs no longer served.
extra_remove() {
	grep -q " $2 " "$ROOT/proc/mounts" 2>/dev/null || return 0
	# (grep -v exits 1 when no line is left: that is no error here.)
	{ grep -v "^iso = $2\(/isos\)\{0,1\}\$" "$RUN/pxestick.conf" || [ $? -eq 1 ]; } \
		>"$RUN/pxestick.conf.tmp" && mv "$RUN/pxestick.conf.tmp" "$RUN/pxestick.conf"
	umount -l "$2" 2>/dev/null
	rmdir "$2" 2>/dev/null
	say "another stick, $1: removed; its ISOs are no longer served"
	pxestick_reload
}

# extra_scan: extra_add for every disk and partition there at the end of
# boot (the hotplug events of their arrival came before it was over), before
# pxestick starts: what they add is in its config from the start.
extra_scan() {
	for g_b in "$ROOT"/sys/class/block/*; do
		[ -e "$g_b" ] || continue
		case ${g_b##*/} in loop* | ram* | zram* | sr* | dm-*) continue ;; esac
		# A disk with partitions is taken through its partitions.
		extra_add "/dev/${g_b##*/}" "$EXTRA/${g_b##*/}"
	done
}

# ---- pxestick.conf --------------------------------------------------------

# conf_clean SRC DST: copy the stick's config for pxestick, fixing what
# editors do (UTF-8 byte order mark, CR LF) and commenting out every line
# pxestick refuses, each reported with its reason: a broken line costs that
# setting only, never the boot.  Returns 1 when SRC cannot be used at all
# (DST is then removed and the defaults apply).
conf_clean() {
	src=$1
	dst=$2
	# (busybox sed knows no \xHH: the mark is cut by its bytes.)
	{
		if [ "$(head -c 3 "$src" | od -An -tx1 | tr -d ' \n')" = efbbbf ]; then
			tail -c +4 "$src"
		else
			cat "$src"
		fi
	} 2>/dev/null | tr -d '\r' >"$dst"
	[ -r "$src" ] || {
		say "pxestick.conf: cannot be read; the defaults are used"
		rm -f "$dst"
		return 1
	}
	tries=0
	while ! out=$("$PXESTICK" serve --config "$dst" --check-config 2>&1); do
		out=$(printf '%s\n' "$out" | head -n 1 | sed 's/^pxestick serve: //')
		line=$(printf '%s\n' "$out" | sed -n "s|^$dst:\\([0-9][0-9]*\\): .*|\\1|p")
		msg=$(printf '%s\n' "$out" | sed "s|^$dst:[0-9]*: ||; s|^$dst: ||")
		tries=$((tries + 1))
		if [ -z "$line" ] || [ "$tries" -gt 50 ]; then
			say "pxestick.conf: $msg; the whole file is ignored, the defaults are used"
			rm -f "$dst"
			return 1
		fi
		say "pxestick.conf line $line: $msg -- this line is ignored, fix it on the stick"
		sed -i "${line}s/^/#ignored by the appliance: /" "$dst"
	done
	return 0
}

# conf_get FILE KEY: the value of the last "KEY = VALUE" line (the config
# format of services/common/config.h), empty when there is none.
conf_get() {
	[ -f "$1" ] || return 0
	sed -n "s/^[ 	]*$2[ 	]*=[ 	]*//p" "$1" | sed 's/[ 	]*$//' | tail -n 1
}

# conf_has FILE KEY: the file sets KEY.
conf_has() {
	[ -f "$1" ] && grep -q "^[ 	]*$2[ 	]*=" "$1"
}

# ---- network ---------------------------------------------------------------

# net_wired: the wired Ethernet interfaces, sorted: type 1 (ARPHRD_ETHER),
# backed by a device, not wireless.
net_wired() {
	for d in "$ROOT"/sys/class/net/*; do
		[ -e "$d/device" ] || continue
		[ "$(cat "$d/type" 2>/dev/null)" = 1 ] || continue
		if [ -e "$d/wireless" ] || [ -e "$d/phy80211" ]; then continue; fi
		printf '%s\n' "${d##*/}"
	done | sort
}

# net_carrier IF: the interface has a link.
net_carrier() {
	[ "$(cat "$ROOT/sys/class/net/$1/carrier" 2>/dev/null)" = 1 ]
}

# net_pick WANTED SECONDS: print the interface to serve on.  WANTED (from
# pxestick.conf) wins when it exists; else the first wired interface with a
# link, waiting up to SECONDS for one (links take seconds to negotiate);
# else the first wired interface.  Returns 1 when there is none at all.
net_pick() {
	wanted=$1
	limit=$(($2 * 4))
	i=0
	while :; do
		all=$(net_wired)
		if [ -n "$wanted" ]; then
			if [ -e "$ROOT/sys/class/net/$wanted" ]; then
				ip link set "$wanted" up 2>/dev/null
				printf '%s\n' "$wanted"
				return 0
			fi
			all=
		fi
		for n in $all; do
			ip link set "$n" up 2>/dev/null
			if net_carrier "$n"; then
				printf '%s\n' "$n"
				return 0
			fi
		done
		[ "$i" -lt "$limit" ] || break
		[ $((i % 4)) -ne 0 ] || coldplug
		sleep 0.25
		i=$((i + 1))
	done
	[ -z "$wanted" ] || return 1
	# shellcheck disable=SC2086 # one word per interface
	set -- $all
	[ $# -gt 0 ] || return 1
	printf '%s\n' "$1"
}

# mask_prefix 255.255.255.0: 24.
mask_prefix() {
	bits=0
	IFS=. read -r a b c d <<EOF
$1
EOF
	for o in "$a" "$b" "$c" "$d"; do
		case $o in
		255) bits=$((bits + 8)) ;; 254) bits=$((bits + 7)) ;; 252) bits=$((bits + 6)) ;;
		248) bits=$((bits + 5)) ;; 240) bits=$((bits + 4)) ;; 224) bits=$((bits + 3)) ;;
		192) bits=$((bits + 2)) ;; 128) bits=$((bits + 1)) ;;
		esac
	done
	printf '%s\n' "$bits"
}

# net_probe IF SECONDS: ask the network for a lease with udhcpc (one
# DISCOVER a second).  On a lease the address is on IF and $RUN/lease.env
# has ip, prefix and serverid; returns 1 when nobody answered.
net_probe() {
	rm -f "$RUN/lease.env"
	udhcpc -i "$1" -n -q -f -t "$2" -T 1 -A 1 -s /usr/libexec/pxestick/udhcpc.script \
		-x hostname:pxestick >"$RUN/udhcpc.log" 2>&1
	[ -s "$RUN/lease.env" ]
}

# mode_decide CONFIGURED LEASE: the DHCP mode to run.  CONFIGURED is the
# dhcp key (empty = auto); LEASE is "yes" when another DHCP server answered.
# auto: proxyDHCP next to another server (never a rogue server on someone's
# network), authoritative when alone.
mode_decide() {
	case ${1:-auto} in
	auto) if [ "$2" = yes ]; then echo proxy; else echo authoritative; fi ;;
	*) echo "$1" ;;
	esac
}

# net_env_write IFACE MODE ADDRESS SERVER: record the network for the
# supervisor (atomic: written aside, then renamed).
net_env_write() {
	{
		printf 'IFACE=%s\nMODE=%s\nADDRESS=%s\nSERVER=%s\n' "$1" "$2" "$3" "$4"
	} >"$RUN/net.env.tmp" && mv "$RUN/net.env.tmp" "$RUN/net.env"
}

# ---- the clock -----------------------------------------------------------------

# clock_floor CONF: a clock earlier than pxestick.conf's `clock = ` (UTC) is
# set to it, and the hardware clock with it: a machine whose battery is flat
# boots in 2000, and every signature the live system checks fails then.
# Later than it is left alone, so the line can stay in the file.
clock_floor() {
	want=$(conf_get "$1" clock | tr T ' ')
	[ -n "$want" ] || return 0
	w=$(date -u -d "$want" +%s 2>/dev/null) || {
		say "clock: pxestick.conf's clock = $want is not a date (YYYY-MM-DD HH:MM)"
		return 0
	}
	now=$(date -u +%s)
	[ "$now" -lt "$w" ] || return 0
	if date -u -s "@$w" >/dev/null 2>&1; then
		hwclock -u -w 2>/dev/null
		field clock "was $(date -u -d "@$now" '+%Y-%m-%d %H:%M') UTC, set to $want (pxestick.conf)"
	else
		field clock "reads $(date -u '+%Y-%m-%d %H:%M') UTC, earlier than $want, but cannot be set"
	fi
}

# ---- what pxestick serves ---------------------------------------------------

# keys_find: print the keys file to use when pxestick.conf names none:
# authorized_keys at the top of the stick, else authorized_keys.txt (an
# editor's extension hidden by Windows), else every *.pub there joined into
# $RUN/authorized_keys.  Prints nothing when there is none of these.
keys_find() {
	for f in authorized_keys authorized_keys.txt; do
		if [ -f "$STICK/$f" ]; then
			printf '%s\n' "$STICK/$f"
			return 0
		fi
	done
	set -- "$STICK"/*.pub
	[ -f "$1" ] || return 0
	cat "$@" >"$RUN/authorized_keys"
	printf '%s\n' "$RUN/authorized_keys"
}

# isos_list DIR: the *.iso (any case) files directly in DIR, sorted.
isos_list() {
	for f in "$1"/*; do
		case $f in *.[iI][sS][oO]) [ -f "$f" ] && printf '%s\n' "$f" ;; esac
	done
}

# serve_args: print pxestick serve's arguments, one per line, from
# $RUN/pxestick.conf and $RUN/net.env, for pxestick started in $STICK.
# What the config sets is left to it (its paths are relative to the stick);
# the network comes from net.env; state and files are the appliance's own.
serve_args() {
	conf=$RUN/pxestick.conf
	if [ -f "$conf" ]; then printf '%s\n' --config "$conf"; else printf '%s\n' --no-config; fi
	printf '%s\n' --state "$RUN/state" --files "$FILES" --boot-log "$RUN/boot.log"
	# Its own user, never nobody's (rootfs/etc/passwd).
	conf_has "$conf" user || printf '%s\n' --user _pxestick
	if [ -f "$RUN/net.env" ]; then
		# shellcheck disable=SC1090,SC1091
		. "$RUN/net.env"
		# Alone on the network at boot: pxestick runs `auto`, which
		# serves addresses but keeps watching and turns to proxyDHCP if
		# another server ever shows up (a late router, a switch port still
		# blocking) until the link goes down and up: never a rogue server
		# on someone's network.  keep-lease follows it with a lease.
		# An explicit `dhcp =` in pxestick.conf is obeyed as written.
		if [ "$MODE" = authoritative ] && ! conf_has "$conf" dhcp; then
			printf '%s\n' --dhcp auto
		else
			printf '%s\n' --dhcp "$MODE"
		fi
		[ -z "$IFACE" ] || printf '%s\n' --interface "$IFACE"
		[ -z "$ADDRESS" ] || printf '%s\n' --address "$ADDRESS"
	fi
	# Relative to the stick, pxestick's working directory: the log then
	# names files as the technician sees them on the stick.
	# The ISO folders are in the config (conf_add_isos, extra-stick).
	if ! conf_has "$conf" keys; then
		k=$(keys_find)
		[ -z "$k" ] || printf '%s\n' --keys "${k#"$STICK"/}"
	fi
	# The time: the live system waits for it (pacman-init).
	conf_has "$conf" ntp || printf '%s\n' --ntp yes
	# Offline installs: the site's own steps, a pacman repository, archinstall.
	if ! conf_has "$conf" extra-scripts && [ -d "$STICK/script.d" ]; then
		printf '%s\n' --extra-scripts script.d
	fi
	if ! conf_has "$conf" share; then
		for d in repo archinstall; do
			[ ! -d "$STICK/$d" ] || printf '%s\n' --share "$d $d"
		done
	fi
	# Client rules, one line per MAC (pxestick.conf's `client =` lines add).
	if ! conf_has "$conf" clients; then
		for c in clients clients.txt; do
			if [ -f "$STICK/$c" ]; then
				printf '%s\n' --clients "$c"
				break
			fi
		done
	fi
}

# ---- state: RAM first, the stick second --------------------------------------

# The stick stays mounted read-only.  pxestick writes its state (leases,
# the generated TLS certificate) to $RUN/state on tmpfs; state_sync copies
# what changed to the stick's state/ folder in one short read-write window:
# each file written aside (.NAME.new), fsync'ed, renamed over the old one,
# then the filesystem is made read-only again.  Pulling the stick at any
# other moment leaves a clean FAT; inside the window, at worst one file
# keeps its old contents.

# state_restore: the stick's state/ into $RUN/state at boot.
state_restore() {
	mkdir -p "$RUN/state"
	if [ -d "$STICK/state" ]; then
		for f in "$STICK"/state/*; do
			[ -f "$f" ] || continue
			# The logs on the stick are the logs' history, not pxestick's state.
			case ${f##*/} in .* | boot.log | pxestick.log) continue ;; esac
			cp "$f" "$RUN/state/" 2>/dev/null
		done
	fi
	return 0
}

# state_changed: print the names of state files that differ from the
# stick's copy (the logs go by log_sync).
state_changed() {
	for f in "$RUN"/state/*; do
		[ -f "$f" ] || continue
		n=${f##*/}
		# dhcp-mode says what pxestick does now: nothing to keep.
		case $n in .* | *.tmp | dhcp-mode | boot.log | pxestick.log) continue ;; esac
		[ "$(wc -c <"$f")" -le "$STATE_MAX_BYTES" ] || continue
		cmp -s "$f" "$STICK/state/$n" || printf '%s\n' "$n"
	done
}

# stick_mounted: the stick is mounted at $STICK.
stick_mounted() {
	grep -q " $STICK " "$ROOT/proc/mounts" 2>/dev/null
}

# state_sync [logs]: copy what changed to the stick, atomically per file;
# with "logs", the logs too (log_sync).  Returns 1 when the stick cannot be
# written (write-protected, gone).
state_sync() {
	stick_mounted || return 1
	changed=$(state_changed)
	rc=0
	if [ -n "$changed" ]; then
		mount -o remount,rw "$STICK" 2>/dev/null || return 1
		mkdir -p "$STICK/state" || rc=1
		for n in $changed; do
			state_put "$RUN/state/$n" "$n" || rc=1
		done
		sync
		mount -o remount,ro "$STICK" 2>/dev/null || rc=1
	fi
	[ "${1:-}" != logs ] || log_sync || rc=1
	return $rc
}

# log_sync: what boot.log and pxestick.log gained since the last call, to
# the stick's state/ folder: appended (a few lines every few seconds, not a
# rewrite), or rewritten with the newest STATE_MAX_BYTES when the log in
# RAM was cut or the stick's copy would pass STICK_LOG_MAX_BYTES.  The
# stick is writable only meanwhile.  Returns 1 when it cannot be written.
log_sync() {
	stick_mounted || return 1
	todo=
	for l in boot.log pxestick.log; do
		[ -f "$RUN/$l" ] || continue
		size=$(wc -c <"$RUN/$l")
		sent=$(cat "$RUN/.$l.sent" 2>/dev/null || echo 0)
		[ "$size" != "$sent" ] || continue
		todo="$todo $l:$size:$sent"
	done
	[ -n "$todo" ] || return 0
	mount -o remount,rw "$STICK" 2>/dev/null || return 1
	rc=0
	mkdir -p "$STICK/state" || rc=1
	for t in $todo; do
		l=${t%%:*} t=${t#*:}
		size=${t%%:*} sent=${t#*:}
		on=-1
		[ ! -f "$STICK/state/$l" ] || on=$(wc -c <"$STICK/state/$l")
		if [ "$size" -lt "$sent" ] || [ "$on" -lt 0 ] ||
			[ $((on + size - sent)) -gt "$STICK_LOG_MAX_BYTES" ]; then
			head -c "$size" "$RUN/$l" | tail -c "$STATE_MAX_BYTES" >"$RUN/.$l.cut" &&
				state_put "$RUN/.$l.cut" "$l" || rc=1
			rm -f "$RUN/.$l.cut"
		else
			head -c "$size" "$RUN/$l" | tail -c $((size - sent)) >>"$STICK/state/$l" &&
				sync "$STICK/state/$l" || rc=1
		fi
		[ "$rc" != 0 ] || printf '%s\n' "$size" >"$RUN/.$l.sent"
	done
	sync
	mount -o remount,ro "$STICK" 2>/dev/null || rc=1
	return $rc
}

# state_put SRC NAME: SRC to the stick's state/NAME: write aside, fsync, rename.
state_put() {
	cp "$1" "$STICK/state/.$2.new" && sync "$STICK/state/.$2.new" &&
		mv -f "$STICK/state/.$2.new" "$STICK/state/$2"
}
