#!/bin/sh
# examples/regional/run.sh — regional δHBV on the 432 CAMELS basins of the
# Caravan-layout data: compile, train (or resume), evaluate on the test period.
#
#   examples/regional/run.sh            train on all 432 basins (train.cfg: 50 epochs of 277
#                                       iterations), resuming OUT/dhbv_regional.ck if it exists;
#                                       then eval 1995-10-01..2010-09-30 with CDF and map
#   examples/regional/run.sh eval       only the evaluation, of the shipped checkpoint
#                                       examples/regional/dhbv_regional.ck (no training)
#   examples/regional/run.sh folds K    prediction in ungauged basins: K runs, each trained on
#                                       every fold but one (basin i of the list is in fold
#                                       i mod K + 1), then the pooled held-out metrics
#   examples/regional/run.sh forcings   the forcing alone: the same model and recipe
#                                       (examples/dhbv/train.cfg, 160 iterations of 25
#                                       windows) trained on basin 01031500 with CAMELS's Daymet
#                                       and with Caravan's ERA5-Land, seeds 111111, 222222,
#                                       333333; test NSE of each (CAMELS=DIR: the CAMELS-US
#                                       folder, ../shared/data/camels_us)
#
# Environment (defaults): DGC (build/bin/dgc), DATA (../shared/data/caravan_camels),
# ATTR (../shared/data/camels_us/camels_attributes_v2.0), OUT (build/examples/regional),
# EPOCHS (train.cfg's 50), THREADS (every core), BASINS (DATA/basins.txt: the basins of
# `eval`). Exit 77 when the data is absent.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
DGC=${DGC:-$root/build/bin/dgc}
DATA=${DATA:-$root/../shared/data/caravan_camels}
ATTR=${ATTR:-$root/../shared/data/camels_us/camels_attributes_v2.0}
OUT=${OUT:-$root/build/examples/regional}
[ -d "$DATA/timeseries" ] || { echo "regional: Caravan data not found at $DATA (set DATA=...)"; exit 77; }
[ -x "$DGC" ] || { echo "regional: $DGC not built (run make build)" >&2; exit 1; }
mkdir -p "$OUT"
mode=${1:-train}
folds=${2:-5}
"$DGC" "$here/dhbv_regional.dg" -o "$OUT/dhbv_regional"
M=$OUT/dhbv_regional
set -- --config "$here/train.cfg" --data "$DATA" --attributes "$ATTR" --basins "$DATA/basins.txt" --log-every 10
[ -n "${EPOCHS:-}" ] && set -- "$@" --epochs "$EPOCHS"
[ -n "${THREADS:-}" ] && set -- "$@" --threads "$THREADS"
test_period=1995-10-01:2010-09-30

case "$mode" in
eval)
    "$M" eval --checkpoint "$here/dhbv_regional.ck" --data "$DATA" --attributes "$ATTR" --basins "${BASINS:-$DATA/basins.txt}" \
        --period $test_period --out "$OUT/metrics.csv" --cdf "$OUT/nse_cdf.svg" --map "$OUT/nse_map.svg"
    ;;
folds)
    K=$folds
    for k in $(seq 1 "$K"); do
        ck=$OUT/fold$k.ck
        resume=""
        [ -f "$ck" ] && resume=--resume
        echo "==== fold $k of $K"
        "$M" train "$@" --folds "$K" --fold "$k" --checkpoint "$ck" $resume
    done
    "$M" eval --checkpoint "$OUT/fold{fold}.ck" --folds "$K" --data "$DATA" --attributes "$ATTR" \
        --period $test_period --out "$OUT/folds_metrics.csv" --cdf "$OUT/folds_nse_cdf.svg" --map "$OUT/folds_nse_map.svg"
    ;;
forcings)
    CAMELS=${CAMELS:-$root/../shared/data/camels_us}
    for seed in 111111 222222 333333; do
        for src in "$CAMELS" "$DATA"; do
            name=$(basename "$src")_$seed
            "$M" train --config "$root/examples/dhbv/train.cfg" --data "$src" --attributes "$ATTR" --basins 01031500 \
                --train 1981-10-01:1995-09-30 --seed $seed --checkpoint "$OUT/forcing_$name.ck" \
                ${THREADS:+--threads $THREADS} > "$OUT/forcing_$name.log"
            "$M" eval --checkpoint "$OUT/forcing_$name.ck" --period $test_period --out "$OUT/forcing_$name.csv" > /dev/null
            awk -F, -v n="$name" '$1 == "01031500" { print n ": test NSE " $3 ", KGE " $4 ", FHV " $10 }' "$OUT/forcing_$name.csv"
        done
    done
    ;;
*)
    ck=$OUT/dhbv_regional.ck
    resume=""
    [ -f "$ck" ] && resume=--resume
    "$M" train "$@" --checkpoint "$ck" $resume
    "$M" eval --checkpoint "$ck" --data "$DATA" --attributes "$ATTR" --basins "$DATA/basins.txt" \
        --period $test_period --out "$OUT/metrics.csv" --cdf "$OUT/nse_cdf.svg" --map "$OUT/nse_map.svg"
    ;;
esac
