#!/bin/sh
# `pxestick iso` against two independent readers, on every fixture image
# (tests/fixtures/mk-isos.sh) and on ISOs Debian ships:
#   - ls -R lists the same tree (paths, types, modes, sizes, mtimes,
#     symlink targets) as bsdtar (libarchive) and xorriso (libisofs) extract;
#   - cat of every file gives the bytes bsdtar extracts;
#   - extract gives the tree bsdtar and xorriso give (diff -r, readlink);
#   - info prints blkid's UUID and LABEL, and xorriso's El Torito entries;
#   - exit codes (0 ok, 1 not found, 2 bad image/usage), lookups through
#     symlinks, case rules of each name space;
#   - broken images (fixtures/iso/broken) are refused with exit 2 and a
#     message naming the image and sector, and nothing crashes, hangs or
#     trips ASan/UBSan/LSan (build/pxestick-asan runs the same commands).
# PXESTICK_BIG_TESTS=0 skips the 4.5 GiB multi-extent image.
# shellcheck source=tests/host/lib.sh
. tests/host/lib.sh
trap 'chmod -R u+w "$TMPD" 2> /dev/null; rm -rf "$TMPD"' EXIT INT TERM

ISO=$FIXTURES/iso
PATH=$PATH:/usr/sbin:/sbin # blkid
CMPPY=tests/fixtures/isocmp.py
cmpy() { python3 "$CMPPY" "$@"; }
ASAN_OPTIONS=detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}
UBSAN_OPTIONS=print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}
export ASAN_OPTIONS UBSAN_OPTIONS
PXESTICK_BIG_TESTS=${PXESTICK_BIG_TESTS:-1}
T=timeout
TO=60 # seconds: no single command may take longer (a hang is a failure)

for tool in bsdtar xorriso blkid python3 timeout; do
	command -v "$tool" > /dev/null || { not_ok "tool $tool is installed"; exit 1; }
done
for f in "$PXESTICK" "$PXESTICK_ASAN" "$ISO/archlike.iso" "$ISO/broken/expect.txt"; do
	[ -e "$f" ] || { not_ok "$f exists (make test builds it)"; exit 1; }
done

# sanitizer_clean FILE: no sanitizer report in FILE (stderr of a run).
sanitizer_clean() {
	! grep -q 'Sanitizer\|runtime error:' "$1"
}

# show FILE: a failure's details, as "# " lines.
show() { sed 's/^/# /' "$1" | head -n "${2:-20}"; }

# same NAME A B: ok when files A and B are equal, else show the diff.
same() {
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		not_ok "$1"
		diff "$2" "$3" > "$TMPD/diff.out" 2>&1
		show "$TMPD/diff.out" 30
	fi
}

# --- usage and help ---------------------------------------------------------
check_exit "pxestick --help exits 0" 0 "$PXESTICK" --help
check_exit "pxestick iso --help exits 0" 0 "$PXESTICK" iso --help
check_exit "pxestick iso ls --help exits 0" 0 "$PXESTICK" iso ls --help
check_exit "pxestick iso (no command) exits 2" 2 "$PXESTICK" iso
check_exit "pxestick iso bogus exits 2" 2 "$PXESTICK" iso bogus
check_exit "pxestick iso cat with no path exits 2" 2 "$PXESTICK" iso cat "$ISO/archlike.iso"
check_exit "pxestick iso info on a missing file exits 2" 2 "$PXESTICK" iso info "$TMPD/no-such.iso"
check_exit "pxestick iso info on a directory exits 2" 2 "$PXESTICK" iso info "$TMPD"

# blkid_same NAME IMAGE INFO: `iso info` output INFO shows blkid's UUID and
# LABEL (no UUID at all: "-").
blkid_same() {
	for tag in UUID LABEL; do
		want=$(blkid -p -o value -s "$tag" "$2")
		key=$(echo "$tag" | tr '[:upper:]' '[:lower:]')
		got=$(sed -n "s/^$key: \{1,\}//p" "$3")
		[ "$key" = uuid ] && [ "$got" = "-" ] && got=""
		if [ "$got" = "$want" ]; then
			ok "$1: info $key '$got' is blkid's"
		else
			not_ok "$1: info $key '$got' is blkid's '$want'"
		fi
	done
}

