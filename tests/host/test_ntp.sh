#!/bin/sh
# The SNTP server of `pxestick serve --ntp on` against real clients:
#
#   loopback:  tests/host/ntp_client.py checks every field of the reply to
#              a v4 and a v3 request (48 bytes, mode 4, VN echoed, LI 0,
#              stratum 1..15, origin == our transmit bytes, times within
#              1 s, root distance < 1 s); hostile datagrams (short, modes
#              0-2 and 4-7, VN 0 and 5-7, ntpq/monlist, 1000 bytes) get no
#              reply, or none larger than 48 bytes, and the server keeps
#              answering -- then the same under ASan+UBSan
#              ($PXESTICK_ASAN); --ntp off answers nothing; a clock before
#              --ntp-not-before answers LI 3, stratum 16
#   timesyncd: (root) Debian's real systemd-timesyncd syncs against
#              pxestick on port 123 inside a private network and mount
#              namespace (unshare -n -m: tmpfs on /run/systemd and
#              /var/lib/systemd/timesync, a bind-mounted timesyncd.conf
#              with NTP=127.0.0.1), run as systemd-timesync with no
#              capabilities at all, so it can never set the host's clock;
#              and refuses the LI 3 / stratum 16 answer
#
# NTP_TEST_SERVER_CMD: a command run instead of "$PXESTICK serve" (with
# the same flags), to try this script against a stand-in.
. tests/host/lib.sh
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2> /dev/null; done
	wait 2> /dev/null
	rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for tool in python3 ss; do
	if ! command -v "$tool" > /dev/null; then
		not_ok "ntp: $tool is not installed (make deps)"
		exit 1
	fi
done
client() { python3 tests/host/ntp_client.py "$@"; }

chmod 755 "$TMPD"
ST=$TMPD/state
mkdir -p "$ST"

# free_port udp|tcp N: a port nobody listens on (high, from our pid).
free_port() {
	p=$((20000 + ($$ * 7 + $2 * 131) % 40000))
	while ss -Hl"$(printf %.1s "$1")"n "sport = :$p" 2> /dev/null | grep -q .; do p=$((p + 1)); done
	echo "$p"
}
HP=$(free_port tcp 1)
NP=$(free_port udp 2)
H=127.0.0.1

# serve_cmd FLAGS...: the server in the foreground ($BIN serve, or the
# stand-in).
BIN=$PXESTICK
serve_cmd() {
	if [ -n "${NTP_TEST_SERVER_CMD:-}" ]; then
		# shellcheck disable=SC2086 # a command line, split into words
		$NTP_TEST_SERVER_CMD "$@"
	else
		"$BIN" serve "$@"
	fi
}

# start_server LOG FLAGS...: in the background, waiting for its "serving"
# line (which comes after every socket is bound).  Sets SRV_PID.
start_server() {
	log=$1
	shift
	# The server itself is the background job (not a shell around it):
	# $SRV_PID is what stop_server kills.
	if [ -n "${NTP_TEST_SERVER_CMD:-}" ]; then
		# shellcheck disable=SC2086 # a command line, split into words
		set -- $NTP_TEST_SERVER_CMD "$@"
	else
		set -- "$BIN" serve "$@"
	fi
	"$@" --http-port "$HP" --https-port 0 --tftp-port 0 --dhcp off --listen "$H" \
		--state "$ST" > "$log" 2>&1 &
	SRV_PID=$!
	PIDS="$PIDS $SRV_PID"
	i=0
	while ! grep -q 'serving' "$log" 2> /dev/null; do
		i=$((i + 1))
		if [ "$i" -gt 100 ] || ! kill -0 "$SRV_PID" 2> /dev/null; then
			sed 's/^/# /' "$log" | head -n 20
			return 1
		fi
		sleep 0.05
	done
}
stop_server() {
	kill "$SRV_PID" 2> /dev/null
	wait "$SRV_PID" 2> /dev/null
}

# hex48 BYTE0: a 48-byte datagram, BYTE0 then zeros, as hex.
hex48() { printf '%s%094d' "$1" 0; }
# hexn BYTE0 N: N bytes, BYTE0 then zeros.
hexn() { printf "%s%0$(($2 * 2 - 2))d" "$1" 0; }

# still_alive LOG: the server process lives and logged no crash.
still_alive() {
	kill -0 "$SRV_PID" 2> /dev/null || { echo "the server is gone"; return 1; }
	! grep -E -A5 'ERROR: (Address|Leak)Sanitizer|runtime error:|Segmentation fault|Aborted|Assertion' "$1"
}

