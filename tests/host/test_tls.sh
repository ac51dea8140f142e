#!/bin/sh
# HTTPS through services/tls: build/tls-test-server on loopback (port 0,
# the kernel picks a free one) against openssl and curl.  The generated
# certificate (fields, openssl verify, curl --cacert), suites and
# versions, a user's RSA certificate, reuse of the stored pair, start-up
# errors, and bad clients that must not disturb a transfer in flight.
. tests/host/lib.sh
SERVER=${TLS_TEST_SERVER:-$BUILD/tls-test-server}
LINE='pxestick tls test stream 0123456789 abcdefghijklmnopqrstuvwxyz.'
BODY='hello from pxestick tls'
umask 022

pids=
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for tool in openssl curl busybox timeout; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		not_ok "$tool is installed (mk/packages.txt)"
		exit 1
	fi
done
if [ ! -x "$SERVER" ]; then
	not_ok "tls-test-server is built ($SERVER)"
	exit 1
fi

# start_server NAME ARGS...: run the server in the background with its
# log in $TMPD/NAME.log; sets pid and port.  Fails if it does not listen
# within 5 s.
start_server() {
	log=$TMPD/$1.log
	shift
	: > "$log"
	"$SERVER" --port 0 "$@" >> "$log" 2>&1 &
	pid=$!
	pids="$pids $pid"
	port=
	n=0
	while [ "$n" -lt 50 ]; do
		port=$(sed -n 's/^tls-test-server: listening on .* port \([0-9]*\)$/\1/p' "$log")
		[ -n "$port" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
		n=$((n + 1))
	done
	cat "$log"
	return 1
}

stop_server() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# fingerprint FILE: the certificate's SHA-256 fingerprint.
fingerprint() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//'
}

# served_fingerprint PORT: the same, of the certificate the server sends.
served_fingerprint() {
	timeout 10 openssl s_client -connect "127.0.0.1:$1" -tls1_2 </dev/null 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256 | sed 's/.*=//'
}

# get URL [CURL ARGS...]: the body, with the state dir's certificate.
get() {
	url=$1
	shift
	timeout 20 curl -sS --cacert "$STATE/tls-cert.pem" "$@" "$url"
}

STATE=$TMPD/state
CERT=$STATE/tls-cert.pem

# ---- the generated certificate ----

if ! start_server gen --state "$STATE" --san 127.0.0.1 --san ::1 --san localhost; then
	not_ok "tls-test-server starts with a new state dir"
	exit 1
fi
ok "tls-test-server starts with a new state dir"
check "it says it created a certificate" grep -q 'certificate created: no stored certificate' "$TMPD/gen.log"

key_mode() {
	m=$(stat -c %a "$STATE/tls-key.pem")
	echo "tls-key.pem mode $m"
	[ "$m" = 600 ]
}
check "the key file has mode 0600" key_mode

cert_fields() {
	openssl x509 -in "$CERT" -noout -text > "$TMPD/x509.txt" || return 1
	for want in 'Version: 3 (0x2)' 'Signature Algorithm: ecdsa-with-SHA256' \
		'Issuer: CN = pxestick' 'Subject: CN = pxestick' 'NIST CURVE: P-256' \
		'IP Address:127.0.0.1' 'IP Address:0:0:0:0:0:0:0:1' 'DNS:localhost' \
		'X509v3 Basic Constraints: critical' 'CA:FALSE' \
		'X509v3 Key Usage: critical' 'Digital Signature' \
		'TLS Web Server Authentication'; do
		grep -qF "$want" "$TMPD/x509.txt" || { echo "missing: $want"; return 1; }
	done
}
check "openssl x509 -text: version, ecdsa-with-SHA256, CN, P-256, SANs, extensions" cert_fields

