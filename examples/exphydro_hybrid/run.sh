#!/bin/sh
# examples/exphydro_hybrid/run.sh — EXP-HYDRO against its hybrid M100 (two
# MLPs in place of ET and runoff; Höge et al. 2022) on CAMELS basin 01013500,
# trained on 1980-10-01..1995-09-30 and compared on 1995-10-01..2010-09-30:
#   1. EXP-HYDRO with its published calibrated parameters (the stdlib
#      defaults; `train --epochs 0` keeps them, `eval` scores them)
#   2. EXP-HYDRO calibrated here: the six parameters trained directly
#      (no network), from those defaults, on the training period
#   3. the hybrid exphydro_nn.dg, its MLPs trained end to end
# then prints NSE, KGE and bias of each over the test period.
# Environment (defaults): DGC (build/bin/dgc), DATA (../shared/data/exphydro),
# OUT (build/examples/exphydro_hybrid), CAL_EPOCHS (30), NN_EPOCHS (30), each
# of 20 iterations; the ctest runs fewer. Exit 77 when the data is absent.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
DGC=${DGC:-$root/build/bin/dgc}
DATA=${DATA:-$root/../shared/data/exphydro}
OUT=${OUT:-$root/build/examples/exphydro_hybrid}
CAL_EPOCHS=${CAL_EPOCHS:-30}
NN_EPOCHS=${NN_EPOCHS:-30}
[ -f "$DATA/01013500.csv" ] || { echo "exphydro_hybrid: $DATA/01013500.csv not found (set DATA=...)"; exit 77; }
[ -x "$DGC" ] || { echo "exphydro_hybrid: $DGC not built (run make build)" >&2; exit 1; }
mkdir -p "$OUT"
cfg=$here/train.cfg
csv=$DATA/{basin}.csv

echo "==== compiling stdlib/models/exphydro.dg and examples/exphydro_hybrid/exphydro_nn.dg"
"$DGC" "$root/stdlib/models/exphydro.dg" -o "$OUT/exphydro"
"$DGC" "$here/exphydro_nn.dg" -o "$OUT/exphydro_nn"

# train EXECUTABLE NAME FLAGS...: a run from scratch -> OUT/NAME.ck, its wall time -> OUT/NAME.seconds
train() {
    exe=$1 name=$2
    shift 2
    rm -f "$OUT/$name.ck" "$OUT/$name.best.ck"
    t0=$(date +%s)
    "$OUT/$exe" train --config "$cfg" --forcing-csv "$csv" --checkpoint "$OUT/$name.ck" --log-every 0 "$@"
    echo $(($(date +%s) - t0)) > "$OUT/$name.seconds"
}

echo
echo "==== 1. EXP-HYDRO, published parameters (no training)"
train exphydro published --epochs 0
echo
echo "==== 2. EXP-HYDRO, direct calibration of its parameters ($CAL_EPOCHS epochs)"
train exphydro calibrated --lr 0.05 --epochs "$CAL_EPOCHS"
echo
echo "==== 3. hybrid M100, MLPs for ET and runoff ($NN_EPOCHS epochs)"
train exphydro_nn hybrid --lr 0.005 --epochs "$NN_EPOCHS"

echo
echo "==== test period 1995-10-01:2010-09-30"
for run in published:exphydro calibrated:exphydro hybrid:exphydro_nn; do
    name=${run%%:*} exe=${run#*:}
    "$OUT/$exe" eval --checkpoint "$OUT/$name.ck" --out "$OUT/$name.metrics.csv" --plot "$OUT/plots_$name"
done
"$OUT/exphydro" simulate --checkpoint "$OUT/calibrated.ck" --out "$OUT/calibrated_sim" > /dev/null

# the side-by-side table (and metrics.csv: model,nse,kge,bias_pct)
{
    echo "model,nse,kge,bias_pct"
    for name in published calibrated hybrid; do
        awk -F, -v m="$name" '$1 == "median" { print m "," $3 "," $4 "," $8 }' "$OUT/$name.metrics.csv"
    done
} > "$OUT/metrics.csv"
echo
echo "basin 01013500, test period 1995-10-01:2010-09-30 (trained on 1980-10-01:1995-09-30)"
awk -F, -v d="$OUT" 'NR == 1 { next }
    {
        label["published"] = "EXP-HYDRO, published parameters"
        label["calibrated"] = "EXP-HYDRO, calibrated here"
        label["hybrid"] = "hybrid M100 (MLP ET and runoff)"
        if (NR == 2) printf "%-34s %7s %7s %8s %10s\n", "model", "NSE", "KGE", "bias%", "training"
        s = "?"
        if ((getline s < (d "/" $1 ".seconds")) > 0) s = s " s"
        if ($1 == "published") s = "none"
        printf "%-34s %7.3f %7.3f %8.2f %10s\n", label[$1], $2, $3, $4, s
    }' "$OUT/metrics.csv"
echo
echo "calibrated parameters: $OUT/calibrated_sim/params.csv; hydrographs: $OUT/plots_*/01013500.svg"