# hostile NAME LOG: datagrams no SNTP server may answer, then a request.
hostile() {
	n=$1
	log=$2
	check "$n: 1 byte: no reply" client $H "$NP" --raw 23
	check "$n: 47 bytes (one short of a header): no reply" client $H "$NP" --raw "$(hexn 23 47)"
	check "$n: an empty datagram: no reply" client $H "$NP" --raw ""
	for m in 0 1 2 4 5 6 7; do
		check "$n: VN 4 mode $m: no reply" client $H "$NP" --raw "$(hex48 "2$m")"
	done
	for b in 03:0 2b:5 33:6 3b:7; do
		check "$n: mode 3 VN ${b#*:}: no reply" client $H "$NP" --raw "$(hex48 "${b%:*}")"
	done
	# ntpq's readvar (mode 6) and ntpdc's monlist (mode 7), as sent.
	check "$n: an ntpq readvar request (mode 6, 12 bytes): no reply" client $H "$NP" \
		--raw 160200010000000000000000
	check "$n: an ntpdc monlist request (mode 7): no reply" client $H "$NP" \
		--raw "$(hexn 1700032a 48)"
	check "$n: 1000 bytes, mode 7: no reply" client $H "$NP" --raw "$(hexn 27 1000)"
	check "$n: 1000 bytes of a mode-3 request: no reply larger than 48 bytes" \
		client $H "$NP" --raw "$(hexn 23 1000)" --allow-reply-upto 48
	check "$n: a valid v4 request of 1000 bytes: nothing larger than 48 bytes" \
		client $H "$NP" --raw "23000600$(hexn 00 36)$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')$(hexn 00 952)" \
		--allow-reply-upto 48
	check "$n: a valid request after all that is answered" client $H "$NP"
	check "$n: the server is alive, no crash in its log" still_alive "$log"
}

# ---- loopback: pxestick (musl) ----
LOG=$TMPD/server.log
if ! start_server "$LOG" --ntp on --ntp-port "$NP"; then
	not_ok "ntp: the server starts with --ntp on --ntp-port $NP"
	exit 1
fi
ok "ntp: the server starts with --ntp on --ntp-port $NP"
serve_cmd --print-config --ntp on --ntp-port "$NP" > "$TMPD/config.txt" 2>&1
check "ntp: --print-config shows ntp = yes, ntp-port = $NP" sh -c \
	"grep -Eqx 'ntp = (on|yes)' '$TMPD/config.txt' && grep -qx 'ntp-port = $NP' '$TMPD/config.txt' ||
	{ grep -i ntp '$TMPD/config.txt'; exit 1; }"
check "ntp: a v4 request: every field of the reply" client $H "$NP"
check "ntp: a v3 request is answered as v3" client $H "$NP" --version 3
i=0
n_ok=0
while [ "$i" -lt 20 ]; do
	client $H "$NP" > /dev/null 2>&1 && n_ok=$((n_ok + 1))
	i=$((i + 1))
done
check "ntp: 20 requests in a row, 20 valid replies ($n_ok)" test "$n_ok" -eq 20
hostile "ntp" "$LOG"
stop_server

# ---- the same hostile set under ASan+UBSan ----
if [ -z "${NTP_TEST_SERVER_CMD:-}" ] && [ ! -x "$PXESTICK_ASAN" ]; then
	ok "ntp (asan): hostile datagrams # SKIP $PXESTICK_ASAN is not built"
else
	BIN=$PXESTICK_ASAN
	ALOG=$TMPD/server-asan.log
	if start_server "$ALOG" --ntp on --ntp-port "$NP"; then
		ok "ntp (asan): the server starts"
		check "ntp (asan): a v4 request: every field of the reply" client $H "$NP"
		hostile "ntp (asan)" "$ALOG"
		stop_server
		check "ntp (asan): no sanitizer report in the log" sh -c \
			"! grep -E -A10 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error' '$ALOG'"
	else
		not_ok "ntp (asan): the server starts"
	fi
	BIN=$PXESTICK
fi

# ---- --ntp off: nothing answers ----
if start_server "$LOG" --ntp off --ntp-port "$NP"; then
	check "ntp: --ntp off: nothing answers on the NTP port" client $H "$NP" --raw "$(hex48 23)"
	stop_server
