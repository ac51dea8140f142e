#!/bin/sh
# Run every fuzz target over its seed corpus (tests/fuzz/corpus/NAME/).
#   smoke: a few thousand runs each (part of `make test`)
#   long:  FUZZ_SECONDS each, growing a working corpus under build/
set -u
BUILD=${BUILD:-build}
mode=${1:-smoke}
status=0
for fz in "$BUILD"/fuzz/fuzz_*; do
	[ -x "$fz" ] || continue
	name=$(basename "$fz")
	seeds=tests/fuzz/corpus/${name#fuzz_}
	dict=tests/fuzz/${name#fuzz_}.dict
	set --
	[ -f "$dict" ] && set -- "-dict=$dict"
	if [ "$mode" = long ]; then
		work=$BUILD/fuzz-corpus/${name#fuzz_}
		mkdir -p "$work"
		"$fz" "$@" -max_total_time="${FUZZ_SECONDS:-60}" -print_final_stats=1 \
			"$work" "$seeds" > "$BUILD/fuzz/$name.log" 2>&1
	else
		# libFuzzer adds new inputs to its first directory: a scratch one,
		# so the committed seeds stay as they are.
		work=$BUILD/fuzz-smoke/${name#fuzz_}
		rm -rf "$work"
		mkdir -p "$work"
		"$fz" "$@" -runs=3000 -max_total_time=20 "$work" "$seeds" \
			> "$BUILD/fuzz/$name.log" 2>&1
	fi
	if [ $? -eq 0 ]; then
		echo "ok - fuzz $name ($mode)"
	else
		echo "not ok - fuzz $name ($mode): see $BUILD/fuzz/$name.log"
		tail -n 30 "$BUILD/fuzz/$name.log"
		status=1
	fi
done
exit $status
