#!/bin/sh
# `pxestick keys check|script` against ssh-keygen, shellcheck and a real
# run of script.cfg (busybox sh and the system sh) in a throwaway root.
# Keys come from tests/fixtures/mk-keys.sh.
. tests/host/lib.sh
KEYS=$FIXTURES/keys
umask 022

# line ARGS...: one line, printed as is (echo would read backslashes).
line() {
	printf '%s\n' "$*"
}

# ---- check: every fixture key, as ssh-keygen -l sees it ----

# label TYPE: the type as ssh-keygen -l names it.
label() {
	case $1 in
	ssh-ed25519) echo ED25519 ;;
	ecdsa-sha2-*) echo ECDSA ;;
	ssh-rsa) echo RSA ;;
	sk-ssh-ed25519@openssh.com) echo ED25519-SK ;;
	sk-ecdsa-sha2-nistp256@openssh.com) echo ECDSA-SK ;;
	*) echo "?" ;;
	esac
}

# agrees NAME: pxestick and ssh-keygen -l report the same bits, fingerprint,
# comment and type for $KEYS/NAME.pub.
agrees() {
	f=$KEYS/$1.pub
	ours=$("$PXESTICK" keys check "$f") || return 1
	theirs=$(ssh-keygen -l -f "$f") || return 1
	# ours:   FILE:1: ok TYPE BITS FP COMMENT
	# theirs: BITS FP COMMENT (LABEL)
	# shellcheck disable=SC2086
	set -- $ours
	want="$4 $5 $6 ($(label "$3"))"
	echo "pxestick:   $want"
	echo "ssh-keygen: $theirs"
	[ "$2" = ok ] && [ "$1" = "$f:1:" ] && [ "$want" = "$theirs" ]
}

for k in ed25519 ecdsa256 ecdsa384 ecdsa521 rsa2048 rsa3072 rsa4096 sk-ed25519 sk-ecdsa; do
	check "keys check agrees with ssh-keygen -l: $k" agrees "$k"
done