# --- every good image against bsdtar and xorriso ----------------------------
# good NAME IMAGE WALKOPTS XWALKOPTS [BSDSKIP BSDSKIPNAME]
#   WALKOPTS     isocmp options for comparing with bsdtar's tree
#   XWALKOPTS    the same for xorriso's
#   BSDSKIP      a grep -v pattern of lines where bsdtar is known to be
#                wrong (each one is still compared with xorriso)
#   BSDSKIPNAME  the same entry's base name, for diff -r -x
good() {
	name=$1 img=$2 wopts=$3 xopts=$4 bsdskip=${5:-^$} bsdskipname=${6:-/}
	d=$TMPD/$name
	mkdir -p "$d"
	start=$(date +%s)

	# The references.
	mkdir "$d/bsdtar" "$d/xorriso"
	if ! bsdtar -xf "$img" -C "$d/bsdtar" > "$d/bsdtar.err" 2>&1; then
		not_ok "$name: bsdtar extracts it (the reference)"
		show "$d/bsdtar.err"
		return
	fi
	if ! xorriso -osirrox on -indev "$img" -extract / "$d/xorriso" > "$d/xorriso.err" 2>&1; then
		not_ok "$name: xorriso extracts it (the reference)"
		show "$d/xorriso.err"
		return
	fi
	# xorriso leaves rr_moved in place; bsdtar and pxestick hide it.
	rm -rf "$d/xorriso/rr_moved"
	# shellcheck disable=SC2086 # the options are words
	cmpy walk "$d/bsdtar" $wopts | grep -v -- "$bsdskip" > "$d/bsdtar.tree"
	# shellcheck disable=SC2086 # the options are words
	cmpy walk "$d/xorriso" $xopts > "$d/xorriso.tree"

	# ls -R
	if $T $TO "$PXESTICK" iso ls -R "$img" > "$d/ls" 2> "$d/ls.err" && [ ! -s "$d/ls.err" ]; then
		ok "$name: ls -R exits 0, quietly"
	else
		not_ok "$name: ls -R exits 0, quietly"
		show "$d/ls.err"
	fi
	# shellcheck disable=SC2086 # the options are words
	cmpy ls "$d/ls" $wopts | grep -v -- "$bsdskip" > "$d/ls.tree"
	# shellcheck disable=SC2086 # the options are words
	cmpy ls "$d/ls" $xopts > "$d/ls.xtree"
	same "$name: ls -R lists bsdtar's tree (paths, types, modes, sizes, mtimes, targets)" \
		"$d/bsdtar.tree" "$d/ls.tree"
	same "$name: ls -R lists xorriso's tree" "$d/xorriso.tree" "$d/ls.xtree"

	# cat, every file, against bsdtar's bytes
	if $T 600 python3 "$CMPPY" cat "$d/bsdtar" "$PXESTICK" iso cat "$img" > "$d/cat.out" 2>&1; then
		ok "$name: cat of every file equals bsdtar's ($(sed -n 's/^# cat: \([0-9]*\) files.*/\1/p' "$d/cat.out") files)"
	else
		not_ok "$name: cat of every file equals bsdtar's"
		show "$d/cat.out"
	fi

	# extract
	if $T $TO "$PXESTICK" iso extract "$img" "$d/px" > "$d/px.err" 2>&1 && [ ! -s "$d/px.err" ]; then
		ok "$name: extract exits 0, quietly"
	else
		not_ok "$name: extract exits 0, quietly"
		show "$d/px.err"
	fi
	if diff -r --no-dereference -x "$bsdskipname" "$d/bsdtar" "$d/px" > "$d/diffr.out" 2>&1; then
		ok "$name: extract: diff -r (contents, symlink targets) against bsdtar's tree"
	else
		not_ok "$name: extract: diff -r (contents, symlink targets) against bsdtar's tree"
		show "$d/diffr.out"
	fi
	# Metadata and content hashes; extract drops set-id bits on purpose.
	# shellcheck disable=SC2086 # the options are words
	cmpy walk "$d/bsdtar" --hash --perm-mask 0777 $wopts | grep -v -- "$bsdskip" > "$d/bsdtar.htree"
	# shellcheck disable=SC2086 # the options are words
	cmpy walk "$d/px" --hash --perm-mask 0777 $wopts | grep -v -- "$bsdskip" > "$d/px.htree"
	same "$name: extract gives bsdtar's tree (modes, mtimes, sha256)" "$d/bsdtar.htree" "$d/px.htree"
	# shellcheck disable=SC2086 # the options are words
	cmpy walk "$d/xorriso" --hash --perm-mask 0777 $xopts > "$d/xorriso.htree"
	# shellcheck disable=SC2086 # the options are words
	cmpy walk "$d/px" --hash --perm-mask 0777 $xopts > "$d/px.xhtree"
	same "$name: extract gives xorriso's tree (sha256)" "$d/xorriso.htree" "$d/px.xhtree"

	# info against blkid
	"$PXESTICK" iso info "$img" > "$d/info" 2> "$d/info.err"
	blkid_same "$name" "$img" "$d/info"
	# El Torito entries against xorriso's report: "N PLATFORM BOOTABLE EMUL LOAD LBA"
	xorriso -indev "$img" -report_el_torito plain 2> /dev/null |
		sed -n 's/^El Torito boot img : *//p' |
		awk '{ print $1, $2, $3, $4, $7, $8 }' > "$d/boot.want"
	sed -n 's/^  boot \([0-9]*\): platform \(.*\) (0x[0-9a-f]*), emulation \(.*\), load \([0-9]*\) sectors at block \([0-9]*\)\(, bootable\)\{0,1\}$/\1|\2|\6|\3|\4|\5/p' "$d/info" |
		awk -F'|' '{ p = $2 == "x86 BIOS" ? "BIOS" : $2; print $1, p, ($3 == "" ? "n" : "y"), $4, $5, $6 }' > "$d/boot.got"
	same "$name: info lists xorriso's El Torito entries ($(wc -l < "$d/boot.want"))" "$d/boot.want" "$d/boot.got"

	# The same under ASan/UBSan/LSan: same output, no report.
	asan_ok=1
	: > "$d/asan.err"
	$T $TO "$PXESTICK_ASAN" iso ls -R "$img" > "$d/ls.asan" 2>> "$d/asan.err" || asan_ok=0
	cmp -s "$d/ls" "$d/ls.asan" || { asan_ok=0; echo "ls -R output differs" >> "$d/asan.err"; }
	$T $TO "$PXESTICK_ASAN" iso info "$img" > "$d/info.asan" 2>> "$d/asan.err" || asan_ok=0
	cmp -s "$d/info" "$d/info.asan" || { asan_ok=0; echo "info output differs" >> "$d/asan.err"; }
	$T $TO "$PXESTICK_ASAN" iso extract "$img" "$d/pxa" 2>> "$d/asan.err" || asan_ok=0
	# shellcheck disable=SC2086 # the options are words
	cmpy walk "$d/pxa" --hash --perm-mask 0777 $wopts | grep -v -- "$bsdskip" > "$d/pxa.htree"
	cmp -s "$d/px.htree" "$d/pxa.htree" || { asan_ok=0; echo "extracted tree differs" >> "$d/asan.err"; }
	$T 600 python3 "$CMPPY" cat "$d/bsdtar" --every 25 "$PXESTICK_ASAN" iso cat "$img" >> "$d/asan.err" 2>&1 || asan_ok=0
	sanitizer_clean "$d/asan.err" || asan_ok=0
	if [ "$asan_ok" = 1 ]; then
		ok "$name: ls, info, extract, cat under ASan/UBSan: same results, no report"
	else
		not_ok "$name: ls, info, extract, cat under ASan/UBSan: same results, no report"
		grep -v '^# cat: ' "$d/asan.err" | show /dev/stdin 30
	fi
	echo "# $name: $(($(date +%s) - start)) s"
	# Keep the bsdtar tree of archlike for the lookup checks below.
	[ "$name" = archlike ] || { chmod -R u+w "$d"; rm -rf "$d"; }
}

