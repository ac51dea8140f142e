#!/bin/sh
# Payload URLs (payload-url): pxestick behind a real nginx proxy_cache, and
# URLs that must be refused -- 404, another size, other bytes of the same
# size, no range support, nothing listening, a server that never answers
# -- each with its reason, while clients keep booting from pxestick.  And
# pxestick as a cache's origin: Cache-Control, strong ETags, 304s, whole
# objects.  Loopback only; nginx is our own instance.
. tests/host/lib.sh
. tests/host/netns.sh
A=$FIXTURES/archiso
free_port() {
	p=$1
	while ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; do p=$((p + 1)); done
	echo "$p"
}
PORT=$(free_port $((20000 + ($$ * 11) % 20000)))
CACHE=$(free_port $((PORT + 1)))
STATIC=$(free_port $((CACHE + 1)))
SILENT=$(free_port $((STATIC + 1)))
DEAD=$(free_port $((SILENT + 1)))
U=http://127.0.0.1:$PORT
C=http://127.0.0.1:$CACHE
ROOTFS=iso/archiso/arch/x86_64/airootfs.sfs
D=$TMPD/site
mkdir -p "$D/isos" "$D/state" "$D/cache" "$D/bigger/${ROOTFS%/*}" "$D/samesize/${ROOTFS%/*}" \
	"$D/noranges/${ROOTFS%/*}"
cp "$A/archiso.iso" "$D/isos/"
"$PXESTICK" iso cat "$D/isos/archiso.iso" /arch/x86_64/airootfs.sfs > "$TMPD/rootfs"
size=$(stat -c %s "$TMPD/rootfs")
# Another build under the same name: one byte longer; the same size with
# other bytes; the right file from a server that ignores Range.
{ cat "$TMPD/rootfs"; printf x; } > "$D/bigger/$ROOTFS"
{ printf 'hsqs-other-build'; tail -c +17 "$TMPD/rootfs"; } > "$D/samesize/$ROOTFS"
cp "$TMPD/rootfs" "$D/noranges/$ROOTFS"
chmod -R a+rwX "$TMPD"

cat > "$D/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $D/nginx.pid;
error_log $D/nginx-error.log;
events { worker_connections 64; }
http {
	access_log off;
	log_format cache '\$request_method \$uri \$status \$body_bytes_sent \$upstream_cache_status';
	client_body_temp_path $D/cache/body;
	proxy_temp_path $D/cache/proxy;
	proxy_cache_path $D/cache/iso levels=1:2 keys_zone=iso:1m max_size=1g inactive=7d use_temp_path=off;
	server {
		listen 127.0.0.1:$CACHE;
		access_log $D/cache.log cache;
		location /iso/ {
			proxy_pass $U;
			proxy_cache iso;
			proxy_cache_lock on;
			proxy_cache_valid 200 7d;
			proxy_http_version 1.1;
		}
	}
	server {
		listen 127.0.0.1:$STATIC;
		location /bigger/ { alias $D/bigger/; }
		location /samesize/ { alias $D/samesize/; }
		location /noranges/ { alias $D/noranges/; max_ranges 0; }
	}
}
EOF
nginx -c "$D/nginx.conf" -p "$D" > "$TMPD/nginx.out" 2>&1 &
NGINX=$!
# A server that takes the connection and never says a word.
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
' "$SILENT" &
SIL=$!
trap 'kill $SRV $NGINX $SIL 2>/dev/null; wait 2>/dev/null; rm -rf "$TMPD"' EXIT INT TERM
for _ in $(seq 50); do
	curl -s -o /dev/null "http://127.0.0.1:$STATIC/" && ss -Hltn "sport = :$SILENT" | grep -q . && break
	sleep 0.1
done

