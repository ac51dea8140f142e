#!/bin/sh
# Every generation of official Arch ISOs since 2019 (tests/fixtures/
# mk-generations.sh), served together by `pxestick serve` on loopback:
# each ISO is accepted, every kernel, initrd and memtest URL in boot.ipxe
# answers 200 with that file, and each command line holds exactly what
# that generation's hooks need -- nothing that would make them search for
# a local medium, check a GnuPG signature, or wait for a clock.
. tests/host/lib.sh
G=$FIXTURES/generations
PX=$PXESTICK
PORT=$((21000 + $$ % 9000))
GENS="v43 v43-bios v60 v65 v70 v74 v76 v80 v88 erofs"
mkdir -p "$TMPD/isos" "$TMPD/state"
for g in $GENS; do cp "$G/$g.iso" "$TMPD/isos/"; done
cp "$FIXTURES/keys/ed25519.pub" "$TMPD/keys.pub"
chmod -R a+rX "$TMPD"
chmod 777 "$TMPD/state"

start() { # LOG ARGS...: serve until 'serving'
	log=$1
	shift
	$PX serve --listen "${LISTEN:-127.0.0.1}" --http-port "$PORT" --https-port 0 \
		--tftp-port 0 --dhcp off --iso "$TMPD/isos" --state "$TMPD/state" "$@" > "$log" 2>&1 &
	pid=$!
	for _ in $(seq 1 200); do
		grep -q 'pxestick: serving' "$log" && return 0
		kill -0 $pid 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
stop() { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
trap 'stop; rm -rf "$TMPD"' EXIT INT TERM

URL=http://127.0.0.1:$PORT
if ! start "$TMPD/log" --keys "$TMPD/keys.pub"; then
	not_ok "generations: serve did not start"
	sed 's/^/# /' "$TMPD/log" | tail -n 20
	exit 1
fi
# The menu's order: the ISO files' names, byte by byte.
ORDER=$(for g in $GENS; do echo "$g.iso"; done | LC_ALL=C sort | sed 's/\.iso$//' | tr '\n' ' ')
check "generations: all $(echo $GENS | wc -w) ISOs verified and served, none refused" sh -c "
	grep -q 'serving.*ISOs: ${ORDER% };' '$TMPD/log' &&
	! grep -q 'ISO refused' '$TMPD/log'"
curl -s "$URL/boot.ipxe" > "$TMPD/probe.ipxe"
check "boot.ipxe: the first answer asks again with the client's RAM (SMBIOS where iPXE has no \${memsize})" \
	grep -q "^chain --autofree $URL/boot.ipxe?memsize=\${memsize}&dimm=\${smbios/0.17.12.2:hexraw}," "$TMPD/probe.ipxe"
check "boot.ipxe?memsize=&dimm=0040,0010: the menu knows 20480 MiB" sh -c "
	curl -s '$URL/boot.ipxe?memsize=&dimm=0040,0010,,&dimmx=' | grep -q '^item iso0-e0 .*  \[[0-9]* MiB RAM\]$'"
curl -s "$URL/boot.ipxe?memsize=8192" > "$TMPD/boot.ipxe"

# Every URL of the menu: its file, whole.
sed -n "s,^\(kernel\|initrd\|chain\) \($URL/iso/[^ ]*\).*,\2,p" "$TMPD/boot.ipxe" | sort -u \
	> "$TMPD/urls"
bad=0
while read -r u; do
	code=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$u")
	case $code in
	'200 '[1-9]*) ;;
	*) echo "# $u: $code"; bad=1 ;;
	esac
done < "$TMPD/urls"
check "boot.ipxe: every kernel, initrd and memtest URL answers 200 ($(wc -l < "$TMPD/urls") URLs)" \
	test "$bad" -eq 0 -a "$(wc -l < "$TMPD/urls")" -gt 30

# cmdline GEN ENTRY: the options of that menu entry's kernel line.
cmdline() {
	n=0
	for g in $ORDER; do
		[ "$g" = "$1" ] && break
		n=$((n + 1))
	done
	sed -n "/^:iso$n-e$2\$/,/^boot/p" "$TMPD/boot.ipxe" | sed -n 's/^kernel [^ ]* //p' |
		sed 's/ || goto failed$//'
}
want_tail="archiso_http_srv=URL/iso/GEN/ ip=dhcp BOOTIF=01-\${netX/mac:hexhyp} checksum=y cow_spacesize=1G systemd.wants=network-online.target script=URL/script.cfg"
for row in \
	"v43 initrd=intel_ucode.img initrd=amd_ucode.img initrd=archiso.img archisobasedir=arch" \
	"v43-bios initrd=intel_ucode.img initrd=amd_ucode.img initrd=archiso.img archisobasedir=arch" \
	"v60 initrd=intel-ucode.img initrd=amd-ucode.img initrd=initramfs-linux.img archisobasedir=arch" \
	"v65 initrd=intel-ucode.img initrd=amd-ucode.img initrd=initramfs-linux.img archisobasedir=arch" \
	"v70 initrd=intel-ucode.img initrd=amd-ucode.img initrd=initramfs-linux.img archisobasedir=arch" \
	"v74 initrd=intel-ucode.img initrd=amd-ucode.img initrd=initramfs-linux.img archisobasedir=arch" \
	"v76 initrd=intel-ucode.img initrd=amd-ucode.img initrd=initramfs-linux.img archisobasedir=arch" \
	"v80 initrd=initramfs-linux.img archisobasedir=arch" \
	"v88 initrd=initramfs-linux.img archisobasedir=arch" \
	"erofs initrd=initramfs-linux.img archisobasedir=arch"; do
	g=${row%% *}
	want="${row#* } $(echo "$want_tail" | sed "s,URL,$URL,g; s,GEN,$g,")"
	got=$(cmdline "$g" 0)
	if [ "$got" = "$want" ]; then
		ok "$g: the command line is exactly what its hooks need"
	else
		not_ok "$g: the command line"
		echo "# got:  $got"
		echo "# want: $want"
	fi
