#!/bin/sh
# tests/examples/synthetic.sh DGC SHARED_DIR WORK_DIR — the example
# examples/synthetic/run.sh in a reduced configuration (16 synthetic basins,
# 12 trained on, 15 epochs of 20 iterations instead of 100): generation,
# simulation of the truth, training through the per-basin CSV input,
# params.csv and the recovery table. The training basins' median test NSE
# must pass 0.95 and the best-identified parameters (K2, PERC, TT, CFMAX)
# correlate with the truth at r > 0.8 across the training basins. Exit 77
# without shared/data.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export DGC="$1" DATA="$2/data/camels_us" OUT="$3" NBASINS=16 NTRAIN=12 EPOCHS=15
rm -rf "$OUT"
sh "$ROOT/examples/synthetic/run.sh"
awk -F, '
    $1 ~ /^(K2|PERC|TT|CFMAX)$/ { n++; if (!($2 > 0.8)) { bad = 1; print "NOT OK: r(" $1 ") = " $2 } }
    $1 == "nse_train" { nse = $2 }
    END {
        if (n != 4) { print "NOT OK: " n " of 4 parameters in the table"; bad = 1 }
        if (!(nse > 0.95)) { print "NOT OK: median test NSE of the training basins " nse; bad = 1 }
        exit bad
    }' "$OUT/recovery.csv"
[ "$(wc -l < "$OUT/learned/params.csv")" -eq 17 ]
