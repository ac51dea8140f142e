#!/bin/sh
# On a host: `make install` (DESTDIR, PREFIX) puts every file where the
# unit and the man pages say; systemd-analyze verifies the unit;
# systemd-sysusers and systemd-tmpfiles take their entries; man renders
# both pages and pxestick.conf(5) names every setting the binary has; and
# the unit's privileges (a plain user with CAP_NET_BIND_SERVICE and
# CAP_NET_RAW, as AmbientCapabilities= gives) are enough to serve DHCP,
# TFTP, HTTP, HTTPS and NTP on their real ports (in a namespace).
. tests/host/lib.sh
D=$TMPD/dest
make -s --no-print-directory BUILD="$BUILD" install DESTDIR="$D" PREFIX=/usr >"$TMPD/make.out" 2>&1
check "make install DESTDIR=... PREFIX=/usr" sh -c 'cat "$0"; [ -x "$1/usr/sbin/pxestick" ]' "$TMPD/make.out" "$D"
(cd "$D" && find . \( -type f -o -type l \) | sort) >"$TMPD/files"
cat >"$TMPD/want" <<'EOF2'
./etc/pxestick/pxestick.conf
./usr/lib/pxestick/ipxe.efi
./usr/lib/pxestick/snponly.efi
./usr/lib/pxestick/undionly.kpxe
./usr/lib/systemd/system/pxestick.service
./usr/lib/sysusers.d/pxestick.conf
./usr/lib/tmpfiles.d/pxestick.conf
./usr/sbin/pxestick
./usr/share/man/man5/pxestick.conf.5
./usr/share/man/man8/pxestick.8
EOF2
check "every file, and nothing else" diff "$TMPD/want" "$TMPD/files"
check "the binary is the static one" sh -c 'file "$0" | grep -q "statically linked"' "$D/usr/sbin/pxestick"
check "the iPXE files are copies of Debian's ipxe package's (no links: the files folder follows none)" sh -c \
	'for f in undionly.kpxe ipxe.efi snponly.efi; do [ ! -L "$0/usr/lib/pxestick/$f" ] && cmp "$0/usr/lib/pxestick/$f" "/usr/lib/ipxe/$f" || exit 1; done' "$D"
U=$D/usr/lib/systemd/system/pxestick.service
check "the unit starts the installed binary, reloads with SIGHUP, restarts on failure but not on 2" sh -c \
	'grep -qx "ExecStart=/usr/sbin/pxestick serve" "$0" && grep -qx "ExecReload=kill -HUP \$MAINPID" "$0" &&
	 grep -qx "Restart=on-failure" "$0" && grep -qx "RestartPreventExitStatus=2" "$0" &&
	 grep -qx "After=network-online.target" "$0" && grep -qx "User=_pxestick" "$0"' "$U"
check "the config the unit reads names the control socket pxestick status finds" sh -c \
	'grep -qx "socket = /run/pxestick/pxestick.sock" "$0/etc/pxestick/pxestick.conf" &&
	 grep -qx "files = /usr/lib/pxestick" "$0/etc/pxestick/pxestick.conf" &&
	 grep -qx "RuntimeDirectory=pxestick" "$1"' "$D" "$U"
check "the installed config passes --check-config" "$D/usr/sbin/pxestick" serve \
	--config "$D/etc/pxestick/pxestick.conf" --check-config
echo "menu-timeout = 4" >>"$D/etc/pxestick/pxestick.conf"
make -s --no-print-directory BUILD="$BUILD" install DESTDIR="$D" PREFIX=/usr >/dev/null 2>&1
check "a second install keeps the admin's config" grep -qx "menu-timeout = 4" "$D/etc/pxestick/pxestick.conf"

