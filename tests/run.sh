#!/bin/sh
# The one test entry (`make test`): unit tests for musl and under
# ASan+UBSan, every host test, a smoke run of every fuzz target.
# Each test prints "ok - NAME" or "not ok - NAME"; this script counts them
# and ends with "N passed, N failed".  Exit status 1 on any failure.
set -u
BUILD=${BUILD:-build}
export BUILD
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
log=$BUILD/test-log.txt
: > "$log"

# run NAME CMD...: run a section, echo its output, count its verdicts.
# A section that exits non-zero without reporting a failure counts as one.
run() {
	name=$1
	shift
	echo "== $name"
	out=$BUILD/test-section.out
	"$@" > "$out" 2>&1
	rc=$?
	cat "$out"
	cat "$out" >> "$log"
	if [ "$rc" -ne 0 ] && ! grep -q '^not ok - ' "$out"; then
		echo "not ok - $name (exited $rc without reporting a failure)" | tee -a "$log"
	fi
}

run "unit tests (musl, static)" "$BUILD/unit-musl"
run "unit tests (ASan+UBSan)" "$BUILD/unit-asan"
for t in tests/host/test_*.sh; do
	[ -e "$t" ] || continue
	run "host: $(basename "$t" .sh)" sh "$t"
done
run "fuzz smoke" sh tests/fuzz/run.sh smoke

passed=$(grep -c '^ok - ' "$log")
failed=$(grep -c '^not ok - ' "$log")
echo
if [ "$failed" -gt 0 ]; then
	echo "failures:"
	grep '^not ok - ' "$log"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
