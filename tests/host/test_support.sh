#!/bin/sh
# In the field: log lines with times, / -> /status, /log, the support
# bundle over HTTP and from `pxestick support` (a valid .tar.gz with each
# named file and no private key), and the command line's habits
# (--key=value, --, --version, the closest option named).  The real
# binary on loopback, read with curl, gzip and tar.
. tests/host/lib.sh
PORT=$((20000 + ($$ * 11) % 20000))
while ss -Hltn "sport = :$PORT" 2>/dev/null | grep -q .; do PORT=$((PORT + 1)); done
TPORT=$((PORT + 1))
while ss -Hltn "sport = :$TPORT" 2>/dev/null | grep -q .; do TPORT=$((TPORT + 1)); done
U=http://127.0.0.1:$PORT
S=$TMPD/state
mkdir -p "$S"
printf '52:54:00:aa:bb:cc 10.99.0.123 1767225600\n' >"$S/boot-once"
printf 'the appliance booted\n' >"$TMPD/boot.log"
chmod -R a+rX "$TMPD" # the server reads them after dropping to nobody

# --key=value and --key value mixed; HTTPS on, so the state holds a key.
"$PXESTICK_ASAN" serve --no-config --http-port="$PORT" --https-port "$TPORT" --tftp-port=0 \
	--dhcp off --listen=127.0.0.1 --state="$S" --iso "$FIXTURES/archiso/archiso.iso" \
	--keys "$FIXTURES/keys/ed25519.pub" --boot-log "$TMPD/boot.log" >"$TMPD/serve.log" 2>&1 &
SRV=$!
trap 'kill $SRV 2>/dev/null; rm -rf "$TMPD"' EXIT INT TERM
wait_serving "$TMPD/serve.log"
check "serve takes --key=value as well as --key value" grep -q " pxestick: serving http://127.0.0.1:$PORT/" \
	"$TMPD/serve.log"
stamped() { ! grep -Ev '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} pxestick: ' "$TMPD/serve.log"; }
check "every log line of the server starts with the time" stamped
check "the serving line names the version" grep -Eq " pxestick: serving .*; pxestick [0-9]+\.[0-9]+\.[0-9]+" \
	"$TMPD/serve.log"
check "a TLS key is in the state directory (what the bundle must leave out)" \
	grep -q "PRIVATE KEY" "$S/tls-key.pem"

# ---- the pages ----
check "/ redirects to /status" sh -c \
	'curl -s -o /dev/null -w "%{http_code} %{redirect_url}" "$0/" | grep -qx "302 $0/status"' "$U"
check "/status links the log, the support bundle and the files" sh -c \
	'curl -s "$0/status" >"$1/st.html" && grep -q "href=\"/log\"" "$1/st.html" &&
	 grep -q "href=\"/support.tar.gz\"" "$1/st.html" && grep -q "href=\"/files/\"" "$1/st.html"' "$U" "$TMPD"
curl -s -o /dev/null "$U/files/?marker-$$"
check "/log: the recent log, plain text, with this request in it" sh -c \
	'curl -s -D "$1/log.h" "$0/log" >"$1/log.txt" && grep -qi "^content-type: text/plain" "$1/log.h" &&
	 grep -q "GET /files/?marker-$2\" 200" "$1/log.txt" && grep -q " pxestick: serving" "$1/log.txt"' \
	"$U" "$TMPD" "$$"

# ---- the bundle ----
bundle_ok() { # FILE: a gzip, a tar, every named file, no secret
	gzip -t "$1" || return 1
	rm -rf "$TMPD/x" && mkdir "$TMPD/x" && tar -xzf "$1" -C "$TMPD/x" || return 1
	ls "$TMPD/x"
	for f in README.txt pxestick.log boot.log config.txt status.json verified-isos boot-once; do
		[ -f "$TMPD/x/$f" ] || { echo "no $f"; return 1; }
	done
	! grep -rl "PRIVATE KEY" "$TMPD/x" || return 1
	! grep -rqF "$(sed -n 2p "$S/tls-key.pem")" "$TMPD/x" || return 1
	[ ! -e "$TMPD/x/tls-key.pem" ] && [ ! -e "$TMPD/x/tls-cert.pem" ]
}
curl -s -D "$TMPD/b.h" -o "$TMPD/b.tgz" "$U/support.tar.gz"
check "/support.tar.gz: application/gzip" grep -qi "^content-type: application/gzip" "$TMPD/b.h"
check "/support.tar.gz: a valid archive with each named file and no private key" bundle_ok "$TMPD/b.tgz"
check "the bundle: status.json is the status document" sh -c \
	'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"version\"] == 1 and d[\"pxestick\"]" "$0/x/status.json"' \
	"$TMPD"