if command -v systemd-analyze >/dev/null 2>&1; then
	# systemd-analyze checks that ExecStart exists: an install in place.
	P=$TMPD/prefix
	make -s --no-print-directory BUILD="$BUILD" install PREFIX="$P/usr" SYSCONFDIR="$P/etc" >/dev/null 2>&1
	check "systemd-analyze verify accepts the unit" sh -c \
		'MANPATH="$1/usr/share/man" systemd-analyze verify "$1/usr/lib/systemd/system/pxestick.service" 2>&1 | tee "$0/verify.out"; [ ! -s "$0/verify.out" ]' \
		"$TMPD" "$P"
	check "systemd-sysusers makes the _pxestick user" sh -c \
		'systemd-sysusers --root="$0" "$0/usr/lib/sysusers.d/pxestick.conf" && grep -q "^_pxestick:x:[0-9]*:[0-9]*:.*:/var/lib/pxestick:" "$0/etc/passwd"' "$D"
	check "systemd-tmpfiles makes the state, run and ISO directories" sh -c \
		'systemd-tmpfiles --root="$0" --create "$0/usr/lib/tmpfiles.d/pxestick.conf" && [ -d "$0/var/lib/pxestick" ] && [ -d "$0/srv/pxestick/isos" ]' "$D"
else
	ok "systemd-analyze: skipped (not installed)"
fi

# ---- the man pages ----
check "man -l renders pxestick(8)" sh -c \
	'MANWIDTH=80 man -l "$0/usr/share/man/man8/pxestick.8" 2>"$1/man8.err" >"$1/man8.txt" && [ ! -s "$1/man8.err" ] &&
	 grep -q "^SYNOPSIS" "$1/man8.txt" && grep -q "pxestick support" "$1/man8.txt"' "$D" "$TMPD"
check "man -l renders pxestick.conf(5)" sh -c \
	'MANWIDTH=80 man -l "$0/usr/share/man/man5/pxestick.conf.5" 2>"$1/man5.err" >"$1/man5.txt" && [ ! -s "$1/man5.err" ] &&
	 grep -q "^SETTINGS" "$1/man5.txt"' "$D" "$TMPD"
every_key() {
	"$PXESTICK" serve --help | sed -n 's/^  --\([a-z0-9-]*\) .*/\1/p' >"$TMPD/keys"
	[ "$(wc -l <"$TMPD/keys")" -gt 30 ] || return 1
	while read -r k; do
		grep -q "^\.B $(printf '%s' "$k" | sed 's/-/\\\\-/g')\$" "$D/usr/share/man/man5/pxestick.conf.5" ||
			{ echo "no $k"; return 1; }
	done <"$TMPD/keys"
}
check "pxestick.conf(5) has every setting of the binary's table" every_key
check "pxestick.conf(5) gives the defaults from the table" sh -c \
	'grep -A3 "^\.B http\\\\-port\$" "$0" | grep -qx "Default: 80\."' "$D/usr/share/man/man5/pxestick.conf.5"

