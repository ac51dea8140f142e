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