done

# Titles say what an entry does over HTTP; folded duplicates stay folded.
titles() {
	n=0
	for g in $ORDER; do
		[ "$g" = "$1" ] && break
		n=$((n + 1))
	done
	sed -n "s/^item iso$n-e[0-9]*   \(.*\)  \[.*/\1/p" "$TMPD/boot.ipxe" | tr '\n' '|'
}
check "v43-bios: relative syslinux paths resolved, the (HTTP)/(NBD) duplicates folded" \
	test "$(titles v43-bios)" = "Boot Arch Linux (x86_64)|"
check "v60: Copy to RAM boots as the plain entry over HTTP: folded" \
	test "$(titles v60)" = "Arch Linux install medium (x86_64)|Arch Linux install medium (x86_64) with speech|"
check "v65: GRUB era: BIOS, NBD, NFS and HTTP entries fold into two, '^' gone" \
	test "$(titles v65)" = "Arch Linux install medium (x86_64)|Arch Linux install medium (x86_64) with speech|"
check "v88: BLS entries, memtest (efi) not a Linux entry" \
	test "$(titles v88)" = "Arch Linux install medium (x86_64)|Arch Linux install medium (x86_64) with speech|"
check "boot.ipxe: Memtest86+ offered for every ISO that ships it (10)" \
	test "$(grep -c '^item iso[0-9]*-memtest ' "$TMPD/boot.ipxe")" -eq 10
check "boot.ipxe: no title names BIOS, UEFI, NBD, NFS or a hotkey" \
	sh -c "! grep '^item iso' '$TMPD/boot.ipxe' | grep -q -e '[(, ]BIOS' -e NBD -e NFS -e '(HTTP' -e '\\^'"
check "boot.ipxe: memtest boots its Linux image on BIOS, chains memtest.efi on UEFI" sh -c "
	grep -q 'kernel $URL/iso/v88/boot/memtest86%2B/memtest || goto failed' '$TMPD/boot.ipxe' &&
	grep -q 'chain $URL/iso/v88/boot/memtest86%2B/memtest.efi || goto failed' '$TMPD/boot.ipxe' &&
	grep -q 'kernel $URL/iso/v43/arch/boot/memtest || goto failed' '$TMPD/boot.ipxe'"
check "HTTP: .efi goes out as application/efi (UEFI HTTP Boot)" sh -c "
	curl -sI $URL/iso/v88/boot/memtest86%2B/memtest.efi | tr -d '\r' | grep -qix 'Content-Type: application/efi'"

# Too little RAM: the menu says so and the entry goes back to the menu.
curl -s "$URL/boot.ipxe?memsize=512" > "$TMPD/small.ipxe"
check "boot.ipxe?memsize=512: entries too big say what they need and what the machine has" \
	grep -q '^item iso0-e0   Arch Linux install medium (x86_64)  \[needs [0-9]* MiB RAM, this machine has 512\]' \
	"$TMPD/small.ipxe"
check "boot.ipxe?memsize=512: such an entry returns to the menu, and the menu waits" sh -c "
	sed -n '/^:iso0-e0\$/,/^goto menu/p' '$TMPD/small.ipxe' | grep -q 'this machine has 512 MiB' &&
	! sed -n '/^:iso0-e0\$/,/^goto menu/p' '$TMPD/small.ipxe' | grep -q '^kernel' &&
	grep -q '^choose --default ' '$TMPD/small.ipxe'"
stop

# verify = cms: cms_verify=y where the ISO has a CMS signature, nothing
# where not; without keys no script= at all.
if start "$TMPD/log2" --verify cms; then
	curl -s "$URL/boot.ipxe?memsize=8192" > "$TMPD/boot.ipxe"
	c70=$(cmdline v70 0)
	c60=$(cmdline v60 0)
	check "verify = cms: a signed ISO (v70) gets cms_verify=y" sh -c "echo '$c70' | grep -q ' cms_verify=y cow_spacesize=1G '"
	check "verify = cms: an unsigned one (v60) gets no check it cannot pass" sh -c "
		! echo '$c60' | grep -q -e cms_verify -e checksum -e ' verify'"
	check "no keys: no script= (old ISOs would run the 404 page)" sh -c "! grep -q 'script=' '$TMPD/boot.ipxe'"
else
	not_ok "generations: serve --verify cms did not start"
fi
stop

# listen = :: : IPv4 clients get IPv4 URLs, not [::ffff:a.b.c.d].
if LISTEN=:: start "$TMPD/log3" --keys "$TMPD/keys.pub"; then
	curl -s "$URL/boot.ipxe?memsize=8192" > "$TMPD/v6.ipxe"
	check "listen = ::: boot.ipxe names 127.0.0.1, not an IPv4-mapped address" sh -c "
		grep -q 'archiso_http_srv=$URL/iso/' '$TMPD/v6.ipxe' && ! grep -q 'ffff' '$TMPD/v6.ipxe'"
else
	not_ok "generations: serve --listen :: did not start"
	sed 's/^/# /' "$TMPD/log3" | tail -n 5
fi
stop
host_done
