#!/bin/sh
# examples/synthetic/run.sh — parameter recovery with dPL: can the MLP of
# synthetic_hbv.dg find known parameters from streamflow alone?
#   1. the forcing of CAMELS basin 01031500 (P, T, Hargreaves PET; forcing.dg)
#   2. NBASINS synthetic basins (generate.awk): four attributes each, true
#      HBV parameters as smooth functions of them, the forcing perturbed
#   3. "observed" streamflow: synthetic_hbv simulated with the true
#      parameters (`simulate --params`), written into each basin's CSV
#   4. the MLP trained on the first NTRAIN basins' streamflow (train.cfg),
#      through the per-basin CSV input (forcing_csv, attributes_csv)
#   5. the learned parameters of every basin (`simulate --checkpoint`,
#      params.csv) against the true ones: correlation across basins and
#      mean absolute error as a fraction of the parameter's range, for the
#      training basins and for the held-out ones (attributes only, never
#      trained on); test-period NSE of the simulated streamflow
# Environment (defaults): DGC (build/bin/dgc), DATA (../shared/data/camels_us),
# OUT (build/examples/synthetic), NBASINS (40), NTRAIN (30), EPOCHS
# (train.cfg's, of 20 iterations). Arguments are passed to `train` after
# train.cfg (e.g. run.sh --rho 365). Exit 77 when the data is absent.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
DGC=${DGC:-$root/build/bin/dgc}
DATA=${DATA:-$root/../shared/data/camels_us}
OUT=${OUT:-$root/build/examples/synthetic}
NBASINS=${NBASINS:-40}
NTRAIN=${NTRAIN:-30}
[ -d "$DATA/basin_mean_forcing" ] || { echo "synthetic: CAMELS data not found at $DATA (set DATA=...)"; exit 77; }
[ -x "$DGC" ] || { echo "synthetic: $DGC not built (run make build)" >&2; exit 1; }
[ "$NTRAIN" -ge 1 ] && [ "$NTRAIN" -le "$NBASINS" ] || { echo "synthetic: need 1 <= NTRAIN <= NBASINS" >&2; exit 2; }
rm -rf "$OUT/params" "$OUT/forcing" "$OUT/basins" "$OUT/sim"
mkdir -p "$OUT/params" "$OUT/forcing" "$OUT/basins" "$OUT/sim"

echo "==== 1. compiling forcing.dg and synthetic_hbv.dg; the forcing of CAMELS 01031500"
"$DGC" "$here/forcing.dg" -o "$OUT/forcing_model"
"$DGC" "$here/synthetic_hbv.dg" -o "$OUT/synthetic_hbv"
"$OUT/forcing_model" simulate --data "$DATA" --basin 01031500 --period 1980-01-01:2010-09-30 \
    --out "$OUT/forcing.csv"

echo "==== 2. $NBASINS synthetic basins (generate.awk)"
awk -v n="$NBASINS" -v out="$OUT" -f "$here/generate.awk" "$OUT/forcing.csv"
ids=$(awk -F, 'NR > 1 { print $1 }' "$OUT/attributes.csv")
echo "$ids" > "$OUT/all_basins.txt"
echo "$ids" | head -n "$NTRAIN" > "$OUT/train_basins.txt"
echo "$ids" | tail -n +"$((NTRAIN + 1))" > "$OUT/heldout_basins.txt"

echo "==== 3. streamflow of the true parameters (simulate --params), one CSV per basin"
for id in $ids; do
    "$OUT/synthetic_hbv" simulate --forcing-csv "$OUT/forcing/$id.csv" --params "$OUT/params/$id.csv" \
        --out "$OUT/sim/$id.csv"
    # the basin file: date,P,T,PET and q_obs = the simulated streamflow (first output)
    awk -F, 'NR == FNR { q[FNR] = $2; next } { print $0 "," (FNR == 1 ? "q_obs" : q[FNR]) }' \
        "$OUT/sim/$id.csv" "$OUT/forcing/$id.csv" > "$OUT/basins/$id.csv"
done
head -n 3 "$OUT/basins/syn01.csv"

