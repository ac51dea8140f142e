#!/bin/sh
# `pxestick serve` as a whole: settings and config errors, start-up log,
# the privilege drop, SIGHUP reload with a transfer in flight, and
# boot.ipxe's fixed entry.  Loopback only.
. tests/host/lib.sh
. tests/host/netns.sh
A=$FIXTURES/archiso
PX=$PXESTICK
PORT=$((20000 + $$ % 10000))
ST=$TMPD/state
mkdir -p "$TMPD/isos" "$TMPD/files"
cp "$A/archiso.iso" "$TMPD/isos/"
printf 'hello\n' > "$TMPD/files/hello.txt"
head -c 30000000 /dev/urandom > "$TMPD/files/big.bin"
chmod -R a+rX "$TMPD"

# ---- config checking ----
cat > "$TMPD/good.conf" <<CONF
# a config file
http-port = $PORT
https-port = 0
tftp-port = 0
dhcp = off
iso = $TMPD/isos
CONF
check_exit "check-config: a good file exits 0" 0 $PX serve --config "$TMPD/good.conf" --check-config
printf 'http-port = 80\nmenu-timeout = soon\n' > "$TMPD/bad.conf"
$PX serve --config "$TMPD/bad.conf" --check-config > "$TMPD/bad.out" 2>&1
check "check-config: a bad value names FILE:LINE" grep -q \
	"bad.conf:2: menu-timeout: \"soon\" is not a number from 0 to 3600" "$TMPD/bad.out"
check_exit "check-config: a bad file exits 2" 2 $PX serve --config "$TMPD/bad.conf" --check-config
check_exit "an unknown flag exits 2" 2 $PX serve --no-such-flag 1
check_exit "a missing config file exits 2" 2 $PX serve --config "$TMPD/missing.conf" --check-config
check "serve --help lists every key" sh -c "$PX serve --help | grep -q -e '--http-port' &&
	$PX serve --help | grep -q -e '--reserve'"
$PX serve --config "$TMPD/good.conf" --tftp-port 6969 --reserve '52:54:00:12:34:56 10.99.0.9 archiso:1' \
	--print-config > "$TMPD/effective.conf" 2>&1
check "print-config: the effective settings, flags over the file, defaults for the rest" sh -c "
	grep -qx 'http-port = $PORT' '$TMPD/effective.conf' &&
	grep -qx 'tftp-port = 6969' '$TMPD/effective.conf' &&
	grep -qx 'iso = $TMPD/isos' '$TMPD/effective.conf' &&
	grep -qx 'pool = 10.99.0.100-10.99.0.250' '$TMPD/effective.conf' &&
	grep -qx 'reserve = 52:54:00:12:34:56 10.99.0.9 archiso:1' '$TMPD/effective.conf'"
check "print-config: its output is a config file serve accepts as it is" \
	$PX serve --config "$TMPD/effective.conf" --check-config

# ---- start-up ----
$PX serve --config "$TMPD/good.conf" --files "$TMPD/files" --state "$ST" \
	--menu-timeout 4 > "$TMPD/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$TMPD"' EXIT INT TERM
up=0
for _ in $(seq 1 100); do
	grep -q 'pxestick: serving' "$TMPD/log" && { up=1; break; }
	sleep 0.1
done
check "serve logs 'pxestick: serving' with its address and ISOs" sh -c "[ $up = 1 ] &&
	grep -q 'pxestick: serving http://\*:$PORT/; dhcp off; ISOs: archiso; script.cfg NOT served (no keys)' '$TMPD/log'"
if [ "$(id -u)" = 0 ]; then
	check "as root, it drops to nobody after binding" sh -c "
		grep -q 'running as nobody' '$TMPD/log' &&
		[ \$(awk '/^Uid:/ {print \$2}' /proc/$pid/status) = \$(id -u nobody) ] &&
		grep -q '^NoNewPrivs:.*1' /proc/$pid/status"
fi
check "script.cfg without keys is a 404 with a clear log line" sh -c "
	[ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$PORT/script.cfg) = 404 ] &&
	grep -q 'asked for /script.cfg, but it is not served: no keys file configured' '$TMPD/log'"
check "boot.ipxe names the address the client used" sh -c "
	curl -s 'http://127.0.0.1:$PORT/boot.ipxe?memsize=4096' | grep -q 'archiso_http_srv=http://127.0.0.1:$PORT/iso/archiso/'"
check "boot.ipxe uses menu-timeout" sh -c "
	curl -s 'http://127.0.0.1:$PORT/boot.ipxe?memsize=4096' | grep -q '^choose --timeout 4000 --default iso0-e0 '"
check "boot.ipxe?entry=ISO:N makes that entry the default, 1 s" sh -c "
	curl -s 'http://127.0.0.1:$PORT/boot.ipxe?entry=archiso:1&memsize=4096' | grep -q '^choose --timeout 1000 --default iso0-e1 '"
check "boot.ipxe?entry=ISO%3AN (as iPXE sends the ':') is the same entry" sh -c "
	curl -s 'http://127.0.0.1:$PORT/boot.ipxe?entry=archiso%3A1&memsize=4096' | grep -q '^choose --timeout 1000 --default iso0-e1 '"
