#!/bin/sh
# mk/version.sh - the version pxestick names (--version, the serving line,
# /status.json): VERSION's number, and in a git checkout "+g" and the
# commit, so two builds of one commit say the same and differ from others
# (a commit tagged vVERSION says VERSION alone: a release).
set -eu
cd "$(dirname "$0")/.."
v=$(cat VERSION)
# A commit tagged vVERSION is that release: its number alone.
if c=$(git rev-parse --short=12 HEAD 2>/dev/null) &&
    [ "$(git tag --points-at HEAD 2>/dev/null | grep -x "v$v")" != "v$v" ]; then
	v="$v+g$c"
fi
printf '%s\n' "$v"