# Symlinks have no mode on Linux and xorriso does not restore their mtimes.
# libarchive 3.6.2 drops one '/' of a symlink target that Rock Ridge splits
# across SL entries in a CE area (/t/links/long-target), so that one is
# checked against xorriso only.
LONGLINK='/t/links/long-target -> '
good archlike "$ISO/archlike.iso" "" "--no-link-mtime" "$LONGLINK" long-target
# genisoimage writes UTC offset 0xa0 (-24 h, invalid) into the record dates
# of files after 2038; pxestick and bsdtar ignore it, xorriso applies it.
good genisoimage "$ISO/genisoimage.iso" "" "--no-mtime" "$LONGLINK" long-target
# Without Rock Ridge, modes are each reader's invention (pxestick 0444/0555,
# bsdtar 0400/0700, xorriso 0555): compare everything else.
good plain "$ISO/plain.iso" "--perm-mask 0" "--perm-mask 0"
good joliet-only "$ISO/joliet-only.iso" "--perm-mask 0" "--perm-mask 0"
good multiextent-adjacent "$ISO/multiextent-adjacent.iso" "--perm-mask 0" "--perm-mask 0"
good utf8-label "$ISO/utf8-label.iso" "" ""
"$PXESTICK" iso info "$ISO/nul-dates.iso" > "$TMPD/nul.info" 2>&1
blkid_same nul-dates "$ISO/nul-dates.iso" "$TMPD/nul.info"
for deb in /usr/lib/ipxe/ipxe.iso /usr/lib/grub-rescue/grub-rescue-cdrom.iso; do
	if [ -e "$deb" ]; then
		good "$(basename "$deb" .iso)" "$deb" "" "--no-link-mtime"
	else
		not_ok "$deb exists (packages ipxe, grub-rescue-pc: make deps)"
	fi
