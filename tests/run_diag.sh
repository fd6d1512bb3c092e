#!/usr/bin/env bash
# run_diag.sh DGC FILE.dg — checks the diagnostics of FILE.dg against the
# expectations written inside it as comments:
#
#   x = y + 1          # expect: 5: error: unknown name 'y'
#   # expect@12: 3: warning: ...        expectation for line 12 (absolute)
#   # expect@+1: 3: error: ...          ... for the next line (relative: @+N, @-N)
#   # expect@inputs/b.dgi:2: 8: error: ...   ... for line 2 of another file (an
#                                       imported one), relative to FILE's folder
#
#   # expect-note: did you mean 'SM'?   a note with exactly this text must be printed
#                                       (anywhere in the output; for notes that matter)
#
# COL is 1-based. Each expectation becomes the line
#   FILE:LINE:COL: error: message        (FILE exactly as passed to this script)
# The runner runs `DGC check --color=never FILE`, keeps the stderr lines that
# look like `path:line:col: error|warning: ...` (notes and excerpts are
# ignored), and diffs both lists (sorted by line, column) with diff -u.
# Exit status of dgc must be 1 if an error is expected, 0 otherwise.
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 DGC FILE.dg" >&2
    exit 2
fi
dgc=$1
file=$2
[ -f "$file" ] || { echo "$0: no such file: $file" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dg_diag.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

sort_diags() { LC_ALL=C sort -t: -k2,2n -k3,3n -k4; }

# ---- expected lines from '# expect[@LINE]: COL: SEVERITY: message' ----------
awk -v file="$file" '
BEGIN { dir = file; if (!sub(/\/[^\/]*$/, "", dir)) dir = "." }
{
    sub(/\r$/, "")
    if (!match($0, /#[ \t]*expect(@[-+]?[0-9]+|@[^ \t:@]*[./][^ \t:@]*:[0-9]+)?:[ \t]*[0-9]+:[ \t]*(error|warning):/)) next
    spec = substr($0, RSTART, RLENGTH)
    msg = substr($0, RSTART + RLENGTH)
    sub(/^[ \t]+/, "", msg); sub(/[ \t]+$/, "", msg)
    line = NR
    where = file
    if (match(spec, /@[^ \t:@]*[./][^ \t:@]*:[0-9]+/)) {          # @PATH:LINE, PATH relative to the folder of file
        at = substr(spec, RSTART + 1, RLENGTH - 1)
        n = split(at, p, ":")
        where = (dir == ".") ? p[1] : dir "/" p[1]
        line = p[2] + 0
        sub(/@[^ \t:@]*[./][^ \t:@]*:[0-9]+/, "", spec)
    } else if (match(spec, /@[-+]?[0-9]+/)) {
        at = substr(spec, RSTART + 1, RLENGTH - 1)
        line = (at ~ /^[-+]/) ? NR + at : at + 0
    }
    sub(/^#[ \t]*expect(@[-+]?[0-9]+)?:[ \t]*/, "", spec)   # "COL: severity:"
    split(spec, f, ":")
    col = f[1] + 0
    sev = f[2]; gsub(/[ \t]/, "", sev)
    printf "%s:%d:%d: %s: %s\n", where, line, col, sev, msg
}' "$file" | sort_diags >"$tmp/expected"

# ---- actual diagnostics ----------------------------------------------------
"$dgc" check --color=never "$file" >"$tmp/stdout" 2>"$tmp/stderr"
status=$?
grep -E '^[^ ]*:[0-9]+:[0-9]+: (error|warning): ' "$tmp/stderr" | sed 's/[ \t]*$//' \
    | sort_diags >"$tmp/actual"

fail=0
if ! diff -u --label expected --label actual "$tmp/expected" "$tmp/actual"; then
    fail=1
fi

# ---- expected notes: '# expect-note: TEXT' --------------------------------
awk '{ sub(/\r$/, "")
       if (match($0, /#[ \t]*expect-note:[ \t]*/)) { t = substr($0, RSTART + RLENGTH); sub(/[ \t]+$/, "", t); print t } }' \
    "$file" >"$tmp/notes"
while IFS= read -r note; do
    if ! awk -v n="$note" '{ sub(/[ \t]+$/, "") }
                           $0 == "note: " n || substr($0, length($0) - length(n) - 7) == ": note: " n { found = 1 }
                           END { exit !found }' "$tmp/stderr"; then
        echo "missing note: $note"
        fail=1
    fi
done <"$tmp/notes"

if grep -q ': error: ' "$tmp/expected"; then want=1; else want=0; fi
if [ "$status" -ne "$want" ]; then
    echo "exit status: expected $want, got $status"
    fail=1
fi
if grep -qE 'Sanitizer|runtime error:|internal compiler error' "$tmp/stderr"; then
    echo "sanitizer report or internal compiler error"
    fail=1
fi

if [ $fail -ne 0 ]; then
    echo "---- stderr of: $dgc check --color=never $file"
    cat "$tmp/stderr"
    exit 1
fi
exit 0
