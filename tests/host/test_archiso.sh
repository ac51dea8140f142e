#!/bin/sh
# `pxestick archiso` on archiso-shaped ISOs (tests/fixtures/mk-archiso.sh):
# entries, netboot options, boot.ipxe and airootfs verification, checked
# against the ISO's own files and sha512sum.
. tests/host/lib.sh
A=$FIXTURES/archiso
PX=$PXESTICK

# ---- entries ----
$PX archiso entries "$A/archiso.iso" > "$TMPD/e.out" 2> "$TMPD/e.err"
check_exit "entries: 2024-style ISO exits 0" 0 $PX archiso entries "$A/archiso.iso"
sed -n 's/^  \[[0-9]*\] //p' "$TMPD/e.out" > "$TMPD/titles"
printf '%s\n' "Arch Linux install medium (x86_64)" \
	"Arch Linux install medium (x86_64) with speech" > "$TMPD/titles.want"
check "entries: both Linux entries in sort-key order, titles without 'UEFI' (they boot over HTTP)" \
	cmp "$TMPD/titles" "$TMPD/titles.want"
check "entries: memtest (efi=) is skipped with a note" \
	grep -q '03-archiso-x86_64-memtest86+.conf: an EFI program, not a Linux entry: skipped' "$TMPD/e.err"
check "entries: checksum=y by default (no clock involved), not the ISO's cms_verify" sh -c "
	grep '^      netboot:' '$TMPD/e.out' | grep -q ' checksum=y ' &&
	! grep '^      netboot:' '$TMPD/e.out' | grep -q cms_verify"
$PX archiso entries --verify cms "$A/archiso.iso" > "$TMPD/ecms.out" 2>&1
check "entries: --verify cms gives a signed ISO cms_verify=y" \
	grep -q 'netboot: .* cms_verify=y cow_spacesize=1G ' "$TMPD/ecms.out"
check "entries: every command line wants network-online.target (archiso v87's script= waits for it)" \
	sh -c "! grep '^      netboot:' '$TMPD/e.out' | grep -v -q 'systemd.wants=network-online.target'"
check "entries: the client RAM each entry needs" grep -q '^      RAM:     [0-9]* MiB$' "$TMPD/e.out"
check "entries: archisosearchuuid is not passed to an HTTP boot" \
	sh -c "! grep '^      netboot:' '$TMPD/e.out' | grep -q archisosearchuuid"
check "entries: accessibility=on kept for the speech entry" \
	grep -q 'netboot: .*accessibility=on archiso_http_srv=http://SERVER/iso/archiso/ ip=dhcp' "$TMPD/e.out"

$PX archiso entries "$A/archiso-2021.iso" > "$TMPD/e21.out" 2>&1
check "entries: microcode initrds kept in order, each named for UEFI iPXE" \
	grep -q 'netboot: initrd=intel-ucode.img initrd=amd-ucode.img initrd=initramfs-linux.img archisobasedir=arch console=ttyS0,115200 archiso_http_srv=' "$TMPD/e21.out"
check "entries: archisolabel dropped, unsigned ISO has no cms_verify" \
	sh -c "grep '^      netboot:' '$TMPD/e21.out' | grep -v -q -e archisolabel -e cms_verify"

$PX archiso entries "$A/archiso-syslinux.iso" > "$TMPD/esl.out" 2>&1
check "entries: syslinux fallback finds both BIOS entries, titled for an HTTP boot" sh -c "
	grep -q '\[0\] Arch Linux install medium (x86_64)$' '$TMPD/esl.out' &&
	grep -q '\[1\] Arch Linux install medium (x86_64) with speech$' '$TMPD/esl.out'"
check "entries: the PXE HTTP duplicate is folded into the BIOS entry" \
	sh -c "[ \$(grep -c '^  \[' '$TMPD/esl.out') -eq 2 ]"
check_exit "entries: an ISO with no Arch entries exits 1" 1 $PX archiso entries "$A/not-arch.iso"
check_exit "entries: a missing file exits 2" 2 $PX archiso entries "$A/missing.iso"

# ---- verify ----
check_exit "verify: good ISO" 0 $PX archiso verify "$A/archiso.iso"
check_exit "verify: 2021 ISO with sha512 and sha256" 0 $PX archiso verify "$A/archiso-2021.iso"
$PX archiso verify "$A/archiso-corrupt.iso" > /dev/null 2> "$TMPD/v.err"
check "verify: corrupt airootfs is refused, naming the file" \
	grep -q 'archiso-corrupt.iso: FAILED: arch/x86_64/airootfs.sfs does not match airootfs.sha512' "$TMPD/v.err"
