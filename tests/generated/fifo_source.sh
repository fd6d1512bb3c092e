#!/bin/sh
# fifo_source.sh DGC WORKDIR — a named pipe as an imported file or as the file
# on the command line is refused at once ("not a regular file"); opening it
# used to block dgc forever, waiting for a writer.
set -u
dgc=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2
mkfifo f.dg || exit 2
cat >main.dg <<'DG'
import "f.dg"
model m {
  input P : mm/d
  state S : mm = 0
  step s { S += P }
  output S : mm
}
DG

fail=0
# run WANT-EXIT WANT-LINE FILE: dgc check FILE (20 s at most) exits WANT-EXIT
# and prints WANT-LINE, without a sanitizer report
run() {
    timeout 20 "$dgc" check --color=never "$3" >out.txt 2>err.txt
    rc=$?
    if [ $rc -eq 124 ]; then echo "FAIL $3: dgc hangs"; fail=1; return; fi
    [ $rc -eq "$1" ] || { echo "FAIL $3: exit $rc, expected $1"; fail=1; }
    grep -qxF -- "$2" err.txt || { echo "FAIL $3: no line '$2'"; fail=1; }
    if grep -qE 'Sanitizer|runtime error:' err.txt; then echo "FAIL $3: sanitizer report"; fail=1; fi
    [ $fail -eq 0 ] || { echo "---- stderr"; cat err.txt; }
}
run 1 "main.dg:1:8: error: 'f.dg' is not a regular file" main.dg
run 3 "f.dg: error: 'f.dg' is not a regular file" f.dg
exit $fail