else
	not_ok "ntp: the server starts with --ntp off"
fi

# ---- a clock before the floor: LI 3, stratum 16 ----
if start_server "$LOG" --ntp on --ntp-port "$NP" --ntp-not-before 2999-01-01; then
	check "ntp: clock before --ntp-not-before 2999-01-01: LI 3, stratum 16 (refused)" \
		client $H "$NP" --expect-unsynced
	check "ntp: ... and a v3 client is told the same" client $H "$NP" --expect-unsynced --version 3
	stop_server
else
	not_ok "ntp: the server starts with --ntp-not-before 2999-01-01"
fi
if start_server "$LOG" --ntp on --ntp-port "$NP" --ntp-not-before 2000-01-01; then
	check "ntp: clock after --ntp-not-before 2000-01-01: synchronized" client $H "$NP"
	stop_server
else
	not_ok "ntp: the server starts with --ntp-not-before 2000-01-01"
fi

# ---- systemd-timesyncd, in a namespace of its own ----
TSD=/lib/systemd/systemd-timesyncd
skip=
if [ "$(id -u)" != 0 ]; then
	skip="needs root (network and mount namespaces)"
elif ! command -v unshare > /dev/null || ! command -v setpriv > /dev/null; then
	skip="unshare/setpriv missing (util-linux)"
elif [ ! -x "$TSD" ]; then
	skip="$TSD missing (systemd-timesyncd)"
elif ! id systemd-timesync > /dev/null 2>&1; then
	skip="no systemd-timesync user"
elif [ ! -f /etc/systemd/timesyncd.conf ]; then
	skip="no /etc/systemd/timesyncd.conf to bind over"
elif ! unshare -n -m --propagation private true 2> /dev/null; then
	skip="unshare -n -m is not allowed here"
fi
if [ -n "$skip" ]; then
	ok "ntp: systemd-timesyncd syncs against pxestick # SKIP $skip"
	ok "ntp: systemd-timesyncd refuses a clock before the floor # SKIP $skip"
	host_done
	exit $?
fi

printf '[Time]\nNTP=127.0.0.1\nFallbackNTP=\nRootDistanceMaxSec=5\n' > "$TMPD/tsd.conf"
chmod 644 "$TMPD/tsd.conf"
# The unprivileged identity timesyncd runs as: no capabilities, none to
# regain (bounding set empty, no_new_privs).
DROP="setpriv --reuid=systemd-timesync --regid=systemd-timesync --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs"
cat > "$TMPD/ns.sh" << 'EOF'
# Runs inside `unshare -n -m --propagation private`: only a loopback, and
# mounts nobody else sees.  $1: sync or unsync.
set -u
D=$NS_DIR
ip link set lo up || exit 3
mount -t tmpfs -o mode=0755 tmpfs /run/systemd || exit 3
mkdir -p /run/systemd/timesync
chown systemd-timesync:systemd-timesync /run/systemd/timesync
mount --bind "$D/tsd.conf" /etc/systemd/timesyncd.conf || exit 3
for d in /etc/systemd/timesyncd.conf.d /usr/lib/systemd/timesyncd.conf.d \
	/lib/systemd/timesyncd.conf.d /var/lib/systemd/timesync; do
	[ -d "$d" ] && mount -t tmpfs -o mode=0755 tmpfs "$d"
done
[ -d /var/lib/systemd/timesync ] && chown systemd-timesync:systemd-timesync /var/lib/systemd/timesync
floor=
[ "$1" = unsync ] && floor="--ntp-not-before 2999-01-01"
# shellcheck disable=SC2086 # command lines and flags, split into words
if [ -n "${NTP_TEST_SERVER_CMD:-}" ]; then
	set -- $NTP_TEST_SERVER_CMD
else
	set -- "$NS_BIN" serve
fi
# shellcheck disable=SC2086
"$@" --http-port 8080 --https-port 0 --tftp-port 0 --dhcp off --listen 127.0.0.1 \
	--state "$D/state" --ntp on --ntp-port 123 $floor > "$D/ns-server.log" 2>&1 &
spid=$!
i=0
until grep -q serving "$D/ns-server.log"; do
	i=$((i + 1))
	if [ "$i" -gt 100 ] || ! kill -0 "$spid" 2> /dev/null; then
		kill "$spid" 2> /dev/null
		exit 4
	fi
	sleep 0.05
