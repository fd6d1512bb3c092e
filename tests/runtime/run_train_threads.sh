#!/bin/sh
# run_train_threads.sh DGC SHARED_DIR WORK_DIR — training does not depend on
# the thread count: a reduced δHBV (LSTM of 24 hidden units with dropout,
# 2 components, batch 13 so no split is even) trained for 2 epochs on 1
# thread, and the same run done as 1 epoch on 2 threads then --resume on 3,
# end with the same weights and optimiser state bit for bit (the digests
# that `train` prints). Exit 77 (skipped) when shared/ is absent.
set -eu
DGC=$1
SHARED=$2
WORK=$3
DATA=$SHARED/data/camels_us
[ -d "$DATA/basin_mean_forcing" ] || { echo "run_train_threads: $DATA not found, skipped"; exit 77; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$WORK"
cat > "$WORK/dhbv_threads.dg" <<'DG'
import "dhbv.dg"

model dhbv_threads "δHBV 1.0, small network" extends dhbv {
  replace learn params by lstm(hidden = 24, dropout = 0.5)
    from P, T, PET, attributes(p_mean, aridity, frac_snow, elev_mean)
    dynamic BETA, BETAET
  replace components 2
}
DG
"$DGC" -I "$ROOT/examples/dhbv" "$WORK/dhbv_threads.dg" -o "$WORK/dhbv_threads"
M=$WORK/dhbv_threads
set -- --data "$DATA" --basins 01031500 --train 1980-10-01:1995-09-30 --batch 13 --rho 50 --warmup 40 \
       --iters-per-epoch 3 --seed 3
digest() { sed -n 's/^checkpoint: .*(weights crc32 \([0-9a-f]*\), optimiser \([0-9a-f]*\)).*/\1 \2/p' "$1"; }

"$M" train "$@" --epochs 2 --threads 1 --checkpoint "$WORK/one.bin" > "$WORK/one.log"
"$M" train "$@" --epochs 1 --threads 2 --checkpoint "$WORK/many.bin" > "$WORK/many1.log"
"$M" train "$@" --epochs 2 --threads 3 --checkpoint "$WORK/many.bin" --resume > "$WORK/many2.log"
a=$(digest "$WORK/one.log")
b=$(digest "$WORK/many2.log")
echo "1 thread: $a; 2 threads then resumed on 3: $b"
[ -n "$a" ] && [ "$a" = "$b" ] || { echo "NOT OK: the weights depend on the thread count"; exit 1; }
