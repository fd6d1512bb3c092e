#!/bin/sh
# tests/examples/variants.sh DGC SHARED_DIR WORK_DIR — the example
# examples/variants/run.sh in a reduced configuration (3 epochs of 20
# iterations instead of 40) on CAMELS basin 01031500: the three hypotheses
# compile, train and evaluate, the table has a row for each, and every model
# passes test NSE 0.5 (untrained networks score 0.31-0.33). Exit 77 without
# shared/data.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export DGC="$1" DATA="$2/data/camels_us" OUT="$3" EPOCHS=3
rm -rf "$OUT"
sh "$ROOT/examples/variants/run.sh"
awk -F, 'NR > 1 { n++; if (!($2 > 0.5)) { bad = 1; print "NOT OK: " $1 " test NSE " $2 } }
    END { if (n != 3) { print "NOT OK: " n " models in the table"; bad = 1 } exit bad }' "$OUT/metrics.csv"
