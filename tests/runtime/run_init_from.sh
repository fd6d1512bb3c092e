#!/bin/sh
# run_init_from.sh DGC SHARED_DIR WORK_DIR — `train --init-from` end to end on
# CAMELS basin 01031500 with stdlib HyMOD (snow variant) and hybrids of it:
#   parent    HyMOD with snow, calibrated per basin (a few iterations);
#   hybrid    + an MLP factor on AET of S / Smax and norm(T) (one replaced
#             assignment), a new parameter, and Cmax with wider bounds;
#   hybrid2   hybrid with other ETMAX bounds (its network `et` and the
#             statistics of norm(T) are shared);
#   lstm_*    parent and hybrid with an LSTM parameter network;
#   other     a model that shares nothing with them.
# Checks: the report names what was copied and what was not; the parameters
# of `simulate --checkpoint` equal the parent's (and differ without
# --init-from, so the check can fail); a copied network gives the same flows;
# --resume does not copy again; nothing shared is an error.
# Exit 77 (skipped) when shared/ is absent.
set -eu
DGC=$1
SHARED=$2
WORK=$3
DATA=$SHARED/data/camels_us
[ -d "$DATA/basin_mean_forcing" ] || { echo "run_init_from: $DATA not found, skipped"; exit 77; }
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"
fail() { echo "NOT OK: $*"; exit 1; }

cat > models.dg <<'DG'
import "models/hymod.dg"
model parent "HyMOD with snow" extends hymod_snow {}
model hybrid "HyMOD with snow and a learned AET factor" extends hymod_snow {
  replace param Cmax in [1, 800]
  param ETMAX : - in [0.5, 2] = 1
  net et = mlp(2 -> 8 -> 1, tanh, output = sigmoid)
  replace step soil.AET = min(ETMAX * et(S / Smax, norm(T)) * PET * S / Smax, S)
}
model hybrid2 extends hybrid {
  replace param ETMAX in [0.5, 3]
}
model lstm_parent extends parent {
  learn params by lstm(hidden = 8) from P, T, PET
}
model lstm_hybrid extends hybrid {
  learn params by lstm(hidden = 8) from P, T, PET
}
model other {
  input P : mm/d
  param k : 1/d in [0.01, 0.5]
  state S : mm = 0
  step s { S += P  q = k * S  S -= q }
  output q : mm/d
}
DG
for m in parent hybrid hybrid2 lstm_parent lstm_hybrid other; do "$DGC" models.dg --model $m -o $m; done

set -- --data "$DATA" --basins 01031500 --train 1985-10-01:1990-09-30 --test 1990-10-01:1992-09-30 \
    --iters-per-epoch 5 --batch 4 --rho 365 --warmup 180 --optimizer adam --lr 0.05 --log-every 0
params() { # checkpoint -> params.csv of simulate --checkpoint
    "./$1" simulate --checkpoint "$2" --out "sim_$2" > /dev/null 2>&1 || fail "simulate --checkpoint $2"
    echo "sim_$2/params.csv"
}
# the value of column $2 of a params.csv
col() { awk -F, -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } { print $k }' "$1"; }
same() { awk -v a="$1" -v b="$2" -v tol="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; m = a < 0 ? -a : a;
                                                    exit !(d <= tol * (m > 1 ? m : 1)) }'; }
shared="Cmax bexp alpha Rs Rq TT DDF"

# 1. a calibrated parent
./parent train "$@" --epochs 3 --checkpoint parent.ck > parent.log || fail "parent training: $(cat parent.log)"
P=$(params parent parent.ck)

# 2. the hybrid starts from it: the report, then the parameters themselves
./hybrid train "$@" --epochs 0 --checkpoint h0.ck --init-from parent.ck > h0.log 2>&1 || fail "init-from: $(cat h0.log)"
for want in "copied   parameter bexp (1 of 1 basins)" \
            "copied   parameter Cmax (1 of 1 basins; moved into the new bounds)" \
            "initial  parameter ETMAX: not in model 'parent'" \
            "initial  network et: not in model 'parent'"; do
    grep -qF "$want" h0.log || fail "report lacks '$want': $(cat h0.log)"
done
H=$(params hybrid h0.ck)
for c in $shared; do
    same "$(col "$P" $c)" "$(col "$H" $c)" 1e-5 || fail "$c: parent $(col "$P" $c), hybrid $(col "$H" $c)"
