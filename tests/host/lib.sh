# Shared helpers for host tests (sourced).  Every check prints exactly one
# "ok - NAME" or "not ok - NAME" line; details of a failure follow as
# "# ..." lines.
BUILD=${BUILD:-build}
PXESTICK=${PXESTICK:-$BUILD/pxestick}
PXESTICK_ASAN=${PXESTICK_ASAN:-$BUILD/pxestick-asan}
FIXTURES=$BUILD/fixtures
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/pxestick-test.XXXXXX")
trap 'rm -rf "$TMPD"' EXIT INT TERM
host_failures=0

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; host_failures=$((host_failures + 1)); }

# check NAME CMD...: ok when CMD exits 0.
check() {
	name=$1
	shift
	if "$@" > "$TMPD/check.out" 2>&1; then
		ok "$name"
	else
		not_ok "$name"
		sed 's/^/# /' "$TMPD/check.out" | head -n 20
	fi
}

# check_exit NAME CODE CMD...: ok when CMD exits with CODE.
check_exit() {
	name=$1
	want=$2
	shift 2
	"$@" > "$TMPD/check.out" 2>&1
	got=$?
	if [ "$got" -eq "$want" ]; then
		ok "$name"
	else
		not_ok "$name (exit $got, want $want)"
		sed 's/^/# /' "$TMPD/check.out" | head -n 20
	fi
}

# wait_serving LOG [SECONDS]: until a server writing LOG says it is
# serving (its lines carry a time, so the pattern is not anchored);
# 1 when it did not within SECONDS (default 20).
wait_serving() {
	ws_i=0
	until grep -q ' pxestick: serving' "$1" 2>/dev/null; do
		[ "$ws_i" -lt $((${2:-20} * 10)) ] || return 1
		sleep 0.1
		ws_i=$((ws_i + 1))
	done
}

host_done() { [ "$host_failures" -eq 0 ]; }

# gpt_part IMAGE NAME: "START SIZE" (sectors) of IMAGE's GPT partition named
# NAME, as sfdisk reads the table; nothing when there is none.  By name:
# on the appliance's disk the table's order is not the disk's (entry 1,
# PXESTICK, lies after entry 2, PXEBOOT).
gpt_part() {
	sfdisk -d "$1" 2>/dev/null |
		sed -n 's/^.* : start= *\([0-9]*\), size= *\([0-9]*\), .*name="'"$2"'".*/\1 \2/p'
}

# part_out IMAGE NAME OUT: the bytes of IMAGE's partition NAME into the file
# OUT (for fsck.fat, which takes no offset).  Sparse: the holes of a large
# sparse image are skipped, not read (dd reads 8 GiB of them in a minute).
part_out() {
	po=$(gpt_part "$1" "$2")
	[ -n "$po" ] || { echo "$1: no partition $2"; return 1; }
	python3 - "$1" "$3" $((${po% *} * 512)) $((${po#* } * 512)) <<'PY'
import os, sys
src, dst, start, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
i = os.open(src, os.O_RDONLY)
o = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.ftruncate(o, size)
pos, end = start, start + size
while pos < end:
    try:
        d = os.lseek(i, pos, os.SEEK_DATA)
    except OSError:  # ENXIO: nothing but a hole from pos on
        break
    if d >= end:
        break
    h = min(os.lseek(i, d, os.SEEK_HOLE), end)
    while d < h:
        b = os.pread(i, min(h - d, 1 << 22), d)
        if not b:
            sys.exit("short read at %d" % d)
        os.pwrite(o, b, d - start)
        d += len(b)
    pos = h
PY
}

# fat_clean FILE-OR-DEVICE: fsck.fat -n exits 0 and says nothing but its
# version and the summary line -- it exits 0 on what it calls "mostly
# harmless" too (a boot sector and its backup apart, a label mismatch).
fat_clean() {
	fsck.fat -n "$1" >"$TMPD/fsck.out" 2>&1
	fc_rc=$?
	cat "$TMPD/fsck.out"
	[ "$fc_rc" -eq 0 ] &&
		! grep -v '^fsck\.fat [0-9]\|: [0-9]* files, [0-9]*/[0-9]* clusters$' "$TMPD/fsck.out" | grep -q .
}