done

# File sections need not be adjacent (ECMA-119 6.5.1); libarchive reads in
# one pass and cannot go back, so only xorriso is the reference here.
img=$ISO/multiextent-gap.iso
"$PXESTICK" iso ls -R "$ISO/plain.iso" > "$TMPD/plain.ls" 2>&1
"$PXESTICK" iso ls -R "$img" > "$TMPD/gap.ls" 2>&1
same "multiextent-gap: ls -R lists plain.iso's tree (one file of two sections)" \
	"$TMPD/plain.ls" "$TMPD/gap.ls"
xorriso -osirrox on -indev "$img" -extract /DATA/FILE2.BIN "$TMPD/gap.want" > /dev/null 2>&1
# cat_is NAME IMAGE PATH REFFILE: cat exits 0 with REFFILE's bytes.
cat_is() {
	if "$PXESTICK" iso cat "$2" "$3" > "$TMPD/cat.out" 2> "$TMPD/cat.err" &&
		cmp -s "$TMPD/cat.out" "$4"; then
		ok "$1"
	else
		not_ok "$1"
		show "$TMPD/cat.err"
	fi
}
cat_is "multiextent-gap: cat of a file whose first section lies after its second equals xorriso's" \
	"$img" /DATA/FILE2.BIN "$TMPD/gap.want"
"$PXESTICK_ASAN" iso cat "$img" /DATA/FILE2.BIN > "$TMPD/gap.asan" 2> "$TMPD/gap.asan.err"
if cmp -s "$TMPD/gap.asan" "$TMPD/gap.want" && sanitizer_clean "$TMPD/gap.asan.err"; then
	ok "multiextent-gap: the same under ASan/UBSan"
else
	not_ok "multiextent-gap: the same under ASan/UBSan"
	show "$TMPD/gap.asan.err"
fi