done
$NS_DROP cat /proc/self/status > "$D/ns-caps.txt"
SYSTEMD_LOG_LEVEL=debug SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_COLOR=0 \
	$NS_DROP "$NS_TSD" > "$D/ns-timesyncd.log" 2>&1 &
tpid=$!
i=0
while [ "$i" -lt 150 ]; do
	kill -0 "$tpid" 2> /dev/null || break
	if [ "$NS_MODE" = sync ]; then
		[ -e /run/systemd/timesync/synchronized ] &&
			grep -q 'Initial clock synchronization' "$D/ns-timesyncd.log" && break
	else
		grep -q 'Server is not synchronized' "$D/ns-timesyncd.log" && sleep 1 && break
	fi
	i=$((i + 1))
	sleep 0.1
done
ls -la /run/systemd/timesync > "$D/ns-run.txt" 2>&1
kill "$tpid" "$spid" 2> /dev/null
wait
exit 0
EOF

# in_ns sync|unsync: one round in a fresh namespace.
in_ns() {
	rm -f "$TMPD"/ns-*.log "$TMPD"/ns-*.txt
	NS_DIR=$TMPD NS_BIN=$PXESTICK NS_TSD=$TSD NS_DROP=$DROP NS_MODE=$1 \
		timeout 60 unshare -n -m --propagation private sh "$TMPD/ns.sh" "$1"
}
# no_cap_sys_time: timesyncd's identity has no CAP_SYS_TIME (bit 25) in
# any set, and is not root.
no_cap_sys_time() {
	f=$TMPD/ns-caps.txt
	[ -s "$f" ] || { echo "no /proc/self/status of the dropped identity"; return 1; }
	grep -E '^(Uid|Gid|Cap|NoNewPrivs)' "$f"
	grep -qE "^Uid:[[:space:]]+$(id -u systemd-timesync)[[:space:]]" "$f" || return 1
	for c in CapInh CapPrm CapEff CapBnd CapAmb; do
		v=$(sed -n "s/^$c:[[:space:]]*//p" "$f")
		[ -n "$v" ] || continue
		[ $((0x$v >> 25 & 1)) -eq 0 ] || { echo "$c has CAP_SYS_TIME"; return 1; }
	done
}
tsd_show() {
	echo "-- timesyncd:"
	grep -v '^$' "$TMPD/ns-timesyncd.log" | tail -n 25
	echo "-- /run/systemd/timesync:"
	cat "$TMPD/ns-run.txt"
	echo "-- server:"
	tail -n 5 "$TMPD/ns-server.log"
}
synced() {
	if grep -q 'Initial clock synchronization' "$TMPD/ns-timesyncd.log" &&
		grep -q ' synchronized$' "$TMPD/ns-run.txt" &&
		! grep -E 'Server is not synchronized|Invalid response|not our transmit|too large root distance|before epoch' \
			"$TMPD/ns-timesyncd.log"; then
		return 0
	fi
	tsd_show
	return 1
}
refused() {
	if grep -q 'Server is not synchronized' "$TMPD/ns-timesyncd.log" &&
		! grep -q ' synchronized$' "$TMPD/ns-run.txt" &&
		! grep -q 'Initial clock synchronization' "$TMPD/ns-timesyncd.log"; then
		return 0
	fi
	tsd_show
	return 1
}

mkdir -p "$ST"
t0=$(date +%s)
in_ns sync
rc=$?
if [ "$rc" -ne 0 ]; then
	not_ok "ntp: systemd-timesyncd round in a namespace ran (exit $rc)"
	sed 's/^/# /' "$TMPD/ns-server.log" 2> /dev/null | tail -n 10
else
	check "ntp: systemd-timesyncd runs as systemd-timesync without CAP_SYS_TIME" no_cap_sys_time
	check "ntp: systemd-timesyncd syncs against pxestick on 127.0.0.1:123 ('Initial clock synchronization', /run/systemd/timesync/synchronized) in $(($(date +%s) - t0)) s" synced
	check "ntp: ... and could not touch the host clock (clock_adjtime: EPERM)" \
		grep -q 'Operation not permitted' "$TMPD/ns-timesyncd.log"
fi
in_ns unsync
rc=$?
if [ "$rc" -ne 0 ]; then
	not_ok "ntp: systemd-timesyncd round (clock before the floor) ran (exit $rc)"
else
	check "ntp: systemd-timesyncd refuses a clock before --ntp-not-before ('Server is not synchronized', no synchronized file)" refused
fi
host_done
