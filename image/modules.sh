#!/bin/sh
# image/modules.sh - copy the modules named by a manifest, with everything
# they depend on, into a root tree, and make modprobe work there.
#
#   sh image/modules.sh KERNELTREE KVER MANIFEST DESTROOT
#
# KERNELTREE/lib/modules/KVER must carry modules.dep (image/kernel.sh runs
# depmod).  Dependencies are taken from modules.dep (which lists the whole
# closure of each module) and from modules.softdep (pre:/post: modules such
# as crc32c).  DESTROOT/lib/modules/KVER gets the modules at their usual
# paths and a fresh depmod (text files only: busybox modprobe reads
# modules.dep and modules.alias, not the .bin indexes).  The list of
# modules picked is written to DESTROOT/lib/modules/KVER/modules.picked.
set -eu

die() { printf 'modules: error: %s\n' "$*" >&2; exit 1; }

[ $# -eq 4 ] || die "usage: modules.sh KERNELTREE KVER MANIFEST DESTROOT"
src=$1/lib/modules/$2
kver=$2
manifest=$3
dst=$4/lib/modules/$kver
[ -f "$src/modules.dep" ] || die "$src/modules.dep missing (run image/kernel.sh)"
[ -r "$manifest" ] || die "$manifest not found"

rm -rf "$dst"
mkdir -p "$dst"

# One awk pass: resolve the manifest against modules.dep and modules.softdep,
# print the sorted closure as paths relative to $src.
awk -v manifest="$manifest" -v softdep="$src/modules.softdep" '
function norm(s) { gsub(/-/, "_", s); return s }
function modname(path,   n) { n = path; sub(/.*\//, "", n); sub(/\.ko(\.[a-z]+)?$/, "", n); return norm(n) }
function add(path,   i, n, d, s) {
	if (path in picked) return
	picked[path] = 1
	n = split(deps[path], d, " ")
	for (i = 1; i <= n; i++) add(d[i])
	n = split(soft[modname(path)], s, " ")
	for (i = 1; i <= n; i++) if (s[i] in bynm) add(bynm[s[i]])
}
FILENAME != manifest && FILENAME != softdep {        # modules.dep
	p = $1; sub(/:$/, "", p)
	deps[p] = ""
	for (i = 2; i <= NF; i++) deps[p] = deps[p] " " $i
	bynm[modname(p)] = p
	all[++nall] = p
	next
}
FILENAME == softdep {
	if ($1 != "softdep") next
	for (i = 3; i <= NF; i++) if ($i != "pre:" && $i != "post:") soft[norm($2)] = soft[norm($2)] " " norm($i)
	next
}
{                                                   # the manifest
	sub(/#.*/, "")
	if (NF == 0) next
	if (NF != 2) { printf "%s:%d: expected \"dir PATH\", \"mod NAME\" or \"opt NAME\"\n", FILENAME, FNR > "/dev/stderr"; bad = 1; next }
	if ($1 == "dir") {
		pre = "kernel/" $2 "/"; found = 0
		for (i = 1; i <= nall; i++) if (index(all[i], pre) == 1) { add(all[i]); found = 1 }
		if (!found) { printf "%s:%d: no module below %s\n", FILENAME, FNR, pre > "/dev/stderr"; bad = 1 }
	} else if ($1 == "mod" || $1 == "opt") {
		if (norm($2) in bynm) add(bynm[norm($2)])
		else if ($1 == "mod") { printf "%s:%d: no module %s in this kernel\n", FILENAME, FNR, $2 > "/dev/stderr"; bad = 1 }
	} else { printf "%s:%d: unknown word %s\n", FILENAME, FNR, $1 > "/dev/stderr"; bad = 1 }
}
END {
	if (bad) exit 1
	for (p in picked) print p
}' "$src/modules.dep" "$src/modules.softdep" "$manifest" | LC_ALL=C sort >"$dst/modules.picked" ||
	die "resolving $manifest failed"

[ -s "$dst/modules.picked" ] || die "no module picked"
while read -r rel; do
	mkdir -p "$dst/${rel%/*}"
	case $rel in
	*.ko) cp "$src/$rel" "$dst/$rel" ;;
	*.ko.xz) xz -dc "$src/$rel" >"$dst/${rel%.xz}" ;;
	*.ko.zst) zstd -q -dc "$src/$rel" >"$dst/${rel%.zst}" ;;
	*) die "unexpected module file $rel" ;;
	esac
done <"$dst/modules.picked"
# Compressed modules were unpacked: the initramfs is compressed as a whole.
sed -i 's/\.ko\.\(xz\|zst\)$/.ko/' "$dst/modules.picked"
for f in modules.order modules.builtin modules.builtin.modinfo; do
	[ ! -f "$src/$f" ] || cp "$src/$f" "$dst/$f"
done
depmod -b "$4" "$kver"
rm -f "$dst"/*.bin
