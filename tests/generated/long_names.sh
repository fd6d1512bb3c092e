#!/bin/sh
# long_names.sh DGC WORKDIR — cycle reports through 300-character names and
# long import paths: each is reported once, at the right place, with the
# chain shortened to "..." instead of overrunning the message buffer (a flux
# or function cycle between two such names used to crash `dgc check`).
set -u
dgc=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2

fail=0
# NAME of N characters: the letter $1, then $3 repeated
long() { printf '%s' "$1"; printf "%0$(($2 - 1))d" 0 | tr 0 "$3"; }
A=$(long a 300 x) B=$(long b 300 y)

# check NAME EXPECTED: `dgc check NAME.dg` exits 1 without a sanitizer report
# and prints the EXPECTED text (the start of the error line).
check() {
    "$dgc" check --color=never "$1.dg" >"$1.out" 2>"$1.err"
    rc=$?
    if [ $rc -ne 1 ]; then echo "FAIL $1: exit $rc, expected 1"; fail=1; fi
    if grep -qE 'Sanitizer|runtime error:|internal compiler error' "$1.err"; then
        echo "FAIL $1: sanitizer report or ICE"; fail=1
    fi
    if ! grep -qF -- "$2" "$1.err"; then echo "FAIL $1: no line with '$(printf %.80s "$2")...'"; fail=1; fi
    [ $fail -eq 0 ] || { echo "---- stderr of $1"; cat "$1.err"; }
}
# the chain in a note, cut short: it ends in "..."
check_cut() {
    if ! grep -qE "^note: the cycle is .*\.\.\.\$" "$1.err"; then echo "FAIL $1: the cycle note is not cut with '...'"; fail=1; fi
}

cat >flux.dg <<DG
model m {
  input P : mm/d
  state S : mm = 0
  flux $A : mm/d = P + $B
  flux $B : mm/d = 0.5 * $A
  dS/dt = P - $A
  output S : mm
  output $B : mm/d
}
DG
check flux "flux.dg:4:8: error: flux '$A' depends on itself: '$A' -> 'b"
grep -qE "^flux.dg:4:8: error: .*\.\.\.\$" flux.err || { echo "FAIL flux: the chain is not cut with '...'"; fail=1; }

cat >fn.dg <<DG
fn $A(x) = if x > 0 then $B(x - 1) else 0
fn $B(x) = if x > 0 then $A(x - 1) else 1
model m {
  input P : mm/d
  state S : mm = 0
  step s { S += P * $A(3) }
  output S : mm
}
DG
check fn "fn.dg:1:324: error: function '$A' calls itself through '$B' (recursion is not supported)"
check_cut fn

cat >ext.dg <<DG
model $A extends $B {
  input P : mm/d
}
model $B extends $A {
  state S : mm = 0
}
DG
check ext "ext.dg:4:316: error: model '$B' extends itself through '$A'"
check_cut ext

# import cycle through paths of about 1,000 characters (in folders of 200:
# file systems cap one name at 255)
dir=$(long p 200 d)/$(long q 200 e)/$(long r 200 f)/$(long s 200 g)/$(long t 200 h)
mkdir -p "$dir"
echo "import \"two.dgi\"" >"$dir/one.dgi"
echo "import \"one.dgi\"" >"$dir/two.dgi"
echo "import \"$dir/one.dgi\"" >imports.dg
check imports "$dir/two.dgi:1:8: error: import cycle: 'one.dgi' leads back to this file"
check_cut imports

exit $fail
