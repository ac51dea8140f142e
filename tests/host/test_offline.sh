#!/bin/sh
# Offline sites: script.cfg's steps (extra-scripts, a local pacman
# repository, archinstall), shared folders, and GET /done?status= -- the
# real binary on loopback; script.cfg fetched with curl, checked with
# shellcheck and run by busybox sh in a throwaway root (PXESTICK_ROOT),
# with archinstall and curl as recording stand-ins (the live system's
# own are exercised in QEMU).
. tests/host/lib.sh
A=$FIXTURES/archiso
PORT=$((20000 + ($$ * 7) % 20000))
while ss -Hltn "sport = :$PORT" 2>/dev/null | grep -q .; do PORT=$((PORT + 1)); done
U=http://127.0.0.1:$PORT
D=$TMPD/stick
mkdir -p "$D/script.d" "$D/repo/core/os/x86_64" "$D/repo/extra/os/x86_64" "$D/archinstall" \
	"$D/state" "$D/outside"
cp "$A/archiso.iso" "$D/"

# ---- the stick ----
cat > "$D/script.d/10-motd.sh" <<'EOF'
#!/bin/sh
echo "site step: $(echo ran)" > "$PXESTICK_ROOT/etc/motd.site"
EOF
printf 'echo second step >> "$PXESTICK_ROOT/steps.log"\nexit 3\r\n' > "$D/script.d/20-fails.sh"
printf 'echo after the failure >> "$PXESTICK_ROOT/steps.log"\n' > "$D/script.d/30-after.sh"
printf 'echo a\0b\n' > "$D/script.d/25-nul.sh"
echo "not a step" > "$D/script.d/README.txt"
head -c 300000 /dev/zero | tr '\0' '#' > "$D/script.d/40-huge.sh"
head -c 100000 /dev/urandom > "$D/repo/core/os/x86_64/core.db"
echo extra > "$D/repo/extra/os/x86_64/extra.db"
echo '{"config": "lab"}' > "$D/archinstall/52-54-00-12-34-56.json"
echo '{"config": "default"}' > "$D/archinstall/default.json"
echo '{"users": []}' > "$D/archinstall/creds.json"
echo secret > "$D/outside/secret.txt"
ln -s ../outside/secret.txt "$D/repo/link.txt"
chmod -R a+rX "$TMPD"

"$PXESTICK" serve --http-port "$PORT" --https-port 0 --tftp-port 0 --dhcp off \
	--state "$D/state" --iso "$D/archiso.iso" --keys "$FIXTURES/keys/ed25519.pub" \
	--extra-scripts "$D/script.d" --share "repo $D/repo" --share "archinstall $D/archinstall" \
	--archinstall 52:54:00:12:34:56 --archinstall all > "$TMPD/serve.log" 2>&1 &
SRV=$!
trap 'kill $SRV 2>/dev/null; rm -rf "$TMPD"' EXIT INT TERM
check "serve starts with steps, shares and archinstall" wait_serving "$TMPD/serve.log" 10
check "a step with a NUL byte is named and left out" \
	grep -q "extra-scripts $D/script.d/25-nul.sh: holds a NUL byte (not a shell script?): left out" "$TMPD/serve.log"
check "a step over 256 KiB is named and left out" \
	grep -q "extra-scripts $D/script.d/40-huge.sh: larger than 256 KiB: left out" "$TMPD/serve.log"
check "the rest are taken (3 steps)" grep -q "extra-scripts $D/script.d: 3 step(s) for script.cfg" "$TMPD/serve.log"
check "the local repository is found (core extra)" \
	grep -q "pacman in the live system installs from /repo/ (core extra)" "$TMPD/serve.log"

# ---- script.cfg ----
curl -sf "$U/script.cfg" > "$TMPD/script.cfg"
check "shellcheck passes on script.cfg with steps" shellcheck "$TMPD/script.cfg"
steps_in_order() {
	grep -o "^pxestick_step '[^']*'" "$TMPD/script.cfg" | tee "$TMPD/order"
	printf '%s\n' "pxestick_step '10-motd.sh'" "pxestick_step '20-fails.sh'" \
		"pxestick_step '30-after.sh'" "pxestick_step 'pxestick: local package repository'" \
		"pxestick_step 'pxestick: archinstall'" | cmp - "$TMPD/order"
}
check "script.cfg: the site's steps in name order, then the repository, then archinstall" steps_in_order

# The generated steps, on their own, pass shellcheck too: each is printed
# line by line (printf '%s\n' 'LINE'), so sh gives back its text.
step_text() {
	sed -n "/^# step: $1\$/,/^pxestick_step/p" "$TMPD/script.cfg" | grep "^	printf " | sh
}
generated_steps_clean() {
	for st in "pxestick: local package repository" "pxestick: archinstall"; do
		step_text "$st" > "$TMPD/gen.sh"
		head -n 1 "$TMPD/gen.sh" | grep -qx '#!/bin/sh' || return 1
		shellcheck "$TMPD/gen.sh" || return 1
	done
}
check "the repository and archinstall steps pass shellcheck" generated_steps_clean