refuses_rsa1024() {
	"$PXESTICK" keys check "$KEYS/rsa1024.pub" > "$TMPD/out" 2> "$TMPD/err"
	rc=$?
	ssh-keygen -l -f "$KEYS/rsa1024.pub" | grep -q '^1024 '
	cat "$TMPD/err"
	[ "$rc" -eq 1 ] && [ ! -s "$TMPD/out" ] && [ "$(cat "$TMPD/err")" = \
"$KEYS/rsa1024.pub:1: RSA key has 1024 bits, at least 2048 are needed
$KEYS/rsa1024.pub: no valid SSH key in the file" ]
}
check "keys check refuses a 1024-bit RSA key (exit 1)" refuses_rsa1024

# ---- check: broken lines get FILE:LINE: messages ----

ED=$(cut -d' ' -f2 "$KEYS/ed25519.pub")
P256=$(cut -d' ' -f2 "$KEYS/ecdsa256.pub")
RSA=$(cut -d' ' -f2 "$KEYS/rsa2048.pub")
ED_CUT=$(printf '%s' "$ED" | cut -c1-60)
# The same ed25519 blob with one byte more (trailing garbage): re-encoded.
ED_LONG=$( (printf '%s' "$ED" | base64 -d; printf 'X') | base64 -w0)
BAD=$TMPD/bad_keys
{
	echo "# a comment, then a blank line"
	echo
	echo "ssh-ed25519 $ED good"
	echo "ssh-ed25519 ${ED}!! broken base64"
	echo "ssh-rsa $ED type mismatch"
	echo "ssh-ed25519 $ED_CUT truncated"
	echo "ssh-ed25519 $ED_LONG trailing garbage"
	echo "frobnicate ssh-ed25519 $ED unknown option"
	echo "no-pty,command=\"x ssh-ed25519 $ED"
	echo "ssh-dss AAAAB3NzaC1kc3M= old"
	printf 'ssh-ed25519 %s bell\007\n' "$ED"
	echo "ssh-ed25519"
	echo "no-pty ssh-ed25519 $ED duplicate"
} > "$BAD"

bad_lines_reported() {
	"$PXESTICK" keys check "$BAD" > "$TMPD/out" 2> "$TMPD/err"
	rc=$?
	cat > "$TMPD/want" <<EOF
$BAD:4: key data is not base64: 70 characters, not a multiple of 4 (cut short?)
$BAD:5: key data is of type 'ssh-ed25519', but the line says 'ssh-rsa'
$BAD:6: key data: the ed25519 public key claims 32 bytes, only 26 are left
$BAD:7: trailing garbage after the key data (1 bytes)
$BAD:8: options: unknown option 'frobnicate'
$BAD:9: options: missing end quote
$BAD:10: DSA keys (ssh-dss) are not supported; make one with 'ssh-keygen -t ed25519'
$BAD:11: control character 0x07 at column 86
$BAD:12: no key data after 'ssh-ed25519'
$BAD:13: warning: the same key as line 3 (sshd uses only the first)
EOF
	diff "$TMPD/want" "$TMPD/err" || return 1
	[ "$rc" -eq 1 ] && [ "$(wc -l < "$TMPD/out")" -eq 1 ] &&
		grep -q "^$BAD:3: ok ssh-ed25519 256 SHA256:" "$TMPD/out"
}
check "keys check reports each bad line as FILE:LINE: (exit 1)" bad_lines_reported

bad_base64_char() {
	printf 'ssh-ed25519 %s\n' "$(printf '%s' "$ED" | sed 's/^AAAA/AA*A/')" > "$TMPD/b64"
	"$PXESTICK" keys check "$TMPD/b64" 2>&1 |
		grep -qx "$TMPD/b64:1: key data is not base64: bad character 0x2a at offset 2"
}
check "keys check names a bad base64 character" bad_base64_char

check_exit "keys check: no file is a usage error (exit 2)" 2 "$PXESTICK" keys check
check_exit "keys check: missing file (exit 2)" 2 "$PXESTICK" keys check "$TMPD/nonexistent"
check_exit "keys check: a directory (exit 2)" 2 "$PXESTICK" keys check "$TMPD"
check_exit "keys: unknown command (exit 2)" 2 "$PXESTICK" keys frob
check_exit "keys --help (exit 0)" 0 "$PXESTICK" keys --help
head -c 1048577 /dev/zero > "$TMPD/huge"
check_exit "keys check: a file over 1 MiB (exit 2)" 2 "$PXESTICK" keys check "$TMPD/huge"
: > "$TMPD/empty"
check_exit "keys check: a file without keys (exit 1)" 1 "$PXESTICK" keys check "$TMPD/empty"
check_exit "keys check under ASan+UBSan on the bad file (exit 1)" 1 \
	"$PXESTICK_ASAN" keys check "$BAD"

# ---- script: hostile comments stay data ----

# Each canary is created only if some byte of the key file runs as shell.
C=$TMPD/canary
AK=$TMPD/authorized_keys
VALID=$TMPD/valid_lines
{
	line "ssh-ed25519 $ED it's \$(touch $C.1) \`touch $C.2\`; touch $C.3"
	line "ecdsa-sha2-nistp256 $P256 '; touch $C.4; ' \"; touch $C.5 #\" \\'"
	line "restrict,command=\"echo '\$(touch $C.6)'\" ssh-rsa $RSA x'\"'\"'\$(touch $C.7)"
	cat "$KEYS/ecdsa384.pub" "$KEYS/ecdsa521.pub" "$KEYS/rsa3072.pub" \
		"$KEYS/rsa4096.pub" "$KEYS/sk-ed25519.pub" "$KEYS/sk-ecdsa.pub"
} > "$VALID"
{
	echo "# authorized_keys for the lab"
	sed -n 1,2p "$VALID"
	line "ssh-ed25519 $ED_CUT \$(touch $C.8)"
	line "\$(touch $C.9) ssh-ed25519 $ED"
	line "touch $C.10"
	# shellcheck disable=SC2016
	printf 'ssh-ed25519 %s \\\r$(touch %s.11)\n' "$ED" "$C"
	sed -n '3,$p' "$VALID"
	cat "$KEYS/rsa1024.pub"
	line "ssh-ed25519 $ED duplicate \$(touch $C.12)"
} > "$AK"

"$PXESTICK" keys script "$AK" > "$TMPD/script.cfg" 2> "$TMPD/script.err"
script_rc=$?
script_generated() {
	cat "$TMPD/script.err"
	[ "$script_rc" -eq 1 ] && [ -s "$TMPD/script.cfg" ] &&
		[ "$(grep -c "^$AK:[0-9]*: " "$TMPD/script.err")" -eq 6 ] &&
		grep -q "^$AK:15: RSA key has 1024 bits" "$TMPD/script.err" &&
		grep -q "^$AK:16: the same key as line 2 (sshd uses only the first), left out" \
			"$TMPD/script.err"
}
check "keys script reports the 6 lines it leaves out (exit 1)" script_generated
check "shellcheck passes on script.cfg" shellcheck "$TMPD/script.cfg"
check "script.cfg starts with #!/bin/sh" sh -c "head -n 1 '$TMPD/script.cfg' | grep -qx '#!/bin/sh'"

# run_script SHELL ROOT [VAR=VALUE...]: run script.cfg unprivileged in ROOT.
run_script() {
	sh_=$1
	root_=$2
	shift 2
	mkdir -p "$root_/root" "$root_/tmp"
	# shellcheck disable=SC2086
	env PXESTICK_ROOT="$root_" TMPDIR="$root_/tmp" "$@" \
		$sh_ "$TMPD/script.cfg" > "$TMPD/run.out" 2>&1
}

# tree ROOT: every path below ROOT with its mode, sorted.
tree() {
	(cd "$1" && find . -exec stat -c "%a %n" {} + | LC_ALL=C sort -k2)
}

installs_exactly() {
	sh_=$1
	root_=$TMPD/root-$(echo "$sh_" | tr -c 'a-z\n' _)
	rm -f "$C".*
	printf '#!/bin/sh\necho "systemctl $*" >> "%s"\n' "$root_.calls" > "$TMPD/systemctl"
	chmod +x "$TMPD/systemctl"
	run_script "$sh_" "$root_" PXESTICK_SYSTEMCTL="$TMPD/systemctl"
	rc=$?
	cat "$TMPD/run.out"
	[ "$rc" -eq 0 ] || return 1
	cmp "$VALID" "$root_/root/.ssh/authorized_keys" || return 1
	printf '%s\n' "755 ." "755 ./root" "700 ./root/.ssh" "600 ./root/.ssh/authorized_keys" \
		"755 ./tmp" > "$TMPD/tree.want"
	tree "$root_" | diff "$TMPD/tree.want" - || return 1
	[ "$(cat "$root_.calls")" = "systemctl start sshd" ] || return 1
	grep -qx "pxestick: installed 9 SSH keys for root" "$TMPD/run.out" || return 1
	# ssh-keygen reads the installed file as sshd would: 9 keys.
	[ "$(ssh-keygen -l -f "$root_/root/.ssh/authorized_keys" | wc -l)" -eq 9 ] || return 1
	# Again: the same file, the same tree, no duplicate.
	run_script "$sh_" "$root_" PXESTICK_SYSTEMCTL="$TMPD/systemctl" || return 1
	cmp "$VALID" "$root_/root/.ssh/authorized_keys" || return 1
	tree "$root_" | diff "$TMPD/tree.want" - || return 1
	for c in "$C".*; do
		[ -e "$c" ] && { echo "canary created: $c"; return 1; }
	done
	return 0
}
check "busybox sh: script.cfg installs exactly the valid keys (0700/0600), twice" \
	installs_exactly "busybox sh"
check "sh: script.cfg installs exactly the valid keys (0700/0600), twice" \
	installs_exactly sh
no_canary() {
	ls "$C".* 2> /dev/null && return 1
	return 0
}
check "no hostile comment ran (canary files absent)" no_canary

without_systemctl() {
	run_script "busybox sh" "$TMPD/root-nosd"
	rc=$?
	cat "$TMPD/run.out"
	[ "$rc" -eq 0 ] && grep -qx "pxestick: PXESTICK_ROOT is set: sshd not started" "$TMPD/run.out"
}
check "script.cfg with PXESTICK_ROOT and no PXESTICK_SYSTEMCTL starts nothing" without_systemctl

sshd_fails() {
	run_script "busybox sh" "$TMPD/root-fail" PXESTICK_SYSTEMCTL=false
	rc=$?
	cat "$TMPD/run.out"
	[ "$rc" -eq 1 ] &&
		grep -qx "pxestick: 'systemctl start sshd' failed: no SSH logins until sshd runs" \
			"$TMPD/run.out" &&
		cmp "$VALID" "$TMPD/root-fail/root/.ssh/authorized_keys"
}
check "script.cfg says so and exits 1 when sshd does not start" sshd_fails

# ---- script --extra: steps ----

EXTRA=$TMPD/10-extra.sh
cat > "$TMPD/extra.lf" <<'EOF'
#!/bin/sh
# runs after the keys are in place
[ -s "$PXESTICK_ROOT/root/.ssh/authorized_keys" ] || exit 9
echo "extra: it's $(echo ran)" > "$PXESTICK_ROOT/extra-ran"
cd /
exit "${EXTRA_RC:-0}"
EOF
# CRLF line ends, as a Windows editor on the stick's FAT partition writes.
sed 's/$/\r/' "$TMPD/extra.lf" > "$EXTRA"
# A second step, no #! line (run with sh): it sees the first one's work
# but not its working directory (its own process).
printf 'echo "second: $(cat "$PXESTICK_ROOT/extra-ran") in $(pwd)" > "$PXESTICK_ROOT/second-ran"\n' \
	> "$TMPD/20-second.sh"
"$PXESTICK" keys script "$KEYS/ed25519.pub" --extra "$EXTRA" --extra "$TMPD/20-second.sh" \
	> "$TMPD/script.cfg" 2> "$TMPD/script.err"
extra_rc=$?
check "keys script --extra A --extra B (exit 0)" test "$extra_rc" -eq 0
check "shellcheck passes on script.cfg with two steps" shellcheck "$TMPD/script.cfg"
extra_runs() {
	mkdir -p "$TMPD/root-extra/work"
	(cd "$TMPD/root-extra/work" && run_script "busybox sh" "$TMPD/root-extra" PXESTICK_SYSTEMCTL=true) ||
		return 1
	cat "$TMPD/run.out"
	[ "$(cat "$TMPD/root-extra/extra-ran")" = "extra: it's ran" ] &&
		[ "$(cat "$TMPD/root-extra/second-ran")" = "second: extra: it's ran in $TMPD/root-extra/work" ] &&
		grep -qx "pxestick: step $EXTRA" "$TMPD/run.out" &&
		grep -qx "pxestick: step $TMPD/20-second.sh: done" "$TMPD/run.out" &&
		[ -z "$(ls -A "$TMPD/root-extra/tmp")" ]
}
check "script.cfg runs each step in order, in its own process, names it, then removes it" extra_runs
extra_fails() {
	run_script "busybox sh" "$TMPD/root-extra2" PXESTICK_SYSTEMCTL=true EXTRA_RC=5
	rc=$?
	cat "$TMPD/run.out"
	[ "$rc" -eq 5 ] && grep -qx "pxestick: step $EXTRA FAILED (exit 5)" "$TMPD/run.out" &&
		[ -s "$TMPD/root-extra2/second-ran" ] &&
		cmp "$KEYS/ed25519.pub" "$TMPD/root-extra2/root/.ssh/authorized_keys"
}
check "a failing step is said, the next step still runs, the keys stay, the exit says so" extra_fails
printf 'echo a\0b\n' > "$TMPD/nul.sh"
check_exit "keys script --extra with a NUL byte (exit 2)" 2 \
	"$PXESTICK" keys script "$KEYS/ed25519.pub" --extra "$TMPD/nul.sh"

no_keys_script() {
	"$PXESTICK" keys script "$TMPD/empty" > "$TMPD/script.cfg" 2> /dev/null
	[ $? -eq 1 ] || return 1
	shellcheck "$TMPD/script.cfg" || return 1
	run_script "busybox sh" "$TMPD/root-empty" PXESTICK_SYSTEMCTL=true
	rc=$?
	cat "$TMPD/run.out"
	[ "$rc" -eq 1 ] && [ -e "$TMPD/root-empty/root/.ssh/authorized_keys" ] &&
		[ ! -s "$TMPD/root-empty/root/.ssh/authorized_keys" ] &&
		grep -q "no valid SSH key: root cannot log in" "$TMPD/run.out"
}
check "script.cfg without a valid key installs an empty file and exits 1" no_keys_script

host_done
