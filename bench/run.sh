#!/bin/sh
# `make bench`: run every bench/*/run.sh (each prints its own table).
# Not part of `make test`.  Exit status 1 if any benchmark failed to run.
set -u
BUILD=${BUILD:-build}
export BUILD
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
rc=0
for b in bench/*/run.sh; do
	[ -e "$b" ] || continue
	echo "== $(dirname "$b")"
	sh "$b" || { echo "bench: $b failed" >&2; rc=1; }
	echo
done
exit "$rc"
