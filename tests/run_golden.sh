#!/usr/bin/env bash
# run_golden.sh DGC MODE FILE.dg [EXPECTED] — golden test of one stage dump:
#   cd $(dirname FILE) && DGC --dump-MODE --color=never $(basename FILE)
# and diff -u its stdout with FILE without .dg + .expected. dgc runs from the
# file's directory with the bare file name, so paths in dumps and messages
# are portable. With UPDATE_GOLDEN=1 the .expected file is (re)written.
# MODE is the name of the directory under tests/golden/: ast, checked, ...;
# MODE summary runs `dgc --summary` (the model descriptions of `dgc check --summary`).
# EXPECTED overrides the expected file (used for stdlib/ and examples/ models,
# whose dumps live in tests/golden/stdlib/).
set -u

if [ $# -ne 3 ] && [ $# -ne 4 ]; then
    echo "usage: $0 DGC MODE FILE.dg [EXPECTED]" >&2
    exit 2
fi
dgc=$1
mode=$2
file=$3
[ -f "$file" ] || { echo "$0: no such file: $file" >&2; exit 2; }
case $dgc in /*) ;; *) dgc=$(cd "$(dirname "$dgc")" && pwd)/$(basename "$dgc") ;; esac

dir=$(dirname "$file")
base=$(basename "$file")
expected=${4:-$dir/${base%.dg}.expected}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dg_golden.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

flag=--dump-$mode
[ "$mode" = summary ] && flag=--summary
(cd "$dir" && "$dgc" "$flag" --color=never "$base") >"$tmp/stdout" 2>"$tmp/stderr"
status=$?

# 0 and 1 (user errors) are both valid dumps; anything else is a crash/usage error.
if [ "$status" -gt 1 ] || grep -qE 'Sanitizer|runtime error:' "$tmp/stderr"; then
    echo "dgc $flag $base failed with exit status $status"
    cat "$tmp/stderr"
    exit 1
fi

if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
    if ! cmp -s "$tmp/stdout" "$expected"; then
        cp "$tmp/stdout" "$expected"
        echo "updated $expected"
    fi
    exit 0
fi

if [ ! -f "$expected" ]; then
    echo "missing $expected (create it with UPDATE_GOLDEN=1)"
    exit 1
fi
if ! diff -u --label "$expected" --label "dgc $flag $base" "$expected" "$tmp/stdout"; then
    echo "(UPDATE_GOLDEN=1 ctest -L golden rewrites the .expected files)"
    [ -s "$tmp/stderr" ] && { echo "---- stderr"; cat "$tmp/stderr"; }
    exit 1
fi
exit 0