# --- lookups, exit codes, name rules ----------------------------------------
A=$ISO/archlike.iso
REF=$TMPD/archlike/bsdtar
# fails NAME CODE CMD...: exit CODE, a message on stderr naming the image.
fails() {
	name=$1 want=$2
	shift 2
	"$@" > "$TMPD/f.out" 2> "$TMPD/f.err"
	got=$?
	if [ "$got" -eq "$want" ] && [ ! -s "$TMPD/f.out" ] && grep -q "archlike.iso" "$TMPD/f.err"; then
		ok "$name"
	else
		not_ok "$name (exit $got, want $want; stdout $(wc -c < "$TMPD/f.out") bytes)"
		show "$TMPD/f.err"
	fi
}
cat_is "cat follows a relative symlink" "$A" /t/links/rel "$REF/t/sizes/size-1"
cat_is "cat follows an absolute symlink (inside the image)" "$A" /t/links/abs "$REF/arch/version"
cat_is "cat follows a chain of 3 symlinks" "$A" /t/links/chain1 "$REF/t/sizes/size-2049"
cat_is "cat through a symlinked directory" "$A" /t/links/dirlink/size-2048 "$REF/t/sizes/size-2048"
cat_is "cat through an absolute symlinked directory" "$A" /t/links/abs-dir/vmlinuz-linux "$REF/arch/boot/x86_64/vmlinuz-linux"
cat_is "cat follows a symlink with ./ and // in it" "$A" /t/links/messy "$REF/t/sizes/size-2048"
cat_is "cat of a symlink to an empty file" "$A" /t/links/to-empty "$REF/t/empty-file"
cat_is "cat resolves . and .. and repeated slashes" "$A" "//t/./sizes/../names///noext" "$REF/t/names/noext"
cat_is "cat: .. at the root stays at the root" "$A" /../../arch/version "$REF/arch/version"
cat_is "cat through the deepest symlink (up 3 levels)" "$A" \
	/t/deep/level01/level02/level03/level04/level05/level06/level07/level08/level09/level10/level11/level12/level13/level14/level15/level16/level17/level18/level19/level20/level21/level22/level23/level24/up/at-21.txt \
	"$REF/t/deep/level01/level02/level03/level04/level05/level06/level07/level08/level09/level10/level11/level12/level13/level14/level15/level16/level17/level18/level19/level20/level21/at-21.txt"
cat_is "cat of a 255-byte name" "$A" "/t/names/$(printf 'n%.0s' $(seq 255))" "$REF/t/names/$(printf 'n%.0s' $(seq 255))"
fails "cat of a missing path exits 1" 1 "$PXESTICK" iso cat "$A" /no/such/file
fails "ls of a missing path exits 1" 1 "$PXESTICK" iso ls "$A" /no/such
fails "cat below a regular file exits 1" 1 "$PXESTICK" iso cat "$A" /arch/version/x
fails "cat of a dangling symlink exits 1" 1 "$PXESTICK" iso cat "$A" /t/links/dangling
fails "cat of a symlink loop exits 2 (too many symlinks)" 2 "$PXESTICK" iso cat "$A" /t/links/loop1
fails "cat of a self-referencing symlink exits 2" 2 "$PXESTICK" iso cat "$A" /t/links/self
fails "cat of a directory exits 2" 2 "$PXESTICK" iso cat "$A" /arch
fails "Rock Ridge names are case-sensitive (/ARCH/VERSION not found)" 1 "$PXESTICK" iso cat "$A" /ARCH/VERSION
if "$PXESTICK" iso ls "$A" /t/links/rel > "$TMPD/l.out" 2>&1 &&
	grep -q '^l.* /t/links/rel -> \.\./sizes/size-1$' "$TMPD/l.out"; then
	ok "ls of a symlink shows the link, not its target"
else
	not_ok "ls of a symlink shows the link, not its target"
	show "$TMPD/l.out"
fi
if "$PXESTICK" iso ls "$A" /t/names > "$TMPD/l.out" 2>&1 &&
	grep -q ' /t/names/back\\x5cslash$' "$TMPD/l.out" && grep -q ' /t/names/tab\\x09here$' "$TMPD/l.out"; then
	ok "ls escapes backslash and control bytes as \\xHH"
else
	not_ok "ls escapes backslash and control bytes as \\xHH"
	show "$TMPD/l.out"
fi
if "$PXESTICK" iso cat "$A" /t/sizes/size-65537 > /dev/full 2> "$TMPD/full.err"; then
	not_ok "cat to a full device fails"
else
	rc=$?
	if [ "$rc" -eq 2 ] && [ -s "$TMPD/full.err" ]; then
		ok "cat to a full device exits 2 with a message"
	else
		not_ok "cat to a full device exits 2 with a message (exit $rc)"
		show "$TMPD/full.err"
	fi