validity() {
	now=$(date +%s)
	nb=$(date -d "$(openssl x509 -in "$CERT" -noout -startdate | sed 's/^notBefore=//')" +%s) || return 1
	na=$(date -d "$(openssl x509 -in "$CERT" -noout -enddate | sed 's/^notAfter=//')" +%s) || return 1
	echo "now $now notBefore $nb notAfter $na"
	# From a day ago (give or take a minute) to ten years on.
	[ $((now - 86400 - nb)) -ge -60 ] && [ $((now - 86400 - nb)) -le 60 ] &&
		[ $((na - now)) -ge $((3652 * 86400 - 60)) ] &&
		[ $((na - now)) -le $((3653 * 86400 + 60)) ]
}
check "validity: from yesterday for 10 years" validity
check "openssl x509 -checkend: valid for 9 more years" \
	openssl x509 -in "$CERT" -noout -checkend $((9 * 365 * 86400))

verify_ok() {
	out=$(openssl verify -CAfile "$CERT" "$CERT" 2>&1)
	echo "$out"
	[ "$out" = "$CERT: OK" ]
}
check "openssl verify -CAfile cert.pem cert.pem" verify_ok

body_is() {
	want=$1
	shift
	got=$(get "$@") || return 1
	echo "got: $got"
	[ "$got" = "$want" ]
}
check "curl --cacert https://127.0.0.1 (default versions)" body_is "$BODY" "https://127.0.0.1:$port/"
check "curl --cacert --tlsv1.2 --tls-max 1.2" body_is "$BODY" "https://127.0.0.1:$port/" --tlsv1.2 --tls-max 1.2
check "curl --cacert https://localhost (DNS subjectAltName)" body_is "$BODY" \
	"https://localhost:$port/" --resolve "localhost:$port:127.0.0.1"
check_exit "curl refuses a name the certificate lacks (exit 60)" 60 \
	get "https://other.example:$port/" --resolve "other.example:$port:127.0.0.1"
check_exit "curl without --cacert refuses the self-signed certificate (exit 60)" 60 \
	timeout 10 curl -sS "https://127.0.0.1:$port/"

big_ok() {
	n=20000000
	got=$(get "https://127.0.0.1:$port/big?$n" | sha256sum) || return 1
	want=$(yes "$LINE" | head -c "$n" | sha256sum)
	echo "got $got want $want"
	[ "$got" = "$want" ]
}
check "curl: 20 MB stream arrives intact" big_ok

# s_client_suite SUITE: openssl negotiates exactly this suite, TLS 1.2,
# and verifies the chain.
s_client_suite() {
	timeout 10 openssl s_client -connect "127.0.0.1:$port" -tls1_2 -cipher "$1" \
		-CAfile "$CERT" -verify_return_error -brief </dev/null > "$TMPD/s.out" 2>&1
	rc=$?
	cat "$TMPD/s.out"
	[ "$rc" -eq 0 ] && grep -q "^Ciphersuite: $1\$" "$TMPD/s.out" &&
		grep -q '^Protocol version: TLSv1.2$' "$TMPD/s.out" &&
		grep -q '^Verification: OK$' "$TMPD/s.out"
}
for suite in ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384 \
	ECDHE-ECDSA-CHACHA20-POLY1305; do
	check "openssl s_client -tls1_2 -cipher $suite" s_client_suite "$suite"
done
check_exit "openssl s_client: a CBC suite is refused" 1 timeout 10 openssl s_client \
	-connect "127.0.0.1:$port" -tls1_2 -cipher ECDHE-ECDSA-AES128-SHA256 -brief </dev/null

same_served() {
	a=$(fingerprint "$CERT")
	b=$(served_fingerprint "$port")
	echo "file $a served $b"
	[ -n "$a" ] && [ "$a" = "$b" ] && grep -q "sha256 $a\$" "$TMPD/gen.log"
}
check "the server sends the stored certificate (same fingerprint)" same_served

# ---- bad clients while a transfer is in flight ----

slow_n=6000000
timeout 25 curl -sS --cacert "$CERT" --limit-rate 1500K -o "$TMPD/slow.out" \
	"https://127.0.0.1:$port/big?$slow_n" > "$TMPD/slow.err" 2>&1 &