done
# without --init-from the hybrid starts at its defaults: the check above can fail
./hybrid train "$@" --epochs 0 --checkpoint fresh.ck > fresh.log 2>&1 || fail "fresh hybrid: $(cat fresh.log)"
F=$(params hybrid fresh.ck)
n=0
for c in $shared; do same "$(col "$P" $c)" "$(col "$F" $c)" 1e-5 || n=$((n + 1)); done
[ "$n" -ge 5 ] || fail "the parent's calibration hardly moved from the defaults ($n parameters differ)"

# 3. train the hybrid a little; a variant of it takes its network and parameters
./hybrid train "$@" --epochs 2 --checkpoint h.ck --init-from parent.ck > h.log 2>&1 || fail "hybrid: $(cat h.log)"
./hybrid2 train "$@" --epochs 0 --checkpoint h2.ck --init-from h.ck > h2.log 2>&1 || fail "hybrid2: $(cat h2.log)"
grep -qF "copied   network et (2->8->1, 33 weights)" h2.log || fail "network not copied: $(cat h2.log)"
grep -qF "copied   statistics of T for norm() (mean " h2.log || fail "norm() statistics not copied: $(cat h2.log)"
grep -qF "copied   parameter ETMAX (1 of 1 basins; moved into the new bounds)" h2.log || fail "ETMAX: $(cat h2.log)"
params hybrid h.ck > /dev/null
params hybrid2 h2.ck > /dev/null
paste -d, sim_h.ck/01031500.csv sim_h2.ck/01031500.csv | awk -F, -v n="$(head -1 sim_h.ck/01031500.csv | awk -F, '{ print NF }')" '
    NR == 1 { for (i = 1; i <= n; i++) if ($i == "Q") q = i; next }
    { d = $q - $(q + n); if (d < 0) d = -d; if (d > 1e-4 * (1 + $q)) { print "day " $1 ": Q " $q " vs " $(q + n); bad = 1; exit } }
    END { exit bad }' || fail "hybrid2 with the copied network does not reproduce hybrid's flows"

# 4. --resume continues the run's own checkpoint: nothing is copied again
./hybrid train "$@" --epochs 3 --checkpoint h.ck --resume > resume.log 2>&1 || fail "resume: $(cat resume.log)"
grep -q "init from" resume.log && fail "--resume copied from --init-from again"
grep -q "resuming from 'h.ck' after epoch 2" resume.log || fail "no resume: $(cat resume.log)"

# 5. a parameter network: its body, its normalisation and the output rows of the shared parameters
./lstm_parent train "$@" --epochs 1 --checkpoint lp.ck > lp.log 2>&1 || fail "lstm parent: $(cat lp.log)"
./lstm_hybrid train "$@" --epochs 0 --checkpoint lh.ck --init-from lp.ck > lh.log 2>&1 || fail "lstm hybrid: $(cat lh.log)"
grep -qF "copied   parameter network LSTM (3 inputs, 8 hidden x 1 layers; its normalisation)" lh.log ||
    fail "LSTM body not copied: $(cat lh.log)"
grep -qF "initial  parameter Cmax: bounds [1, 800] here, [1, 500] there" lh.log || fail "Cmax: $(cat lh.log)"
LP=$(params lstm_parent lp.ck)
LH=$(params lstm_hybrid lh.ck)
for c in bexp alpha Rs Rq TT DDF; do
    same "$(col "$LP" $c)" "$(col "$LH" $c)" 1e-6 || fail "LSTM $c: parent $(col "$LP" $c), hybrid $(col "$LH" $c)"
done

# 6. nothing shared: an error that says so, and what it compared
code=0
./other train "$@" --epochs 0 --checkpoint o.ck --init-from parent.ck > o.log 2> o.err || code=$?
[ "$code" -eq 3 ] || fail "nothing shared exited $code, not 3"
grep -q "error: nothing in checkpoint 'parent.ck' (model 'parent') fits model 'other'" o.err || fail "$(cat o.err)"
grep -q "initial  parameter k: not in model 'parent'" o.err || fail "no reason given: $(cat o.err)"
code=0
./hybrid train "$@" --epochs 0 --checkpoint x.ck --init-from missing.ck > x.log 2> x.err || code=$?
[ "$code" -eq 3 ] && grep -q "missing.ck" x.err || fail "missing checkpoint: exit $code, $(cat x.err)"
echo "init-from OK"