# ---- the Debian package ----
if command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null &&
	[ -f /usr/include/bearssl/bearssl.h ]; then
	# The tree as git sees it (committed or not), built away from it.
	mkdir -p "$TMPD/pkg/pxestick"
	git ls-files -co --exclude-standard -z | grep -zv '^debian/build/' |
		xargs -0 tar -cf - | tar -xf - -C "$TMPD/pkg/pxestick"
	(cd "$TMPD/pkg/pxestick" && dpkg-buildpackage -us -uc) >"$TMPD/deb.log" 2>&1
	check "dpkg-buildpackage -us -uc builds the .deb" sh -c \
		'tail -n 5 "$0"; ls "$1"/pxestick_*.deb' "$TMPD/deb.log" "$TMPD/pkg"
	DEB=$(ls "$TMPD"/pkg/pxestick_*_amd64.deb 2>/dev/null | head -n 1)
	dpkg -c "$DEB" 2>/dev/null | awk '{print $6}' | sed 's|^\./||' >"$TMPD/deb.files"
	deb_has() {
		for f in etc/pxestick/pxestick.conf lib/systemd/system/pxestick.service \
			usr/lib/sysusers.d/pxestick.conf usr/lib/tmpfiles.d/pxestick.conf usr/sbin/pxestick \
			usr/share/man/man5/pxestick.conf.5.gz usr/share/man/man8/pxestick.8.gz \
			usr/lib/pxestick/undionly.kpxe usr/lib/pxestick/ipxe.efi usr/lib/pxestick/snponly.efi; do
			grep -qx "$f" "$TMPD/deb.files" || { echo "no $f"; return 1; }
		done
	}
	check "dpkg -c: the binary, unit, sysusers, tmpfiles, config and man pages" deb_has
	check "the package names the ipxe it copied the iPXE binaries from (Built-Using)" sh -c \
		'dpkg-deb -f "$0" Built-Using | grep -Eq "^ipxe \(= [0-9]"' "$DEB"
	check "the config is a conffile; the postinst makes the user" sh -c \
		'dpkg-deb -e "$0" "$1/ctl" && grep -qx /etc/pxestick/pxestick.conf "$1/ctl/conffiles" &&
		 grep -q "systemd-sysusers pxestick.conf" "$1/ctl/postinst"' "$DEB" "$TMPD"
	if command -v lintian >/dev/null; then
		check "lintian: no errors" sh -c \
			'lintian "$0" "$1" 2>&1 | tee "$2/lintian.out"; ! grep -q "^E:" "$2/lintian.out"' \
			"$DEB" "$(ls "$TMPD"/pkg/pxestick_*.dsc | head -n 1)" "$TMPD"
	fi
else
	ok "the Debian package: skipped (needs dpkg-buildpackage, debhelper, libbearssl-dev)"
fi

# ---- the unit's privileges are enough ----
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && ip netns add "pxi$$" 2>/dev/null; then
	trap 'ip netns del "pxi$$" 2>/dev/null; rm -rf "$TMPD"' EXIT INT TERM
	ip netns exec "pxi$$" ip link add eth0 type veth peer name eth1
	ip netns exec "pxi$$" ip link set eth1 up
	ip netns exec "pxi$$" ip addr add 10.98.0.1/24 dev eth0
	ip netns exec "pxi$$" ip link set eth0 up
	ip netns exec "pxi$$" ip link set lo up
	mkdir -p "$TMPD/st"
	chown nobody "$TMPD/st"
	chmod a+rx "$TMPD"
	ip netns exec "pxi$$" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all,+net_bind_service,+net_raw --ambient-caps=-all,+net_bind_service,+net_raw \
		--bounding-set=-all,+net_bind_service,+net_raw \
		"$(pwd)/$PXESTICK" serve --no-config --state "$TMPD/st" --files "$D/usr/lib/pxestick" \
		--dhcp proxy --interface eth0 \
		--address 10.98.0.1/24 --ntp yes >"$TMPD/priv.log" 2>&1 &
	PRIV=$!
	wait_serving() { grep -q " pxestick: serving" "$TMPD/priv.log" 2>/dev/null; }
	i=0
	until wait_serving || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
	check "as a plain user with the unit's two capabilities: serving on 67, 69, 80, 443 and 123" sh -c \
		'cat "$0"; grep -q " pxestick: serving http://\*:80/ https://\*:443/ tftp://\*:69/ ntp://\*:123; dhcp proxy" "$0" &&
		 ! grep -q "Permission denied\|Operation not permitted" "$0"' "$TMPD/priv.log"
	check "the installed iPXE binaries are served (ipxe.efi over HTTP, undionly.kpxe over TFTP)" sh -c \
		'ip netns exec "$0" curl -sf -o "$1/got.efi" http://10.98.0.1/ipxe.efi && cmp "$1/got.efi" /usr/lib/ipxe/ipxe.efi &&
		 cd "$1" && ip netns exec "$0" tftp 10.98.0.1 -m binary -c get undionly.kpxe got.kpxe && cmp got.kpxe /usr/lib/ipxe/undionly.kpxe' \
		"pxi$$" "$TMPD"
	kill "$PRIV" 2>/dev/null
	wait "$PRIV" 2>/dev/null
else
	ok "unit privileges: skipped (needs root, setpriv and network namespaces)"
fi
host_done