fi
mkdir "$TMPD/again"
"$PXESTICK" iso extract "$ISO/plain.iso" "$TMPD/again" > /dev/null 2>&1
check_exit "extract over an existing tree refuses to overwrite (exit 2)" 2 \
	"$PXESTICK" iso extract "$ISO/plain.iso" "$TMPD/again"

P=$ISO/plain.iso
"$PXESTICK" iso cat "$P" /README.TXT > "$TMPD/readme" 2> /dev/null
cat_is "plain: lookup is case-insensitive (/readme.txt)" "$P" /readme.txt "$TMPD/readme"
if "$PXESTICK" iso ls "$P" / 2> /dev/null | grep -q ' /NOEXT$'; then
	ok "plain: a name without extension is listed without its trailing dot"
else
	not_ok "plain: a name without extension is listed without its trailing dot"
fi
J=$ISO/joliet-only.iso
check_exit "joliet: names are case-sensitive (/read me.txt not found)" 1 "$PXESTICK" iso cat "$J" "/read me.txt"
check_exit "joliet: a name with spaces (/Read Me.txt)" 0 "$PXESTICK" iso cat "$J" "/Read Me.txt"

G=$ISO/genisoimage.iso
"$PXESTICK" iso ls -R "$G" > "$TMPD/g.ls" 2>&1
deep=/t/deep/level01/level02/level03/level04/level05/level06/level07/level08/level09/level10/level11/level12/level13/level14/level15/level16/level17/level18/level19/level20/level21/level22/level23/level24
if ! grep -qi ' /rr_moved' "$TMPD/g.ls" && grep -q " $deep/leaf.bin\$" "$TMPD/g.ls"; then
	ok "genisoimage: relocated directories (CL/RE) appear in place, rr_moved is hidden"
else
	not_ok "genisoimage: relocated directories (CL/RE) appear in place, rr_moved is hidden"
	grep -i 'rr_moved\|leaf.bin' "$TMPD/g.ls" | show /dev/stdin
fi
check_exit "genisoimage: cat of the deepest (relocated) file" 0 "$PXESTICK" iso cat "$G" "$deep/leaf.bin"
check_exit "genisoimage: .. from a relocated directory is its real parent" 0 \
	"$PXESTICK" iso cat "$G" "$deep/../at-23.txt"

# --- broken images ----------------------------------------------------------
B=$ISO/broken
while read -r bname class what; do
	img=$B/$bname.iso
	bd=$TMPD/broken-$bname
	mkdir -p "$bd/x"
	# musl: refused (or survived), never crashed or hung
	codes=""
	for cmd in info "ls -R" "cat /shellx64.efi" extract; do
		case $cmd in
		extract) set -- extract "$img" "$bd/x/in" ;;
		"cat /shellx64.efi") set -- cat "$img" /shellx64.efi ;;
		"ls -R") set -- ls -R "$img" ;;
		*) set -- info "$img" ;;
		esac
		$T $TO "$PXESTICK" iso "$@" > /dev/null 2> "$bd/err"
		codes="$codes $?"
		[ "$cmd" = info ] && cp "$bd/err" "$bd/info.err"
	done
	find "$bd/x" -mindepth 1 -maxdepth 1 ! -name in > "$bd/outside"
	if [ ! -s "$bd/outside" ]; then
		ok "broken $bname: extract writes nothing outside its directory"
	else
		not_ok "broken $bname: extract writes nothing outside its directory"
		show "$bd/outside"
	fi
	case $class in
	fail*)
		if [ "$codes" = " 2 2 2 2" ]; then
			ok "broken $bname ($what): refused with exit 2"
		else
			not_ok "broken $bname ($what): refused with exit 2 (info, ls, cat, extract exit$codes)"
			show "$bd/info.err"
		fi
		pat="$img"
		[ "$class" = fail ] && pat="$img: sector [0-9]"
		if grep -q "$pat" "$bd/info.err" && [ "$(wc -l < "$bd/info.err")" -eq 1 ]; then
			ok "broken $bname: one-line message names the image${pat#"$img"}"
		else
			not_ok "broken $bname: one-line message names the image${pat#"$img"}"
			show "$bd/info.err"
		fi
		;;
	survive)
		bad=$(echo "$codes" | tr ' ' '\n' | grep -v '^$' | grep -v '^[02]$' || true)
		if [ -z "$bad" ]; then
			ok "broken $bname ($what): survived (exit$codes)"
		else
			not_ok "broken $bname ($what): survived, exit 0 or 2 (got$codes)"
			show "$bd/err"
		fi
		;;
	esac
	# ASan/UBSan/LSan: the same commands, no report
	: > "$bd/asan.err"
	asan_ok=1
	for cmd in info ls cat extract; do
		case $cmd in
		extract) set -- extract "$img" "$bd/xa" ;;
		cat) set -- cat "$img" /shellx64.efi ;;
		ls) set -- ls -R "$img" ;;
		*) set -- info "$img" ;;
		esac
		$T $TO "$PXESTICK_ASAN" iso "$@" > /dev/null 2>> "$bd/asan.err"
		rc=$?
		case $rc in 0 | 1 | 2) ;; *) asan_ok=0; echo "$cmd: exit $rc" >> "$bd/asan.err" ;; esac
	done
	sanitizer_clean "$bd/asan.err" || asan_ok=0
	if [ "$asan_ok" = 1 ]; then
		ok "broken $bname: no ASan/UBSan/LSan report, no crash or hang"
	else
		not_ok "broken $bname: no ASan/UBSan/LSan report, no crash or hang"
		show "$bd/asan.err" 30
	fi
	chmod -R u+w "$bd" 2> /dev/null
	rm -rf "$bd"
