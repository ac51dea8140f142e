#!/bin/sh
# The ISO reader, side by side with plain files (issue: "Measure"):
#   - streaming a 1 GiB file out of an ISO with `pxestick iso cat` vs `cat`
#     of the same file extracted, to /dev/null and through a pipe
#     (MB/s, best of RUNS, warm page cache) and their ratio (target >= 0.95);
#   - peak RSS of `pxestick iso cat` (target <= 2 MiB);
#   - lookup of one name in a 10,000-entry directory and of the deepest path
#     (a 100-level tree), next to `iso info` (open + index, no lookup).
# Inputs live in $BUILD/bench/iso (about 2.1 GiB; made once, reused; remove
# the directory to make them anew).
set -eu
BUILD=${BUILD:-build}
PXESTICK=${PXESTICK:-$BUILD/pxestick}
RUNS=${RUNS:-3}
LOOKUPS=${LOOKUPS:-200}
DEPTH=100
dir=$BUILD/bench/iso
iso=$dir/bench.iso
big=$dir/extracted/big.bin

for tool in xorriso bsdtar /usr/bin/time python3; do
	command -v "$tool" > /dev/null ||
		{ echo "bench/iso: $tool is missing (make deps)" >&2; exit 1; }
done
[ -x "$PXESTICK" ] || { echo "bench/iso: $PXESTICK is missing (make)" >&2; exit 1; }

# --- inputs -----------------------------------------------------------------
if [ ! -e "$iso" ] || [ ! -e "$big" ]; then
	echo "bench/iso: making $iso (1 GiB of random data, 10,000 names, $DEPTH levels)" >&2
	rm -rf "$dir"
	mkdir -p "$dir/src/dir10k" "$dir/extracted"
	head -c 1073741824 /dev/urandom > "$dir/src/big.bin"
	python3 - "$dir/src" "$DEPTH" << 'EOF'
import os, sys
src, depth = sys.argv[1], int(sys.argv[2])
for i in range(10000):
    open(os.path.join(src, "dir10k", "name-%05d" % i), "w").close()
d = src
for i in range(1, depth + 1):
    d = os.path.join(d, "d%03d" % i)
    os.mkdir(d)
open(os.path.join(d, "leaf"), "w").write("deepest\n")
EOF
	xorriso -as mkisofs -iso-level 3 -full-iso9660-filenames -joliet -joliet-long \
		-rational-rock -volid BENCH -output "$iso.tmp" "$dir/src" > "$dir/xorriso.log" 2>&1 ||
		{ cat "$dir/xorriso.log" >&2; exit 1; }
	mv "$iso.tmp" "$iso"
	rm -rf "$dir/src"
	bsdtar -xf "$iso" -C "$dir/extracted" big.bin
fi
deep=$(python3 -c "print(''.join('/d%03d' % i for i in range(1, $DEPTH + 1)) + '/leaf')")
"$PXESTICK" iso cat "$iso" /big.bin | cmp - "$big" ||
	{ echo "bench/iso: pxestick iso cat gives other bytes than the extracted file" >&2; exit 1; }

now() { date +%s.%N; }

# best CMD: the shortest wall time of RUNS runs of `sh -c CMD` (after one
# warm-up run), in seconds.
best() {
	sh -c "$1"
	b=""
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		t0=$(now)
		sh -c "$1"
		t1=$(now)
		b=$(echo "$t0 $t1 $b" | awk '{ t = $2 - $1; if ($3 == "" || t < $3) print t; else print $3 }')
		i=$((i + 1))
	done
	echo "$b"
}

mbs() { awk -v t="$1" 'BEGIN { printf "%.0f", 1073741824 / t / 1e6 }'; }
# ratio T_CAT T_PXESTICK: pxestick's throughput over cat's.
ratio() { awk -v c="$1" -v p="$2" 'BEGIN { printf "%.2f", c / p }'; }

# --- throughput -------------------------------------------------------------
t_cat_null=$(best "cat '$big' > /dev/null")
t_px_null=$(best "'$PXESTICK' iso cat '$iso' /big.bin > /dev/null")
t_cat_pipe=$(best "cat '$big' | cat > /dev/null")
t_px_pipe=$(best "'$PXESTICK' iso cat '$iso' /big.bin | cat > /dev/null")

