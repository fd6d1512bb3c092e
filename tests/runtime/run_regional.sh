#!/bin/sh
# run_regional.sh DGC SHARED_DIR WORK_DIR — the regional path end to end, on
# the Caravan-layout CAMELS data (shared/data/caravan_camels): a reduced
# examples/regional model (LSTM of 16 units, 2 components, PET computed in
# the model from DOY and LAT) trained on 8 basins with 2-fold splits by basin:
#   train --folds 2 --fold k   (k = 1, 2: 4 basins each, the other 4 held out)
#   eval --checkpoint 'ck{fold}' --folds 2   -> pooled held-out table, CSV, CDF and map SVGs
#   eval of fold 1 on an explicit basin list (basins it never saw are predicted)
# and require the pooled held-out median NSE to beat the untrained network's.
# Exit 77 (skipped) when shared/ is absent.
set -eu
DGC=$1
SHARED=$2
WORK=$3
DATA=$SHARED/data/caravan_camels
ATTR=$SHARED/data/camels_us/camels_attributes_v2.0
[ -d "$DATA/timeseries" ] || { echo "run_regional: $DATA not found, skipped"; exit 77; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$WORK"
cat > "$WORK/regional_small.dg" <<'DG'
import "dhbv_regional.dg"

model regional_small "regional δHBV, small network" extends dhbv_regional {
  replace learn params by lstm(hidden = 16, dropout = 0.5)
    from P, T, PET, attributes(p_mean, aridity, frac_snow, elev_mean, slope_mean, frac_forest)
    dynamic BETA, BETAET
  replace components 2
}
DG
"$DGC" -I "$ROOT/examples/regional" -I "$ROOT/examples/dhbv" "$WORK/regional_small.dg" -o "$WORK/regional_small"
M=$WORK/regional_small
# 8 basins from across the list (New England to the Pacific North-West)
awk 'NR % 54 == 1' "$DATA/basins.txt" > "$WORK/basins.txt"
[ "$(wc -l < "$WORK/basins.txt")" -eq 8 ] || { echo "expected 8 basins"; exit 1; }
set -- --data "$DATA" --attributes "$ATTR" --basins "$WORK/basins.txt" --train 1981-10-01:1995-09-30 \
       --test 1995-10-01:2000-09-30 --batch 8 --rho 120 --warmup 120 --iters-per-epoch 10 --seed 5 --threads 2
# a fold outside 1..folds would hold out nothing: refused as a usage error (exit 2), not trained on all
for bad in "--folds 2 --fold 3" "--folds 2" "--fold 1" "--folds 1 --fold 1"; do
    rc=0
    "$M" train "$@" $bad --epochs 0 --checkpoint "$WORK/bad.ck" > "$WORK/bad.log" 2>&1 || rc=$?
    [ "$rc" -eq 2 ] && grep -q "^error: .*fold" "$WORK/bad.log" || { echo "NOT OK: train $bad gave exit $rc"; cat "$WORK/bad.log"; exit 1; }
done
for k in 1 2; do
    "$M" train "$@" --folds 2 --fold $k --epochs 0 --checkpoint "$WORK/untrained$k.ck" > /dev/null
    "$M" train "$@" --folds 2 --fold $k --epochs 4 --checkpoint "$WORK/trained$k.ck" > "$WORK/train$k.log"
    grep -q "training on 4 basins" "$WORK/train$k.log" || { echo "fold $k: not trained on 4 basins"; exit 1; }
done
"$M" eval --checkpoint "$WORK/untrained{fold}.ck" --folds 2 --out "$WORK/untrained.csv" > /dev/null
"$M" eval --checkpoint "$WORK/trained{fold}.ck" --folds 2 --out "$WORK/pooled.csv" --cdf "$WORK/nse_cdf.svg" \
     --map "$WORK/nse_map.svg" | tee "$WORK/pooled.txt"
rows=$(grep -c '^[0-9]' "$WORK/pooled.csv")
[ "$rows" -eq 8 ] || { echo "pooled held-out metrics: $rows basins, expected 8"; exit 1; }
grep -q '<polyline' "$WORK/nse_cdf.svg" || { echo "no CDF curve"; exit 1; }
[ "$(grep -c '<circle' "$WORK/nse_map.svg")" -eq 8 ] || { echo "the map does not show 8 gauges"; exit 1; }
# fold 1's checkpoint on the basins of fold 2 given by name: predicted, not refused
sed -n '2p;4p' "$WORK/basins.txt" > "$WORK/unseen.txt"
"$M" eval --checkpoint "$WORK/trained1.ck" --basins "$WORK/unseen.txt" --out "$WORK/unseen.csv" > /dev/null
[ "$(grep -c '^[0-9]' "$WORK/unseen.csv")" -eq 2 ] || { echo "unseen basins not evaluated"; exit 1; }
n0=$(awk -F, '$1 == "median" { print $3 }' "$WORK/untrained.csv")
n1=$(awk -F, '$1 == "median" { print $3 }' "$WORK/pooled.csv")
echo "pooled held-out median NSE: untrained $n0, trained $n1"
awk -v a="$n0" -v b="$n1" 'BEGIN { ok = (b > a + 0.1); if (!ok) print "NOT OK: training did not improve the held-out median NSE by 0.1"; exit !ok }'
