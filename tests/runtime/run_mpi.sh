#!/bin/sh
# run_mpi.sh DGC SHARED_DIR WORK_DIR — data-parallel training under MPI
# (runtime/comm.h) on CAMELS basin 01031500 with a reduced δHBV (LSTM of 24
# units with dropout, 2 components, batch 13 so the ranks get 6 and 7):
#   - 2 epochs under `mpirun -np 2` end with the weights of 1 process, to
#     float reduction order (the gradient sums meet in another order): the
#     largest difference, relative to the largest weight, is below 1e-5;
#   - the printed losses of the two runs agree to their printed digits;
#   - 1 epoch under MPI, then --resume under MPI to 2 epochs, equals the
#     2-epoch MPI run bit for bit (the weight digests);
#   - eval split over 2 ranks writes the same metrics file as 1 process.
# Exit 77 (skipped) without mpirun, a runtime built with MPI, or shared/.
set -eu
DGC=$1
SHARED=$2
WORK=$3
DATA=$SHARED/data/camels_us
[ -d "$DATA/basin_mean_forcing" ] || { echo "run_mpi: $DATA not found, skipped"; exit 77; }
command -v mpirun > /dev/null || { echo "run_mpi: no mpirun, skipped"; exit 77; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$WORK"
cat > "$WORK/dhbv_mpi.dg" <<'DG'
import "dhbv.dg"

model dhbv_mpi "δHBV 1.0, small network" extends dhbv {
  replace learn params by lstm(hidden = 24, dropout = 0.5)
    from P, T, PET, attributes(p_mean, aridity, frac_snow, elev_mean)
    dynamic BETA, BETAET
  replace components 2
}
DG
"$DGC" -I "$ROOT/examples/dhbv" "$WORK/dhbv_mpi.dg" -o "$WORK/dhbv_mpi"
M=$WORK/dhbv_mpi
"$M" info | grep -q "^mpi: yes" || { echo "run_mpi: runtime built without MPI, skipped"; exit 77; }
MPIRUN="mpirun -np 2 --oversubscribe"
[ "$(id -u)" -eq 0 ] && MPIRUN="$MPIRUN --allow-run-as-root"
set -- --data "$DATA" --basins 01031500 --train 1980-10-01:1995-09-30 --valid 1995-10-01:1999-09-30 --batch 13 \
       --rho 50 --warmup 40 --iters-per-epoch 3 --seed 3 --threads 1 --log-every 1
digest() { sed -n 's/^checkpoint: .*(weights crc32 \([0-9a-f]*\), optimiser \([0-9a-f]*\)).*/\1 \2/p' "$1"; }
# (under mpirun rank 0 writes to a pseudo-terminal: progress lines end in \r and start with ESC [K)
losses() { tr '\r' '\n' < "$1" | sed 's/\x1b\[K//g' | sed -n 's/^epoch \([0-9]*\)\/[0-9]*: loss \([0-9.]*\).*/\1 \2/p'; }

"$M" train "$@" --epochs 2 --checkpoint "$WORK/one.bin" > "$WORK/one.log"
$MPIRUN "$M" train "$@" --epochs 2 --checkpoint "$WORK/two.bin" > "$WORK/two.log"
grep -q "data-parallel over 2 MPI ranks" "$WORK/two.log" || { echo "NOT OK: not data-parallel"; exit 1; }
d=$(python3 "$ROOT/tests/runtime/ck_weights.py" "$WORK/one.bin" "$WORK/two.bin")
echo "1 process vs 2 ranks: largest weight difference $d (relative to the largest weight)"
awk -v d="$d" 'BEGIN { exit !(d < 1e-5) }' || { echo "NOT OK: the ranks trained another model"; exit 1; }
[ "$(losses "$WORK/one.log")" = "$(losses "$WORK/two.log")" ] || { echo "NOT OK: epoch losses differ"; exit 1; }

$MPIRUN "$M" train "$@" --epochs 1 --checkpoint "$WORK/resumed.bin" > /dev/null
$MPIRUN "$M" train "$@" --epochs 2 --checkpoint "$WORK/resumed.bin" --resume > "$WORK/resumed.log"
a=$(digest "$WORK/two.log")
b=$(digest "$WORK/resumed.log")
echo "2 ranks: $a; resumed under MPI: $b"
[ -n "$a" ] && [ "$a" = "$b" ] || { echo "NOT OK: resume under MPI is not exact"; exit 1; }

"$M" eval --checkpoint "$WORK/two.bin" --period 1995-10-01:1999-09-30 --out "$WORK/eval1.csv" > /dev/null
$MPIRUN "$M" eval --checkpoint "$WORK/two.bin" --period 1995-10-01:1999-09-30 --out "$WORK/eval2.csv" > /dev/null
cmp "$WORK/eval1.csv" "$WORK/eval2.csv" || { echo "NOT OK: eval split over ranks differs"; exit 1; }
echo "eval over 2 ranks = eval in 1 process"