slow=$!
pids="$pids $slow"
sleep 0.5

check_exit "a TLS 1.3-only client is refused (openssl s_client -tls1_3)" 1 \
	timeout 10 openssl s_client -connect "127.0.0.1:$port" -tls1_3 -brief </dev/null
check_exit "a TLS 1.3-only client is refused (curl --tlsv1.3, exit 35)" 35 \
	get "https://127.0.0.1:$port/" --tlsv1.3
check_exit "a TLS 1.0 client is refused (openssl s_client -tls1)" 1 \
	timeout 10 openssl s_client -connect "127.0.0.1:$port" -tls1 \
	-cipher 'DEFAULT:@SECLEVEL=0' -brief </dev/null
check_exit "plain HTTP to the HTTPS port fails (curl http://)" 56 \
	timeout 10 curl -sS "http://127.0.0.1:$port/"
head -c 4096 /dev/urandom > "$TMPD/garbage"
printf '\000\001\002garbage' >> "$TMPD/garbage"
garbage() {
	timeout 5 busybox nc 127.0.0.1 "$port" < "$1" > /dev/null 2>&1
	return 0
}
garbage "$TMPD/garbage"
printf '\026\003\001\000' > "$TMPD/half"
garbage "$TMPD/half"
i=0
while [ "$i" -lt 20 ]; do
	garbage "$TMPD/garbage"
	i=$((i + 1))
done
ok "sent garbage, a truncated record and 20 more garbage connections"

check "the server is still running" kill -0 "$pid"
check "another client still succeeds" body_is "$BODY" "https://127.0.0.1:$port/"
slow_ok() {
	wait "$slow"
	rc=$?
	cat "$TMPD/slow.err"
	got=$(sha256sum < "$TMPD/slow.out")
	want=$(yes "$LINE" | head -c "$slow_n" | sha256sum)
	echo "curl exit $rc, got $got want $want"
	[ "$rc" -eq 0 ] && [ "$got" = "$want" ]
}
check "the transfer in flight completed intact" slow_ok

logged() {
	grep -F "$1" "$TMPD/gen.log"
}
check "log: TLS 1.3-only client: no cipher suite in common" \
	logged 'handshake failed: we sent fatal alert 40 (handshake_failure: no cipher suite in common'
check "log: TLS 1.0 client: protocol_version" \
	logged 'handshake failed: we sent fatal alert 70 (protocol_version'
check "log: plain HTTP request on the HTTPS port" \
	logged 'handshake failed: plain HTTP request on the HTTPS port'
check "log: garbage is not TLS" logged 'handshake failed: not TLS: the first byte is'
check "log: client closed during the handshake" \
	logged 'handshake failed: client closed the connection during the handshake'
check "log: curl without --cacert: client does not trust our certificate" \
	logged 'it does not trust our certificate'
stop_server "$pid"

# ---- the stored pair: kept for the same names, replaced for others ----

fp1=$(fingerprint "$CERT")
if start_server again --state "$STATE" --san localhost --san 127.0.0.1 --san ::1; then
	check "second start with the same names (reordered) loads the stored pair" \
		grep -q 'certificate loaded from' "$TMPD/again.log"
	reused() {
		fp2=$(fingerprint "$CERT")
		served=$(served_fingerprint "$port")
		echo "before $fp1 after $fp2 served $served"
		[ "$fp1" = "$fp2" ] && [ "$fp2" = "$served" ]
	}
	check "second start: same certificate on disk and on the wire" reused
	stop_server "$pid"
else
	not_ok "second start with the same names"
fi