check "... and the first step (the RAM probe) hands it on decoded" sh -c "
	curl -s 'http://127.0.0.1:$PORT/boot.ipxe?entry=archiso%3A1' | grep -q '&entry=archiso:1\$'"
check "boot.ipxe?entry= with an unknown entry keeps the menu" sh -c "
	curl -s 'http://127.0.0.1:$PORT/boot.ipxe?entry=archiso:7&memsize=4096' | grep -q '^choose --timeout 4000 --default iso0-e0 '"

# ---- SIGHUP: new ISO and keys appear; a transfer in flight completes ----
curl -s --limit-rate 5M -o "$TMPD/big.got" "http://127.0.0.1:$PORT/big.bin" &
cpid=$!
sleep 0.5
cp "$A/archiso-2021.iso" "$TMPD/isos/"
cp "$A/archiso-corrupt.iso" "$TMPD/isos/"
cp "$FIXTURES/keys/ed25519.pub" "$TMPD/keys.pub"
chmod a+r "$TMPD/isos"/* "$TMPD/keys.pub"
printf 'keys = %s\n' "$TMPD/keys.pub" >> "$TMPD/good.conf"
kill -HUP $pid
for _ in $(seq 1 100); do
	grep -q 'reloaded:' "$TMPD/log" && break
	sleep 0.1
done
check "SIGHUP reloads at once: the known ISO served, keys found, the new ones checked beside it" sh -c "
	grep -q 'reloaded: 1 ISO(s) served, 0 refused, script.cfg served' '$TMPD/log' &&
	grep -q 'ISO check: 2 new ISO(s) being verified in the background' '$TMPD/log'"
check "reload: an unchanged ISO keeps its verdict (no second full checksum)" \
	grep -q "ISO $TMPD/isos/archiso.iso: verified (unchanged since its last check)" "$TMPD/log"
check "reload: a new ISO is checked in full (in the background)" \
	wait_for "$TMPD/log" "ISO $TMPD/isos/archiso-2021.iso: verified in the background: served from now on" 30
check "then 2 ISOs are served, the corrupt one refused" \
	wait_for "$TMPD/log" "ISOs: 2 served, 1 refused, 0 being checked" 10
check "the verdicts are kept in the state dir, one line per served ISO" sh -c "
	[ \$(wc -l < '$ST/verified-isos') = 2 ] && grep -q 'archiso-2021.iso\$' '$ST/verified-isos'"
check "after reload the new ISO is served" sh -c "
	[ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$PORT/iso/archiso-2021/loader/entries/archiso-x86_64-linux.conf) = 200 ]"
check "after reload the refused ISO is not served" sh -c "
	[ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$PORT/iso/archiso-corrupt/) = 404 ]"
check "after reload script.cfg is served" sh -c "curl -sf http://127.0.0.1:$PORT/script.cfg | head -n 1 | grep -q '^#!/bin/sh'"
wait $cpid
check "a download running across SIGHUP completes intact" cmp "$TMPD/big.got" "$TMPD/files/big.bin"
# A changed ISO (its mtime) is checked in full again; the menu's default
# applies at once, the lease time at the next start.
touch "$TMPD/isos/archiso.iso"
printf 'menu-default = archiso:1\nlease-time = 120\n' >> "$TMPD/good.conf"
n_before=$(grep -c 'reloaded:' "$TMPD/log")
kill -HUP $pid
for _ in $(seq 1 100); do
	[ "$(grep -c 'reloaded:' "$TMPD/log")" -gt "$n_before" ] && break
	sleep 0.1
done
check "reload: an ISO whose mtime changed is checked in full again" \
	wait_for "$TMPD/log" "ISO $TMPD/isos/archiso.iso: verified in the background: served from now on" 30
# (and the tree that serves it again: the second such line)
for _ in $(seq 1 100); do
	[ "$(grep -c 'ISOs: 2 served, 1 refused, 0 being checked' "$TMPD/log")" -ge 2 ] && break
	sleep 0.1
done
check "reload: menu-default applies at once (archiso is the second ISO now)" sh -c "
	curl -s 'http://127.0.0.1:$PORT/boot.ipxe?memsize=4096' | grep -q '^choose --timeout 4000 --default iso1-e1 '"
check "reload: a key that needs a restart says so" \
	grep -q 'SIGHUP: lease-time changed: it takes effect at the next start' "$TMPD/log"
printf 'http-port = oops\n' >> "$TMPD/good.conf"
kill -HUP $pid
sleep 0.5
check "a reload with a broken config keeps serving the old settings" sh -c "
	grep -q 'reload failed, keeping the running settings: .*good.conf:.*http-port' '$TMPD/log' &&
	curl -sf http://127.0.0.1:$PORT/hello.txt | grep -q hello"

kill -TERM $pid
for _ in $(seq 1 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
check "SIGTERM stops it cleanly" sh -c "! kill -0 $pid 2>/dev/null && grep -q 'SIGTERM: stopping' '$TMPD/log'"
host_done
