#!/bin/sh
# run_norm_stats.sh DGC SHARED_DIR WORK_DIR — norm(X) end to end on basin
# 01013500 (shared/data/exphydro, a per-basin CSV): a model whose outputs are
# norm(T) and norm(P) themselves, so the statistics can be read back.
#   train (1985-10-01:1990-09-30) prints the mean and standard deviation of
#     P and T over the training period only (computed here with awk; those of
#     the whole record differ, so the check can fail);
#   simulate --checkpoint and eval over a later year standardise with the
#     checkpoint's statistics, not with that year's;
#   --resume keeps them; simulate without a checkpoint standardises with the
#     simulated period's own (mean 0, standard deviation 1 there).
# Exit 77 (skipped) when shared/ is absent.
set -eu
DGC=$1
SHARED=$2
WORK=$3
CSV=$SHARED/data/exphydro/01013500.csv
[ -f "$CSV" ] || { echo "run_norm_stats: $CSV not found, skipped"; exit 77; }
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"
fail() { echo "NOT OK: $*"; exit 1; }

cat > norm.dg <<'DG'
model bucket_norm "a bucket whose outflow depends on standardised forcing" {
  input P : mm/d, T : degC
  param k : 1/d in [0.01, 0.5]
  state S : mm = 10
  net f = mlp(2 -> 4 -> 1, tanh, output = sigmoid)
  step s { S += P  q = k * S * (0.5 + f(norm(T), norm(P)))  S -= q }
  output q : mm/d
  output zT : - = norm(T)
  output zP : - = norm(P)
}
DG
"$DGC" norm.dg -o norm
set -- --forcing-csv "$CSV" --basins 01013500 --obs-column 'flow(mm)' --map 'P=prcp(mm/day)' --map 'T=tmean(C)'

# mean and population standard deviation of column c (P 2, T 3) over [a, b]
stats() {
    awk -F, -v c="$1" -v a="$2" -v b="$3" 'NR > 1 && $1 >= a && $1 <= b { n++; s += $c; q += $c * $c }
        END { m = s / n; printf "%.9g %.9g\n", m, sqrt(q / n - m * m) }' "$CSV"
}
near() { awk -v x="$1" -v y="$2" -v tol="$3" 'BEGIN { d = x - y; if (d < 0) d = -d; m = y < 0 ? -y : y;
                                               exit !(d <= tol * (m > 1 ? m : 1)) }'; }

# 1. training statistics: the training period only
./norm train "$@" --train 1985-10-01:1990-09-30 --test 2000-10-01:2001-09-30 --epochs 1 --iters-per-epoch 2 \
    --batch 2 --rho 100 --warmup 30 --checkpoint ck.bin > train.log 2>&1 || fail "train: $(cat train.log)"
line=$(grep 'norm() statistics of the training basins and period:' train.log) || fail "no statistics: $(cat train.log)"
got() { echo "$line" | sed "s/.* $1 mean \([^ ]*\) std \([^ ;]*\).*/\1 \2/"; }
for v in "P 2" "T 3"; do
    set -- $v
    want=$(stats "$2" 1985-10-01 1990-09-30)
    whole=$(stats "$2" 1980-10-01 2010-09-30)
    g=$(got "$1")
    near "${g% *}" "${want% *}" 1e-6 && near "${g#* }" "${want#* }" 1e-6 || fail "$1: train says '$g', the training period has '$want'"
    near "${g% *}" "${whole% *}" 1e-3 && fail "$1: the statistics of the whole record ($whole) are as close"
done
set -- --forcing-csv "$CSV" --basins 01013500 --obs-column 'flow(mm)' --map 'P=prcp(mm/day)' --map 'T=tmean(C)'
mT=$(got T); sT=${mT#* }; mT=${mT% *}

# 2. simulate --checkpoint over a later year: z = (T - training mean) / training std on every day
./norm simulate --checkpoint ck.bin --period 2000-10-01:2001-09-30 --out sim > sim.log 2>&1 || fail "$(cat sim.log)"
awk -F, -v m="$mT" -v s="$sT" 'NR == FNR { if (FNR > 1) T[$1] = $3; next }
    FNR == 1 { for (i = 1; i <= NF; i++) if ($i == "zT") c = i; next }
    { z = (T[$1] - m) / s; d = $c - z; if (d < 0) d = -d; if (d > 1e-5 * (1 + (z < 0 ? -z : z))) {
              print $1 ": zT " $c ", (T - mean) / std with the training statistics " z; bad = 1; exit } n++ }
    END { if (n != 365) { print n " days"; bad = 1 } exit bad }' "$CSV" sim/01013500.csv ||
    fail "simulate --checkpoint does not standardise with the checkpoint's statistics"
./norm eval --checkpoint ck.bin --period 2000-10-01:2001-09-30 --out metrics.csv > eval.log 2>&1 || fail "eval: $(cat eval.log)"

# 3. --resume keeps the checkpoint's statistics
./norm train "$@" --train 1985-10-01:1990-09-30 --epochs 2 --checkpoint ck.bin --resume > resume.log 2>&1 ||
    fail "resume: $(cat resume.log)"
grep -qF "$line" resume.log || fail "resume changed the statistics: $(grep 'norm()' resume.log)"

# 4. simulate without a checkpoint: the simulated period's own statistics
printf 'name,value\nk,0.1\n' > p.csv
./norm simulate --forcing-csv "$CSV" --map 'P=prcp(mm/day)' --map 'T=tmean(C)' --params p.csv \
    --period 2000-10-01:2001-09-30 --out s.csv > s.log 2>&1 || fail "simulate: $(cat s.log)"
awk -F, 'NR > 1 { n++; s += $3; q += $3 * $3 } END { m = s / n; v = q / n - m * m;
    if (m < -1e-9 || m > 1e-9 || v < 1 - 1e-9 || v > 1 + 1e-9) { print "mean " m ", variance " v; exit 1 } }' s.csv ||
    fail "simulate without a checkpoint: zT is not standardised over the simulated period"
echo "norm() statistics OK"