if start_server renamed --state "$STATE" --san 127.0.0.1; then
	check "other names: a new certificate, and why" \
		grep -q "certificate created: .*subjectAltNames differ" "$TMPD/renamed.log"
	replaced() {
		fp3=$(fingerprint "$CERT")
		echo "before $fp1 now $fp3"
		[ "$fp1" != "$fp3" ] && ! openssl x509 -in "$CERT" -noout -text | grep -q DNS:localhost
	}
	check "other names: the new certificate is on disk, without the old name" replaced
	check "other names: the key file is still mode 0600" key_mode
	check "other names: curl accepts the new certificate" body_is "$BODY" "https://127.0.0.1:$port/"
	stop_server "$pid"
else
	not_ok "start with other names"
fi

# ---- a user's RSA certificate ----

if openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMPD/rsa.key" -out "$TMPD/rsa.crt" \
	-days 2 -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	> "$TMPD/req.out" 2>&1 &&
	start_server rsa --cert "$TMPD/rsa.crt" --key "$TMPD/rsa.key"; then
	check "RSA: it describes the key" grep -q 'certificate RSA 2048 sha256' "$TMPD/rsa.log"
	check "RSA: curl --cacert the user's certificate" body_is "$BODY" \
		"https://127.0.0.1:$port/" --cacert "$TMPD/rsa.crt"
	for suite in ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-CHACHA20-POLY1305; do
		rsa_suite() {
			CERT=$TMPD/rsa.crt s_client_suite "$1"
		}
		check "RSA: openssl s_client -tls1_2 -cipher $suite" rsa_suite "$suite"
	done
	stop_server "$pid"
else
	cat "$TMPD/req.out"
	not_ok "RSA: openssl req -x509 -newkey rsa:2048 and a server with it"
fi

# ---- start-up errors name the file ----

# fails_with MESSAGE ARGS...: the server exits 1 and logs MESSAGE.
fails_with() {
	msg=$1
	shift
	timeout 10 "$SERVER" --port 0 "$@" > "$TMPD/fail.log" 2>&1
	rc=$?
	cat "$TMPD/fail.log"
	[ "$rc" -eq 1 ] && grep -qF "$msg" "$TMPD/fail.log"
}
check "a key of the wrong type for the certificate" fails_with \
	"$STATE/tls-key.pem holds an EC key, but the certificate in $TMPD/rsa.crt is for an RSA key" \
	--cert "$TMPD/rsa.crt" --key "$STATE/tls-key.pem"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMPD/rsa2.key" 2>/dev/null
check "an RSA key that does not match the certificate" fails_with \
	"the private key in $TMPD/rsa2.key does not match the certificate in $TMPD/rsa.crt" \
	--cert "$TMPD/rsa.crt" --key "$TMPD/rsa2.key"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$TMPD/rsa1024.key" 2>/dev/null
check "a 1024-bit RSA key is refused" fails_with \
	"$TMPD/rsa1024.key: RSA key of 1024 bits; 2048 to 4096 are supported" \
	--cert "$TMPD/rsa.crt" --key "$TMPD/rsa1024.key"
check "a missing certificate file" fails_with "$TMPD/missing.pem: No such file or directory" \
	--cert "$TMPD/missing.pem" --key "$TMPD/rsa.key"
openssl pkey -in "$TMPD/rsa.key" -aes256 -passout pass:x -out "$TMPD/enc.key" 2>/dev/null
check "an encrypted key" fails_with "$TMPD/enc.key: the private key is encrypted" \
	--cert "$TMPD/rsa.crt" --key "$TMPD/enc.key"
check "a certificate file without a certificate" fails_with \
	"$TMPD/rsa.key: no CERTIFICATE in the file" --cert "$TMPD/rsa.key" --key "$TMPD/rsa.key"
check "an invalid subjectAltName" fails_with 'subjectAltName "bad_name"' \
	--state "$TMPD/state2" --san bad_name

# With TLS_TEST_SERVER pointing to a sanitizer build, its reports land in
# the logs (the server exits cleanly on SIGTERM, so LeakSanitizer runs).
no_reports() {
	! grep -l 'Sanitizer' "$TMPD"/*.log
}
check "no sanitizer report in the server logs" no_reports

host_done