check_exit "verify: corrupt ISO exits 1" 1 $PX archiso verify "$A/archiso-corrupt.iso"
$PX archiso verify "$A/archiso-nosum.iso" > /dev/null 2> "$TMPD/v2.err"
check "verify: a missing checksum is an error, not a pass" \
	grep -q 'no arch/x86_64/airootfs.sha512 in the ISO' "$TMPD/v2.err"
check_exit "verify: several ISOs, one corrupt, exits 1" 1 \
	$PX archiso verify "$A/archiso.iso" "$A/archiso-corrupt.iso"

# sha512sum, on the file as bsdtar extracts it, must agree with our verdicts.
for iso in archiso archiso-corrupt; do
	mkdir -p "$TMPD/x-$iso"
	bsdtar -xf "$A/$iso.iso" -C "$TMPD/x-$iso" arch/x86_64
	if (cd "$TMPD/x-$iso/arch/x86_64" && sha512sum -c --status airootfs.sha512); then
		want=0
	else
		want=1
	fi
	check_exit "verify: agrees with sha512sum on $iso.iso" $want $PX archiso verify "$A/$iso.iso"
done

# ---- boot.ipxe ----
cp "$A/archiso.iso" "$TMPD/we\$(ird) name;.iso"
$PX archiso ipxe --server http://10.99.0.1:8080 --timeout 7 "$A/archiso.iso" \
	"$A/archiso-2021.iso" "$TMPD/we\$(ird) name;.iso" > "$TMPD/boot.ipxe" 2>"$TMPD/ipxe.err"
check "ipxe: starts with #!ipxe" sh -c "head -n 1 '$TMPD/boot.ipxe' | grep -qx '#!ipxe'"
check "ipxe: one item per entry of every ISO (5)" \
	sh -c "[ \$(grep -c '^item iso[0-9]*-e[0-9]* ' '$TMPD/boot.ipxe') -eq 5 ]"
check "ipxe: timeout and default from the options" \
	grep -q '^choose --timeout 7000 --default iso0-e0 target || goto menu$' "$TMPD/boot.ipxe"
check "ipxe: a hostile ISO file name becomes a safe NAME" \
	grep -q 'archiso_http_srv=http://10.99.0.1:8080/iso/we__ird__name_/ ' "$TMPD/boot.ipxe"
check "ipxe: every goto and choose target has its label" sh -c "
	for l in \$(sed -n 's/.*goto \([A-Za-z0-9_-]*\)\$/\1/p; /^item --gap/d; s/^item \(--key . \)\{0,1\}\([a-z0-9-]*\) .*/\2/p' '$TMPD/boot.ipxe' | sort -u); do
		grep -qx \":\$l\" '$TMPD/boot.ipxe' || { echo \"no label :\$l\"; exit 1; }
	done"
# The only expansions are iPXE's own settings that we wrote ourselves.
grep -o '\$[{][^}]*[}]' "$TMPD/boot.ipxe" | sort -u > "$TMPD/dollars"
printf '%s\n' '${errno}' '${netX/mac:hexhyp}' '${platform}' '${target}' > "$TMPD/dollars.want"
check "ipxe: no \$ in the script except iPXE's own settings" cmp "$TMPD/dollars" "$TMPD/dollars.want"
check "ipxe: no bare \$ outside \${...}" sh -c "! sed 's/[$][{][^}]*[}]//g' '$TMPD/boot.ipxe' | grep -q '[$]'"
# Every kernel and initrd URL must name a file that the ISO really has.
sed -n 's,^\(kernel\|initrd\|chain\) http://10.99.0.1:8080/iso/\([^/]*\)\(/[^ ]*\).*,\2 \3,p' \
	"$TMPD/boot.ipxe" | sort -u > "$TMPD/urls"
missing=0
while read -r name path; do
	case $name in
	archiso) iso=$A/archiso.iso ;;
	archiso-2021) iso=$A/archiso-2021.iso ;;
	*) iso=$TMPD/we\$\(ird\)\ name\;.iso ;;
	esac
	path=$(printf '%s' "$path" | sed 's/%2B/+/g')
	$PX iso cat "$iso" "$path" > /dev/null 2>&1 || { echo "# missing: $name $path"; missing=1; }
done < "$TMPD/urls"
check "ipxe: every kernel/initrd/memtest URL is a file of its ISO ($(wc -l < "$TMPD/urls") URLs)" test "$missing" -eq 0 -a -s "$TMPD/urls"
check_exit "ipxe: a server URL with a path is refused" 2 \
	$PX archiso ipxe --server 'http://10.0.0.1/x;reboot' "$A/archiso.iso"
check_exit "ipxe: --help exits 0" 0 $PX archiso ipxe --help
host_done
