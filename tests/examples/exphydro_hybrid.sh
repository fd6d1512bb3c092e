#!/bin/sh
# tests/examples/exphydro_hybrid.sh DGC SHARED_DIR WORK_DIR — the example
# examples/exphydro_hybrid/run.sh in a reduced configuration (calibration 3
# epochs, hybrid 4 epochs, of 20 iterations each) on basin 01013500: the
# table is printed; the published EXP-HYDRO scores its test NSE of 0.786, the
# calibration stays near it, and the hybrid's MLPs, trained from their random
# initial weights (test NSE -0.15), pass NSE 0.6. Exit 77 without shared/data.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export DGC="$1" DATA="$2/data/exphydro" OUT="$3" CAL_EPOCHS=3 NN_EPOCHS=4
rm -rf "$OUT"
sh "$ROOT/examples/exphydro_hybrid/run.sh"
m=$OUT/metrics.csv
awk -F, '
    $1 == "published" { p = $2 } $1 == "calibrated" { c = $2 } $1 == "hybrid" { h = $2 }
    END {
        ok = (p > 0.78 && p < 0.79 && c > 0.74 && h > 0.6)
        printf "test NSE: published %.4f, calibrated %.4f, hybrid %.4f: %s\n", p, c, h, ok ? "ok" : "NOT OK"
        exit !ok
    }' "$m"
[ -s "$OUT/calibrated_sim/params.csv" ] && [ -s "$OUT/plots_hybrid/01013500.svg" ]