cat > "$D/pxestick.conf" <<EOF
http-port = $PORT
https-port = 0
tftp-port = 0
dhcp = off
state = $D/state
iso = $D/isos
payload-url = $U/nothing-here
payload-url = http://127.0.0.1:$STATIC/bigger
payload-url = http://127.0.0.1:$STATIC/samesize/
payload-url = http://127.0.0.1:$STATIC/noranges
payload-url = http://127.0.0.1:$DEAD
payload-url = http://127.0.0.1:$SILENT
payload-url = $C
EOF
"$PXESTICK" serve --config "$D/pxestick.conf" > "$TMPD/serve.log" 2>&1 &
SRV=$!
check "serve starts with seven payload URLs" wait_serving "$TMPD/serve.log" 10
check "the check starts beside the loop" wait_for "$TMPD/serve.log" \
	"payload: checking 7 URL(s) for 1 ISO(s)" 5
# While the check waits on the silent server, the loop serves.
curl -sf -o /dev/null "$U/boot.ipxe?memsize=4096"
# (The log line follows the response: wait for it.)
check "boot.ipxe is served while the check waits on a silent URL" sh -c "
	. tests/host/netns.sh; wait_for '$TMPD/serve.log' 'GET /boot.ipxe?memsize=4096\" 200' 5 &&
	! grep -q 'payload: archiso: http://127.0.0.1:$SILENT refused' '$TMPD/serve.log'"
check "meanwhile clients load from pxestick" sh -c "
	curl -sf '$U/boot.ipxe?memsize=4096' | grep -q 'kernel $U/iso/archiso/'"
check "the check ends" wait_for "$TMPD/serve.log" "payload: check done" 30
refused() { grep -q "payload: archiso: $1 refused: $2" "$TMPD/serve.log"; }
check "404: refused, it does not have the root image" refused "$U/nothing-here" "404: it does not have the root image"
check "another size: refused, names both sizes" \
	refused "http://127.0.0.1:$STATIC/bigger" "its root image is $((size + 1)) bytes, this ISO's $size"
check "the same size, other bytes: refused" \
	refused "http://127.0.0.1:$STATIC/samesize" "its root image's first 4096 bytes differ from this ISO's"
check "no range support: refused" \
	refused "http://127.0.0.1:$STATIC/noranges" "200 to a range request: it does not serve ranges"
check "nothing listening: refused" \
	refused "http://127.0.0.1:$DEAD" "nothing answers at 127.0.0.1:$DEAD (Connection refused)"
check "a server that never answers: refused after the probe's timeout" \
	refused "http://127.0.0.1:$SILENT" "no answer in time"
check "the cache passes: the ISO is served from it" \
	grep -q "payload: archiso: served from $C (its root image checked)" "$TMPD/serve.log"
check "the check's range request filled the cache from one whole GET" sh -c "
	grep -c 'GET /$ROOTFS\" 200 $size' '$TMPD/serve.log' | grep -qx 1 &&
	grep -q '^GET /$ROOTFS 206 4096 MISS' '$D/cache.log'"

# ---- boot.ipxe and the status pages ----
curl -sf "$U/boot.ipxe?memsize=4096" > "$TMPD/menu"
check "boot.ipxe: kernel, initrd and archiso_http_srv from the cache" sh -c "
	grep -q '^kernel $C/iso/archiso/arch/boot/x86_64/vmlinuz-linux .*archiso_http_srv=$C/iso/archiso/ .* || goto iso0-e0-direct' '$TMPD/menu' &&
	grep -q '^initrd $C/iso/archiso/arch/boot/x86_64/initramfs-linux.img || goto iso0-e0-direct' '$TMPD/menu'"
check "boot.ipxe: script.cfg stays on pxestick, the fallback loads from it" sh -c "
	! grep -q 'script=$C' '$TMPD/menu' &&
	sed -n '/^:iso0-e0-direct/,/^boot/p' '$TMPD/menu' | grep -q '^kernel $U/iso/archiso/.*archiso_http_srv=$U/iso/archiso/'"
curl -sf "$U/status.json" > "$TMPD/status.json"
check "status.json: the ISO's payload URL and what the check said of the others" python3 -c "
import json, sys
d = json.load(open('$TMPD/status.json'))
isos = [i for i in d['server']['isos']]
assert isos[0]['payload'] == '$C', isos
note = isos[0]['payload_note']
for u in ('$U/nothing-here', 'http://127.0.0.1:$STATIC/bigger', 'http://127.0.0.1:$SILENT'):
    assert u + ' refused' in note, note
