#!/bin/sh
# `pxestick archiso verify` (BearSSL SHA-512 streamed out of the ISO)
# against `sha512sum` of the same airootfs.sfs extracted, in one run.
# Warm page cache, best of 3 each.  Target ratio (sha512sum time /
# pxestick time) >= 0.9.
set -eu
BUILD=${BUILD:-build}
PX=${PXESTICK:-$BUILD/pxestick}
SIZE_MIB=${BENCH_AIROOTFS_MIB:-1024}
dir=$BUILD/bench/archiso
iso=$dir/verify-$SIZE_MIB.iso
mkdir -p "$dir"
if [ ! -f "$iso" ]; then
	rm -rf "$dir/tree"
	mkdir -p "$dir/tree/arch/x86_64" "$dir/tree/arch/boot/x86_64" "$dir/tree/loader/entries"
	head -c $((SIZE_MIB * 1048576)) /dev/urandom > "$dir/tree/arch/x86_64/airootfs.sfs"
	(cd "$dir/tree/arch/x86_64" && sha512sum airootfs.sfs > airootfs.sha512)
	printf 'k\n' > "$dir/tree/arch/boot/x86_64/vmlinuz-linux"
	printf 'title Arch\nlinux /arch/boot/x86_64/vmlinuz-linux\noptions archisobasedir=arch\n' \
		> "$dir/tree/loader/entries/01.conf"
	xorriso -as mkisofs -quiet -iso-level 3 -rational-rock -o "$iso" "$dir/tree" 2>/dev/null
fi
sfs=$dir/tree/arch/x86_64/airootfs.sfs

# best_of CMD...: fastest wall time of 3 runs, in seconds.
best_of() {
	best=
	for _ in 1 2 3; do
		t0=$(date +%s.%N)
		"$@" > /dev/null
		t1=$(date +%s.%N)
		t=$(echo "$t1 - $t0" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" -eq 1 ]; then best=$t; fi
	done
	echo "$best"
}

cat "$iso" "$sfs" > /dev/null # warm the cache
px=$(best_of "$PX" archiso verify "$iso")
ref=$(best_of sha512sum "$sfs")
mib=$SIZE_MIB
printf '%-36s %8s %10s\n' "archiso verify, ${mib} MiB airootfs" "seconds" "MiB/s"
printf '%-36s %8.3f %10.0f\n' "pxestick archiso verify" "$px" "$(echo "$mib / $px" | bc -l)"
printf '%-36s %8.3f %10.0f\n' "sha512sum (extracted file)" "$ref" "$(echo "$mib / $ref" | bc -l)"
printf 'ratio (sha512sum time / pxestick time): %.2f (target >= 0.90)\n' "$(echo "$ref / $px" | bc -l)"