# --- peak RSS (KiB) ---------------------------------------------------------
# /usr/bin/time runs the command itself (no shell whose RSS would count).
rss() { tail -n 1 "$dir/rss.txt"; }
/usr/bin/time -f %M -o "$dir/rss.txt" "$PXESTICK" iso cat "$iso" /big.bin > /dev/null
rss_px_null=$(rss)
/usr/bin/time -f %M -o "$dir/rss.txt" "$PXESTICK" iso cat "$iso" /big.bin | cat > /dev/null
rss_px_pipe=$(rss)
/usr/bin/time -f %M -o "$dir/rss.txt" cat "$big" > /dev/null
rss_cat=$(rss)
/usr/bin/time -f %M -o "$dir/rss.txt" "$PXESTICK" iso info "$iso" > /dev/null
rss_info=$(rss)

# --- lookups: LOOKUPS runs each, mean wall time per run ----------------------
per_run() {
	"$PXESTICK" iso "$@" > /dev/null || { echo "bench/iso: pxestick iso $* failed" >&2; exit 1; }
	t0=$(now)
	i=0
	while [ "$i" -lt "$LOOKUPS" ]; do
		"$PXESTICK" iso "$@" > /dev/null
		i=$((i + 1))
	done
	t1=$(now)
	awk -v a="$t0" -v b="$t1" -v n="$LOOKUPS" 'BEGIN { printf "%.3f", (b - a) / n * 1000 }'
}
l_info=$(per_run info "$iso")
l_root=$(per_run ls "$iso" /big.bin)
l_10k=$(per_run ls "$iso" /dir10k/name-09999)
l_10k_first=$(per_run ls "$iso" /dir10k/name-00000)
l_deep=$(per_run ls "$iso" "$deep")
l_true=$(per_run --help) # process start alone

# --- table ------------------------------------------------------------------
target() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
	ok = (op == ">=") ? (v >= t) : (v <= t); print ok ? "meets" : "MISSES" }'; }
r_null=$(ratio "$t_cat_null" "$t_px_null")
r_pipe=$(ratio "$t_cat_pipe" "$t_px_pipe")
echo "pxestick iso: 1 GiB file, warm cache, best of $RUNS ($(nproc) CPUs, $(uname -r))"
printf '%-44s %10s %8s\n' "streaming (ratio: pxestick MB/s / cat MB/s)" "MB/s" "ratio"
printf '%-44s %10s\n' "cat extracted > /dev/null" "$(mbs "$t_cat_null")"
printf '%-44s %10s %8s  (sendfile to /dev/null moves no data)\n' \
	"pxestick iso cat > /dev/null" "$(mbs "$t_px_null")" "$r_null"
printf '%-44s %10s\n' "cat extracted | cat > /dev/null" "$(mbs "$t_cat_pipe")"
printf '%-44s %10s %8s  %s target >= 0.95\n' "pxestick iso cat | cat > /dev/null" \
	"$(mbs "$t_px_pipe")" "$r_pipe" "$(target "$r_pipe" ">=" 0.95)"
echo
printf '%-44s %10s\n' "peak RSS" "KiB"
printf '%-44s %10s\n' "cat extracted > /dev/null" "$rss_cat"
printf '%-44s %10s  %s target <= 2048\n' "pxestick iso cat > /dev/null" "$rss_px_null" \
	"$(target "$rss_px_null" "<=" 2048)"
printf '%-44s %10s\n' "pxestick iso cat | cat" "$rss_px_pipe"
printf '%-44s %10s\n' "pxestick iso info (open + index)" "$rss_info"
echo
printf '%-44s %10s\n' "one process, mean of $LOOKUPS runs" "ms"
printf '%-44s %10s\n' "pxestick --help (process start only)" "$l_true"
printf '%-44s %10s\n' "iso info (open + index, no lookup)" "$l_info"
printf '%-44s %10s\n' "iso ls /big.bin (one component)" "$l_root"
printf '%-44s %10s\n' "iso ls /dir10k/name-00000 (10,000 entries)" "$l_10k_first"
printf '%-44s %10s\n' "iso ls /dir10k/name-09999 (10,000 entries)" "$l_10k"
printf '%-44s %10s\n' "iso ls of the deepest path ($DEPTH levels)" "$l_deep"
echo "(the index is built when the image is opened, so a lookup costs the open"
echo " plus a hash probe per component: compare each ls with iso info)"