# Run it: a throwaway root, the kernel command line boot.ipxe gives.
R=$TMPD/root
mkdir -p "$R/root" "$R/tmp" "$R/proc" "$R/etc" "$TMPD/bin"
printf 'initrd=initramfs-linux.img archisobasedir=arch archiso_http_srv=%s/iso/archiso/ ip=dhcp BOOTIF=01-52-54-00-12-34-56\n' \
	"$U" > "$R/proc/cmdline"
cat > "$TMPD/bin/archinstall" <<EOF
#!/bin/sh
echo "\$*" > "$R/archinstall.args"
exit \${ARCHINSTALL_RC:-0}
EOF
cat > "$TMPD/bin/curl" <<EOF
#!/bin/sh
echo "\$*" >> "$R/curl.args"
EOF
chmod +x "$TMPD/bin/archinstall" "$TMPD/bin/curl"
run_cfg() {
	env PXESTICK_ROOT="$R" TMPDIR="$R/tmp" PXESTICK_SYSTEMCTL=true PATH="$TMPD/bin:$PATH" "$@" \
		busybox sh "$TMPD/script.cfg" > "$TMPD/run.out" 2>&1
}
run_cfg
rc=$?
cat "$TMPD/run.out" | sed 's/^/# /'
check "script.cfg exits with the failing step's status (3)" test "$rc" -eq 3
check "the keys are installed" cmp "$FIXTURES/keys/ed25519.pub" "$R/root/.ssh/authorized_keys"
check "step 10 ran" grep -qx "site step: ran" "$R/etc/motd.site"
check "the step after the failing one still ran" \
	sh -c "printf 'second step\nafter the failure\n' | cmp - '$R/steps.log'"
check "the failure is said with the step's name" grep -qx "pxestick: step 20-fails.sh FAILED (exit 3)" "$TMPD/run.out"
check "pacman's mirrorlist points at the appliance's /repo/" \
	grep -qx "Server = $U/repo/\$repo/os/\$arch" "$R/etc/pacman.d/mirrorlist"
check "archinstall runs with this machine's config and the shared creds, silently" \
	grep -qx -- "--config $U/archinstall/52-54-00-12-34-56.json --creds $U/archinstall/creds.json --silent" \
	"$R/archinstall.args"
check "the result goes to /done?status=ok" grep -q -- "$U/done?status=ok" "$R/curl.args"
check "no temporary step file is left" test -z "$(ls -A "$R/tmp")"
# Another machine: the default config; archinstall failing is reported.
sed -i 's/BOOTIF=01-52-54-00-12-34-56/BOOTIF=01-52-54-00-aa-bb-cc/' "$R/proc/cmdline"
rm -f "$R/curl.args"
run_cfg ARCHINSTALL_RC=7
check "another machine gets default.json" \
	grep -q -- "--config $U/archinstall/default.json " "$R/archinstall.args"
check "a failed archinstall reports status=archinstall-failed-7" \
	grep -q -- "$U/done?status=archinstall-failed-7" "$R/curl.args"

# ---- shares ----
get() { curl -s -o "$TMPD/body" -w '%{http_code} %{content_type}' "$@"; }
check "a share serves its files (200, the same bytes)" sh -c \
	"[ \"\$(curl -s -o '$TMPD/db' -w '%{http_code}' '$U/repo/core/os/x86_64/core.db')\" = 200 ] && cmp '$TMPD/db' '$D/repo/core/os/x86_64/core.db'"
range_ok() {
	r=$(get -r 1000-1999 "$U/repo/core/os/x86_64/core.db")
	echo "$r"
	[ "${r%% *}" = 206 ] && dd if="$D/repo/core/os/x86_64/core.db" bs=1000 skip=1 count=1 2>/dev/null |
		cmp - "$TMPD/body"
}
check "a share answers range requests (206, the bytes asked)" range_ok
check "a share's .json is application/json" sh -c \
	"curl -s -o /dev/null -w '%{content_type}' '$U/archinstall/default.json' | grep -q '^application/json'"
check "a share lists its directory" sh -c "curl -s '$U/archinstall/' | grep -q 'default.json'"
check "the file listing (/files/) lists the shares" sh -c "curl -s '$U/files/' | grep -q 'href=\"repo/\"'"
for p in "/repo/../outside/secret.txt" "/repo/%2e%2e/outside/secret.txt" "/repo/link.txt" \
	"/archinstall/..%2f..%2foutside/secret.txt"; do
	check "a share refuses $p" sh -c "r=\$(curl -s --path-as-is -o '$TMPD/t' -w '%{http_code}' '$U$p'); \
		echo \$r; [ \"\$r\" != 200 ] && ! grep -q secret '$TMPD/t'"
done
check "wget gets a shared file" sh -c "wget -q -O '$TMPD/w' '$U/archinstall/creds.json' && cmp '$TMPD/w' '$D/archinstall/creds.json'"
check "/done?status= refuses what is not a short word" sh -c \
	"curl -s '$U/done?status=%3Cscript%3E' | grep -q '^error: status='"

kill "$SRV" 2>/dev/null
wait "$SRV" 2>/dev/null
host_done