check "the bundle: the log, the boot log and the boot-once records" sh -c \
	'grep -q " pxestick: serving" "$0/x/pxestick.log" && grep -q "the appliance booted" "$0/x/boot.log" &&
	 grep -q "52:54:00:aa:bb:cc" "$0/x/boot-once"' "$TMPD"
check "the bundle: config.txt is the effective config" sh -c \
	'grep -qx "http-port = $1" "$0/x/config.txt" && grep -qx "dhcp = off" "$0/x/config.txt"' "$TMPD" "$PORT"
check "the bundle: README names the version and what is missing" sh -c \
	'grep -q "^version: pxestick " "$0/x/README.txt" && grep -q "(dhcp-leases: " "$0/x/README.txt"' "$TMPD"
"$PXESTICK" support --socket "$S/pxestick.sock" >"$TMPD/c.tgz" 2>"$TMPD/c.err"
check "pxestick support > FILE writes the same bundle" bundle_ok "$TMPD/c.tgz"
check "pxestick support: the same files as over HTTP" sh -c \
	'[ "$(tar -tzf "$0/b.tgz")" = "$(tar -tzf "$0/c.tgz")" ]' "$TMPD"
check_exit "pxestick support: no server there: exit 1" 1 "$PXESTICK" support --socket "$TMPD/none.sock"

# ---- the command line ----
check "pxestick --version names the version" sh -c \
	'"$0" --version | grep -Eqx "pxestick [0-9]+\.[0-9]+\.[0-9]+(\+g[0-9a-f]+)?"' "$PXESTICK"
check "the same version in /status.json" sh -c \
	'[ "$(curl -s "$1/status.json" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"pxestick\"])")" = \
	   "$("$0" --version | cut -d" " -f2)" ]' "$PXESTICK" "$U"
check_exit "an unknown serve option is a usage error" 2 "$PXESTICK" serve --no-config --htpp-port 80
check "it names the closest valid option" sh -c \
	'"$0" serve --no-config --htpp-port=80 2>&1 | grep -q -- "--htpp-port: unknown option (did you mean --http-port?)"' \
	"$PXESTICK"
check "an unknown command names the closest one" sh -c \
	'"$0" stauts 2>&1 | grep -q "unknown command .stauts. (did you mean .status.?)"' "$PXESTICK"
check "status's unknown option names the closest one" sh -c \
	'"$0" status --jsno 2>&1 | grep -q "(did you mean --json?)"' "$PXESTICK"
check "archiso's unknown option names the closest one" sh -c \
	'"$0" archiso ipxe --sever http://x a.iso 2>&1 | grep -q "(did you mean --server?)"' "$PXESTICK"
cp "$FIXTURES/archiso/archiso.iso" "$TMPD/-odd.iso"
check "-- ends the options: a file name starting with -" sh -c \
	'cd "$1" && "$0" iso info -- -odd.iso | grep -q "^image:"' "$(pwd)/$PXESTICK" "$TMPD"
check "the config file's unknown key names the closest one" sh -c \
	'printf "menu-timout = 3\n" >"$1/c.conf"; "$0" serve --config "$1/c.conf" --check-config 2>&1 |
	 grep -q "unknown key \"menu-timout\" (did you mean menu-timeout?)"' "$PXESTICK" "$TMPD"
check "--no-config and --config are both obeyed (--print-config)" sh -c \
	'printf "menu-timeout = 3\n" >"$1/d.conf"; "$0" serve --config="$1/d.conf" --print-config | grep -qx "menu-timeout = 3" &&
	 "$0" serve --no-config --print-config | grep -qx "menu-timeout = 10"' "$PXESTICK" "$TMPD"

kill "$SRV" 2>/dev/null
wait "$SRV" 2>/dev/null
check "the server's log has no sanitizer report" sh -c '! grep -q "runtime error\|AddressSanitizer" "$0"' \
	"$TMPD/serve.log"
host_done