echo "==== 4. training the parameter MLP on $NTRAIN basins"
set -- --config "$here/train.cfg" --forcing-csv "$OUT/basins/{basin}.csv" --attributes-csv "$OUT/attributes.csv" "$@"
[ -n "${EPOCHS:-}" ] && set -- "$@" --epochs "$EPOCHS"
rm -f "$OUT/synthetic.ck" "$OUT/synthetic.best.ck"
t0=$(date +%s)
"$OUT/synthetic_hbv" train "$@" --basins "$OUT/train_basins.txt" --checkpoint "$OUT/synthetic.ck" --log-every 0
echo "training: $(($(date +%s) - t0)) s"

echo "==== 5. learned vs true parameters, test-period streamflow"
"$OUT/synthetic_hbv" simulate --checkpoint "$OUT/synthetic.ck" --basins "$OUT/all_basins.txt" --out "$OUT/learned"
"$OUT/synthetic_hbv" eval --checkpoint "$OUT/synthetic.ck" --basins "$OUT/all_basins.txt" \
    --out "$OUT/metrics.csv" > "$OUT/eval.txt"
awk -F, -v ntrain="$NTRAIN" -v out="$OUT/recovery.csv" '
    FILENAME ~ /true_params/ {
        if (FNR == 1) { for (k = 2; k <= NF; k++) name[k] = $k; np = NF; next }
        order[$1] = FNR - 1
        for (k = 2; k <= NF; k++) t[$1, k] = $k
        next
    }
    FILENAME ~ /metrics/ { if (FNR > 1 && $1 != "median") nse[$1] = $3; next }
    FNR == 1 { for (k = 1; k <= NF; k++) col[$k] = k; next }
    { for (k = 2; k <= np; k++) l[$1, k] = $col[name[k]]; seen[$1] = 1 }
    # Pearson r and mean |learned - true| / (max - min of the true values over every basin),
    # over the basins of group g
    function stats(g, k,    b, n, sx, sy, sxx, syy, sxy, ae, x, y, lo, hi, vx, vy) {
        n = sx = sy = sxx = syy = sxy = ae = 0
        lo = 1e300; hi = -1e300
        for (b in seen) {
            x = t[b, k]; y = l[b, k]
            if (x < lo) lo = x
            if (x > hi) hi = x
            if ((order[b] <= ntrain) != (g == "train")) continue
            n++; sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y; ae += (y > x ? y - x : x - y)
        }
        if (n < 3) { R = "nan"; E = "nan"; return }
        vx = sxx - sx * sx / n; vy = syy - sy * sy / n
        R = (vx > 0 && vy > 0) ? (sxy - sx * sy / n) / sqrt(vx * vy) : 0
        E = hi > lo ? ae / n / (hi - lo) : 0
    }
    END {
        ntr = nho = 0
        for (b in seen) if (order[b] <= ntrain) ntr++; else nho++
        printf "%-9s %21s", "", "training basins (" ntr ")"
        if (nho >= 3) printf "   %21s", "held-out basins (" nho ")"
        printf "\n%-9s %10s %10s", "parameter", "r", "MAE/range"
        if (nho >= 3) printf "   %10s %10s", "r", "MAE/range"
        printf "\n"
        print "parameter,r_train,mae_range_train,r_heldout,mae_range_heldout" > out
        for (k = 2; k <= np; k++) {
            stats("train", k); r1 = R; e1 = E
            stats("heldout", k); r2 = R; e2 = E
            printf "%-9s %10.3f %10.3f", name[k], r1, e1
            if (nho >= 3) printf "   %10.3f %10.3f", r2, e2
            printf "\n"
            print name[k] "," r1 "," e1 "," r2 "," e2 > out
        }
        for (g = 0; g < 2; g++) {
            n = 0
            for (b in seen) if ((order[b] <= ntrain) == (g == 0) && b in nse) v[++n] = nse[b]
            if (n == 0) continue
            for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { x = v[j]; v[j] = v[j - 1]; v[j - 1] = x }
            med = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
            printf "test-period NSE, %s basins: median %.4f, min %.4f\n", g == 0 ? "training" : "held-out", med, v[1]
            print "nse_" (g == 0 ? "train" : "heldout") "," med "," v[1] ",," > out
        }
    }' "$OUT/true_params.csv" "$OUT/metrics.csv" "$OUT/learned/params.csv"
echo
echo "per basin: $OUT/true_params.csv vs $OUT/learned/params.csv; metrics $OUT/metrics.csv; table $OUT/recovery.csv"
