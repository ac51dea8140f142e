#!/bin/sh
# image/stick-conf.sh - write the stick's pxestick.conf: every key that
# `pxestick serve --help` lists, with its description, commented out with
# the value the appliance uses (image/conf-defaults.txt).
#
#   sh image/stick-conf.sh PXESTICK DEFAULTS >pxestick.conf
#
# Fails when --help names a key that DEFAULTS lacks, or the other way round.
set -eu
die() { printf 'stick-conf: error: %s\n' "$*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: stick-conf.sh PXESTICK DEFAULTS"
help=$("$1" serve --help) || die "$1 serve --help failed"

cat <<'HEAD'
# pxestick.conf -- the settings of the pxestick appliance.
#
# Every setting is listed below, commented out ('#'), with the value the
# appliance uses when it is not set.  To change one, remove the '#' at the
# start of its line and edit the value.  One "key = value" per line.
#
# At boot the appliance checks this file: a line it cannot use is shown on
# its screen with the reason and left out; everything else still applies.
# Paths are relative to the top of this stick.
HEAD

body=$(printf '%s\n' "$help" | awk -v defaults="$2" '
BEGIN {
	while ((getline l < defaults) > 0) {
		if (l ~ /^[ \t]*(#|$)/) continue
		n = split(l, f, "|")
		k = f[1]; gsub(/^[ \t]+|[ \t]+$/, "", k)
		v = f[2]; gsub(/^[ \t]+|[ \t]+$/, "", v)
		note = n >= 3 ? f[3] : ""; gsub(/^[ \t]+|[ \t]+$/, "", note)
		val[k] = v; notes[k] = note; known[k] = 1
	}
}
/^  --[a-z]/ {
	k = $1; sub(/^--/, "", k)
	d = $0; sub(/^  --[^ ]+ +/, "", d)
	if (!(k in known)) { printf "stick-conf: key %s (pxestick serve --help) has no line in %s\n", k, defaults > "/dev/stderr"; bad = 1; next }
	seen[k] = 1
	printf "\n# %s\n", d
	if (notes[k] != "") printf "# %s\n", notes[k]
	v = val[k]
	if (v ~ /^e\.g\. /) { sub(/^e\.g\. /, "", v); printf "#%s = %s\n", k, v }
	else if (v != "-") printf "#%s = %s\n", k, v
}
END {
	for (k in known) if (!(k in seen)) { printf "stick-conf: %s names %s, which pxestick serve --help does not list\n", defaults, k > "/dev/stderr"; bad = 1 }
	exit bad
}') || exit 1
printf '%s\n' "$body" | fold -s -w 78 | sed 's/^\([^#]\)/# \1/; s/ *$//'
