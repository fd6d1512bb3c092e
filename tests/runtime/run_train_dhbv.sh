#!/bin/sh
# run_train_dhbv.sh DGC SHARED_DIR WORK_DIR — training end to end: compile a
# reduced δHBV (examples/dhbv/dhbv.dg with an LSTM of 16 hidden units, 2
# components, dynamic BETA and BETAET) with dgc, then on CAMELS basin 01031500
#   train --epochs 0            -> the untrained network's checkpoint
#   train --epochs 30           -> rho 60, warm-up 60, batch 16, fixed seed
#   eval  (validation period)   -> median NSE of both
# and require the trained validation NSE >= 0.55 and >= 0.2 above the
# untrained one. Also checks simulate --checkpoint and eval --plot.
# Exit 77 (skipped) when shared/ is absent.
set -eu
DGC=$1
SHARED=$2
WORK=$3
DATA=$SHARED/data/camels_us
[ -d "$DATA/basin_mean_forcing" ] || { echo "run_train_dhbv: $DATA not found, skipped"; exit 77; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$WORK"
cat > "$WORK/dhbv_small.dg" <<'DG'
# δHBV reduced for a quick end-to-end test: 16 hidden units, 2 components.
import "dhbv.dg"

model dhbv_small "δHBV 1.0, small network" extends dhbv {
  replace learn params by lstm(hidden = 16, dropout = 0.5)
    from P, T, PET, attributes(p_mean, aridity, frac_snow, elev_mean)
    dynamic BETA, BETAET
  replace components 2
}
DG
"$DGC" -I "$ROOT/examples/dhbv" "$WORK/dhbv_small.dg" -o "$WORK/dhbv_small"

cat > "$WORK/train.conf" <<CONF
# the test's training run
data = $DATA
basins = 01031500
train = 1980-10-01:1995-09-30
valid = 1995-10-01:2005-09-30
batch = 16
rho = 60
warmup = 60
seed = 7
valid_every = 10
threads = 2
CONF

M=$WORK/dhbv_small
"$M" train --config "$WORK/train.conf" --epochs 0 --checkpoint "$WORK/untrained.bin"
"$M" train --config "$WORK/train.conf" --epochs 30 --checkpoint "$WORK/trained.bin"
"$M" eval --checkpoint "$WORK/untrained.bin" --out "$WORK/untrained.csv"
"$M" eval --checkpoint "$WORK/trained.best.bin" --benchmark --plot "$WORK/plots" --out "$WORK/trained.csv"
"$M" simulate --checkpoint "$WORK/trained.best.bin" --period 2000-01-01:2000-12-31 --out "$WORK/preds"

nse() { awk -F, '$1 == "median" { print $3 }' "$1"; }
n0=$(nse "$WORK/untrained.csv")
n1=$(nse "$WORK/trained.csv")
echo "validation NSE (1995-10-01:2005-09-30): untrained $n0, trained $n1"
[ -s "$WORK/plots/01031500.svg" ] || { echo "no hydrograph written"; exit 1; }
rows=$(wc -l < "$WORK/preds/01031500.csv")
[ "$rows" -eq 367 ] || { echo "simulate: $rows lines, expected 367"; exit 1; }
awk -v a="$n0" -v b="$n1" 'BEGIN { ok = (b >= 0.55 && b - a >= 0.2); if (!ok) print "NOT OK: trained NSE must be >= 0.55 and >= untrained + 0.2"; exit !ok }'
