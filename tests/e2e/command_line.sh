#!/bin/sh
# command_line.sh DGC WORK_DIR — misspelt options and commands of dgc and of
# a model's command line (dgc run) get "did you mean", a usage error is a few
# lines that point at --help (never the whole usage text), no runtime
# message shows a C source location, and `dgc run FILE.dg --model NAME CMD`
# takes --model as dgc's.
set -u
DGC=$1
WORK=$2
mkdir -p "$WORK"
cat > "$WORK/bucket.dg" <<'DG'
model bucket {
  input P : mm/d
  param K : 1/d in [0.01, 0.5] = 0.1
  state S : mm = 10
  step s { S += P  q = K * S  S -= q }
  output q : mm/d
}
DG
failed=0
# expect EXIT LINE -- ARGS...: the exit code and one line of stderr
expect() {
    want_rc=$1 want_line=$2
    shift 3
    "$DGC" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt"
    rc=$?
    if [ $rc -ne "$want_rc" ] || ! grep -qxF "$want_line" "$WORK/err.txt"; then
        echo "NOT OK: dgc $*: exit $rc (want $want_rc), stderr:"
        cat "$WORK/err.txt"
        echo "(wanted the line: $want_line)"
        failed=1
    fi
    if [ "$(wc -l <"$WORK/err.txt")" -gt 4 ] || grep -q '^usage:\|\.c:[0-9]' "$WORK/err.txt"; then
        echo "NOT OK: dgc $*: more than a short usage error:"
        cat "$WORK/err.txt"
        failed=1
    fi
}
B=$WORK/bucket.dg
expect 2 "dgc: unknown option '--sumary'; did you mean '--summary'?" -- --sumary "$B"
expect 2 "dgc: unknown option '--colr=never'; did you mean '--color=never'?" -- check --colr=never "$B"
expect 2 "dgc: unknown option '--dump-chcked'; did you mean '--dump-checked'?" -- --dump-chcked "$B"
expect 2 "dgc: unknown command 'chek'; did you mean 'check'?" -- chek "$B"
expect 2 "(run 'dgc --help' for usage)" -- --frobnicate "$B"
# the model's commands, through dgc run
expect 2 "note: did you mean 'simulate'?" -- run "$B" simulat
expect 2 "note: did you mean '--period'?" -- run "$B" simulate --forcing-csv f.csv --perid 2000-01-01:2000-12-31
expect 2 "note: did you mean '--steps'?" -- run "$B" gradcheck --stesp 5
expect 2 "note: did you mean '--epochs'?" -- run "$B" train --epocs 3
expect 2 "note: did you mean '--checkpoint'?" -- run "$B" eval --checkpont ck.bin
expect 2 "note: 'bucket --help' lists the commands and options" -- run "$B" simulate --data d
# dgc's build options may sit between FILE.dg and the model's command
if ! "$DGC" run "$B" --model bucket -O1 info >"$WORK/out.txt" 2>"$WORK/err.txt" ||
   ! grep -q '^model bucket' "$WORK/out.txt"; then
    echo "NOT OK: dgc run FILE --model bucket -O1 info:"; cat "$WORK/err.txt"; failed=1
fi
expect 2 "dgc: $B has no model 'nope'" -- run "$B" --model nope info
[ $failed -eq 0 ] && echo "command_line: OK"
exit $failed
