#!/bin/sh
# run_train_nonfinite.sh DGC SHARED_DIR WORK_DIR — a loss that is not finite
# names where it came from: a bucket whose outflow takes log(T + 25) is NaN
# on 1988-01-15 at CAMELS 01031500 (mean temperature -25.3 degC), and
# `train` must say which basin, which day (warm-up or counted), which output
# and state, the inputs of that day, and what to do, in the runtime's
# error:/note: style without C source locations (DGC_DEBUG=1 adds one).
# Exit 77 (skipped) when shared/ is absent.
set -u
DGC=$1
SHARED=$2
WORK=$3
DATA=$SHARED/data/camels_us
[ -d "$DATA/basin_mean_forcing" ] || { echo "run_train_nonfinite: $DATA not found, skipped"; exit 77; }
mkdir -p "$WORK"
cat > "$WORK/nan_bucket.dg" <<'DG'
const T0 : degC = 1
model nan_bucket {
  input P : mm/d, T : degC, PET : mm/d
  param K : 1/d in [0.01, 0.5] = 0.1
  state S : mm = 50
  step s { S += P  sink aet = min(PET, S)  S -= aet  q = K * S * (1 + 0.01 * log((T + 25) / T0))  S -= q }
  output q : mm/d
}
DG
fail() { echo "NOT OK: $1"; echo "---- stderr"; cat "$WORK/err.txt"; exit 1; }
expect_line() { grep -qxF "$1" "$WORK/err.txt" || fail "missing line: $1"; }

# the window is the whole period: 20 warm-up days hold 1988-01-15
"$DGC" run "$WORK/nan_bucket.dg" train --data "$DATA" --basins 01031500 --train 1988-01-01:1988-04-30 \
    --warmup 20 --rho 101 --batch 2 --epochs 1 --iters-per-epoch 1 --checkpoint "$WORK/ck.bin" \
    >"$WORK/out.txt" 2>"$WORK/err.txt"
rc=$?
[ $rc -eq 1 ] || fail "exit $rc, want 1"
expect_line "error: the loss is not finite at epoch 1, iteration 1"
expect_line "note: basin 01031500 (window 1988-01-01..1988-04-30): on 1988-01-15 (a warm-up day), the first non-finite value: output 'q' is nan, state 'S' is nan at the end of the day"
expect_line "note: the inputs that day: P = 0, T = -25.315, PET = 0"
expect_line "note: 2 of the batch's 2 windows are not finite: basin 01031500 from 1988-01-15 (drawn more than once)"
grep -q "^note: the model computes it from finite inputs and parameters: guard the expression" "$WORK/err.txt" \
    || fail "no advice"
grep -q '\.c:[0-9]' "$WORK/err.txt" && fail "a C source location without DGC_DEBUG"

# the same day counted by the loss (3 warm-up days), and DGC_DEBUG=1 shows where it was raised
DGC_DEBUG=1 "$DGC" run "$WORK/nan_bucket.dg" train --data "$DATA" --basins 01031500 --train 1988-01-10:1988-02-28 \
    --warmup 3 --rho 47 --batch 1 --epochs 1 --iters-per-epoch 1 --checkpoint "$WORK/ck2.bin" \
    >"$WORK/out.txt" 2>"$WORK/err.txt"
rc=$?
[ $rc -eq 1 ] || fail "exit $rc, want 1"
expect_line "note: basin 01031500 (window 1988-01-10..1988-02-28): on 1988-01-15 (a day the loss counts), the first non-finite value: output 'q' is nan, state 'S' is nan at the end of the day"
grep -q "^note: raised at runtime/train.c:[0-9]*$" "$WORK/err.txt" || fail "DGC_DEBUG=1: no source location"
# a model with norm(): the day-by-day rerun gets the batch's input statistics too
sed 's#q = K \* S \* (1 + #q = K * S * (1 + 0.01 * norm(T) + #' "$WORK/nan_bucket.dg" > "$WORK/nan_norm.dg"
grep -q "norm(T)" "$WORK/nan_norm.dg" || fail "the norm() variant was not written"
"$DGC" run "$WORK/nan_norm.dg" train --data "$DATA" --basins 01031500 --train 1988-01-01:1988-04-30 \
    --warmup 20 --rho 101 --batch 2 --epochs 1 --iters-per-epoch 1 --checkpoint "$WORK/ck3.bin" \
    >"$WORK/out.txt" 2>"$WORK/err.txt"
rc=$?
[ $rc -eq 1 ] || fail "norm(): exit $rc, want 1"
expect_line "note: basin 01031500 (window 1988-01-01..1988-04-30): on 1988-01-15 (a warm-up day), the first non-finite value: output 'q' is nan, state 'S' is nan at the end of the day"
echo "run_train_nonfinite: OK"
