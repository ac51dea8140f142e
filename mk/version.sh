#!/bin/sh
# mk/version.sh - the version pxestick names (--version, the serving line,
# /status.json): VERSION's number, and in a git checkout "+g" and the
# commit, so two builds of one commit say the same and differ from others.
set -eu
cd "$(dirname "$0")/.."
v=$(cat VERSION)
if c=$(git rev-parse --short=12 HEAD 2>/dev/null); then
	v="$v+g$c"
fi
printf '%s\n' "$v"