"
check "/status names where clients load the ISO from, and what it cannot see" sh -c "
	curl -sf '$U/status' | grep -q 'clients load it from $C</span> (kernel and root image downloads happen there'"
check "pxestick status says it too" sh -c "
	'$PXESTICK' status --socket '$D/state/pxestick.sock' | grep -q 'clients load its files from $C'"

# ---- through the cache: the origin is asked once ----
for i in 1 2; do
	curl -sf -o "$TMPD/got$i" "$C/$ROOTFS"
	curl -sf -o /dev/null -r 1000-1999 "$C/$ROOTFS"
done
check "two clients' root images through the cache are the ISO's bytes" sh -c "
	cmp '$TMPD/got1' '$TMPD/rootfs' && cmp '$TMPD/got2' '$TMPD/rootfs'"
check "the cache served them as hits: pxestick sent the root image once" sh -c "
	grep -c '^GET /$ROOTFS 200 $size HIT' '$D/cache.log' | grep -qx 2 &&
	grep -c '^GET /$ROOTFS 206 1000 HIT' '$D/cache.log' | grep -qx 2 &&
	grep -c 'GET /$ROOTFS\" 200' '$TMPD/serve.log' | grep -qx 1"

# ---- pxestick as an origin ----
curl -sI "$U/$ROOTFS" > "$TMPD/head"
etag=$(sed -n 's/^ETag: //Ip' "$TMPD/head" | tr -d '\r')
check "ISO content: Cache-Control immutable, a strong ETag, no Vary" sh -c "
	grep -qi '^Cache-Control: public, max-age=31536000, immutable' '$TMPD/head' &&
	echo '$etag' | grep -q '^\"i' && ! grep -qi '^Vary:' '$TMPD/head'"
check "a cache revalidating with the ETag gets 304" sh -c "
	curl -s -o /dev/null -w '%{http_code}' -H 'If-None-Match: $etag' '$U/$ROOTFS' | grep -qx 304"
check "generated documents: Cache-Control no-cache" sh -c "
	curl -sI '$U/boot.ipxe?memsize=4096' | grep -qi '^Cache-Control: no-cache'"

# ---- reload: the check runs again ----
sed -i "\|payload-url = $C|d" "$D/pxestick.conf"
sed -i "\|payload-url = http://127.0.0.1:$SILENT|d" "$D/pxestick.conf"
: > "$TMPD/serve.log.mark"
kill -HUP $SRV
check "SIGHUP: the check runs again with the URLs of the file" wait_for "$TMPD/serve.log" \
	"payload: checking 5 URL(s) for 1 ISO(s)" 10
check "SIGHUP: no URL passes now" wait_for "$TMPD/serve.log" \
	"payload: check done: 0 of 1 ISO(s) load from payload URLs" 20
check "boot.ipxe: every file from pxestick again, no fallback label" sh -c "
	curl -sf '$U/boot.ipxe?memsize=4096' > '$TMPD/menu2' &&
	grep -q '^kernel $U/iso/archiso/.*archiso_http_srv=$U/iso/archiso/' '$TMPD/menu2' &&
	! grep -q '$C' '$TMPD/menu2' && ! grep -q 'direct' '$TMPD/menu2'"

# ---- the setting's errors ----
"$PXESTICK" serve --no-config --payload-url https://cache/ --check-config > "$TMPD/bad" 2>&1
check "payload-url: https is refused with the reason" grep -q \
	'payload-url: "https://cache/" is https: payload URLs are http://' "$TMPD/bad"
"$PXESTICK" serve --no-config --payload-url 'http://cache/a;reboot' --check-config > "$TMPD/bad" 2>&1
check "payload-url: characters unsafe in a boot script are refused" grep -q \
	'payload-url: "http://cache/a;reboot" has a path with characters other than' "$TMPD/bad"
check "the server is still up after all of it" kill -0 $SRV
host_done
