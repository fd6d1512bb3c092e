#!/bin/sh
# examples/variants/run.sh — hypothesis testing with dgc: three process
# hypotheses for CAMELS basin 01031500, trained the same way and compared on
# the same test period:
#   hbv_base       HBV 1.0, parameters learned by an MLP from CAMELS attributes
#   hbv_capillary  + capillary rise from the lower zone into the soil
#   hbv_mlp_et     the ET factor of the soil routine replaced by an MLP
# Each is compiled with dgc, trained with train.cfg (same data, periods,
# budget and seed) and evaluated on 1995-10-01..2010-09-30; the script prints
# NSE, KGE, bias, FHV and FLV side by side.
# Environment (defaults): DGC (build/bin/dgc), DATA (../shared/data/camels_us),
# OUT (build/examples/variants), EPOCHS (train.cfg's 40, of 20 iterations),
# SEED (train.cfg's 111111). Exit 77 when the data is absent.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
DGC=${DGC:-$root/build/bin/dgc}
DATA=${DATA:-$root/../shared/data/camels_us}
OUT=${OUT:-$root/build/examples/variants}
[ -d "$DATA/basin_mean_forcing" ] || { echo "variants: CAMELS data not found at $DATA (set DATA=...)"; exit 77; }
[ -x "$DGC" ] || { echo "variants: $DGC not built (run make build)" >&2; exit 1; }
mkdir -p "$OUT"
set -- --config "$here/train.cfg" --data "$DATA" --log-every 0
[ -n "${EPOCHS:-}" ] && set -- "$@" --epochs "$EPOCHS"
[ -n "${SEED:-}" ] && set -- "$@" --seed "$SEED"
models="hbv_base hbv_capillary hbv_mlp_et"

for m in $models; do
    echo "==== $m: compile, train, evaluate"
    "$DGC" "$here/$m.dg" -o "$OUT/$m"
    rm -f "$OUT/$m.ck" "$OUT/$m.best.ck"
    t0=$(date +%s)
    "$OUT/$m" train "$@" --checkpoint "$OUT/$m.ck"
    echo $(($(date +%s) - t0)) > "$OUT/$m.seconds"
    "$OUT/$m" eval --checkpoint "$OUT/$m.ck" --out "$OUT/$m.metrics.csv" --plot "$OUT/plots_$m"
    echo
done

# metrics.csv: model,nse,kge,bias_pct,fhv,flv,seconds; then the table
{
    echo "model,nse,kge,bias_pct,fhv,flv,seconds"
    for m in $models; do
        awk -F, -v m="$m" -v s="$(cat "$OUT/$m.seconds")" \
            '$1 == "median" { print m "," $3 "," $4 "," $8 "," $10 "," $11 "," s }' "$OUT/$m.metrics.csv"
    done
} > "$OUT/metrics.csv"
echo "basin 01031500, test period 1995-10-01:2010-09-30 (trained on 1980-10-01:1995-09-30, same seed)"
awk -F, 'NR == 1 { printf "%-15s %7s %7s %8s %8s %8s %9s\n", "model", "NSE", "KGE", "bias%", "FHV%", "FLV%", "training"; next }
    { printf "%-15s %7.3f %7.3f %8.2f %8.2f %8.2f %7s s\n", $1, $2, $3, $4, $5, $6, $7 }' "$OUT/metrics.csv"
echo
echo "metrics: $OUT/metrics.csv; hydrographs: $OUT/plots_<model>/01031500.svg"
