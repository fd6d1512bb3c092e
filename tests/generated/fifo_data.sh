#!/bin/sh
# fifo_data.sh MODEL_EXE WORKDIR — the runtime's file readers (CSV tables,
# checkpoints, training configurations) refuse a named pipe at once with a
# data error (exit 3) instead of blocking on it; MODEL_EXE is a compiled
# model's command line (tests/runtime's dgrt_toy).
set -u
exe=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2
mkfifo pipe || exit 2

fail=0
# run WANT-EXIT ARGS...: EXE ARGS (20 s at most) exits WANT-EXIT and names the pipe
run() {
    want=$1; shift
    timeout 20 "$exe" "$@" >out.txt 2>err.txt
    rc=$?
    if [ $rc -eq 124 ]; then echo "FAIL $*: hangs"; fail=1; return; fi
    [ $rc -eq "$want" ] || { echo "FAIL $*: exit $rc, expected $want"; fail=1; }
    grep -q "error: 'pipe' .*not a regular file" err.txt ||
        { echo "FAIL $*: no 'not a regular file' error"; fail=1; }
    if grep -qE 'Sanitizer|runtime error:' err.txt; then echo "FAIL $*: sanitizer report"; fail=1; fi
    [ $fail -eq 0 ] || { echo "---- stderr"; cat err.txt; }
}
run 3 simulate --forcing-csv pipe --out q.csv
run 3 eval --checkpoint pipe
run 2 train --config pipe
exit $fail