done < "$B/expect.txt"

# --- the multi-extent file over 4 GiB ---------------------------------------
if [ "$PXESTICK_BIG_TESTS" = 0 ]; then
	echo "# big.iso skipped (PXESTICK_BIG_TESTS=0)"
elif [ ! -e "$ISO/big.iso" ]; then
	not_ok "big.iso exists (tests/fixtures/mk-isos.sh; PXESTICK_BIG_TESTS=0 skips it)"
else
	start=$(date +%s)
	big=$ISO/big.iso src=$ISO/big-src
	size=$(stat -c %s "$src/big.bin")
	if "$PXESTICK" iso ls "$big" /big.bin 2>&1 | grep -q "^-r--r--r-- *$size .* /big.bin\$"; then
		ok "big: ls shows the 4.5 GiB multi-extent file as one file of $size bytes"
	else
		not_ok "big: ls shows the 4.5 GiB multi-extent file as one file of $size bytes"
		"$PXESTICK" iso ls -R "$big" 2>&1 | show /dev/stdin
	fi
	if $T 600 "$PXESTICK" iso cat "$big" /big.bin 2> "$TMPD/big.err" | cmp - "$src/big.bin" > "$TMPD/big.cmp" 2>&1; then
		ok "big: cat of the 4.5 GiB file equals its source (every extent, in order)"
	else
		not_ok "big: cat of the 4.5 GiB file equals its source"
		show "$TMPD/big.cmp"
		show "$TMPD/big.err"
	fi
	if $T 600 bsdtar -xOf "$big" big.bin | cmp - "$src/big.bin" > "$TMPD/big.cmp" 2>&1; then
		ok "big: bsdtar agrees (reference check)"
	else
		not_ok "big: bsdtar agrees (reference check)"
		show "$TMPD/big.cmp"
	fi
	cat_is "big: cat of the file after the multi-extent file" "$big" /zz-after.txt "$src/zz-after.txt"
	cat_is "big: cat of the file before it" "$big" /before.txt "$src/before.txt"
	$T $TO "$PXESTICK_ASAN" iso ls -R "$big" > /dev/null 2> "$TMPD/biga.err"
	rc=$?
	$T 600 "$PXESTICK_ASAN" iso cat "$big" /big.bin 2>> "$TMPD/biga.err" | tail -c 8192 > "$TMPD/big.tail"
	tail -c 8192 "$src/big.bin" > "$TMPD/big.want"
	if [ "$rc" -eq 0 ] && sanitizer_clean "$TMPD/biga.err" && cmp -s "$TMPD/big.tail" "$TMPD/big.want"; then
		ok "big: ls and cat under ASan/UBSan"
	else
		not_ok "big: ls and cat under ASan/UBSan"
		show "$TMPD/biga.err"
	fi
	echo "# big: $(($(date +%s) - start)) s"
fi

host_done
