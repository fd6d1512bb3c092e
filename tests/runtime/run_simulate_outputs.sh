#!/bin/sh
# run_simulate_outputs.sh DGC SHARED_DIR WORK_DIR — what simulate --checkpoint
# writes per basin, on the Caravan-layout CAMELS data: a small δHBV (LSTM of
# 8 units, 2 components, dynamic BETA and BETAET) with one more output,
# BETA_used = BETA, which the model computes from the BETA it uses each day;
# its untrained network (train --epochs 0) simulated over 2014-07-01:2014-12-31
# (the Caravan streamflow ends on 2014-09-30 in two of the basins):
#   streamflow_obs   right after streamflow, equal to the Caravan CSV's
#                    streamflow on every day, empty where that is empty
#   BETA[k], BETAET[k]  every day and component: the mean of BETA[0..1]
#                    equals BETA_used (the model's own average of what it
#                    used), BETA changes from day to day and stays in its
#                    bounds, and params.csv's BETA is its mean over the period
# Exit 77 (skipped) when shared/ is absent.
set -eu
DGC=$1
SHARED=$2
WORK=$3
DATA=$SHARED/data/caravan_camels
ATTR=$SHARED/data/camels_us/camels_attributes_v2.0
[ -d "$DATA/timeseries" ] || { echo "run_simulate_outputs: $DATA not found, skipped"; exit 77; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$WORK"
cat > "$WORK/dhbv_out.dg" <<'DG'
import "dhbv.dg"

model dhbv_out "δHBV with a small network and the dynamic BETA as an output" extends dhbv {
  replace learn params by lstm(hidden = 8, dropout = 0.5)
    from P, T, PET, attributes(p_mean, aridity)
    dynamic BETA, BETAET
  replace components 2
  output BETA_used : - = BETA
}
DG
"$DGC" -I "$ROOT/examples/dhbv" "$WORK/dhbv_out.dg" -o "$WORK/dhbv_out"
M=$WORK/dhbv_out
BASINS=01022500,01031500,01047000
"$M" train --data "$DATA" --attributes "$ATTR" --basins $BASINS --train 1990-10-01:1995-09-30 \
     --test 2014-07-01:2014-12-31 --warmup 200 --epochs 0 --threads 2 --checkpoint "$WORK/ck.bin" > /dev/null
rm -rf "$WORK/preds"
"$M" simulate --checkpoint "$WORK/ck.bin" --out "$WORK/preds"

fail() { echo "NOT OK: $*"; exit 1; }
for b in $(echo $BASINS | tr ',' ' '); do
    P=$WORK/preds/$b.csv
    SRC=$DATA/timeseries/csv/camels/camels_$b.csv
    head -1 "$P" | grep -q '^date,streamflow,streamflow_obs,' || fail "$b: no streamflow_obs after streamflow"
    head -1 "$P" | grep -q ',BETA\[0\],BETA\[1\],BETAET\[0\],BETAET\[1\]$' || fail "$b: no BETA[k], BETAET[k] columns"
    [ "$(wc -l < "$P")" -eq 185 ] || fail "$b: $(wc -l < "$P") lines, expected 184 days and a header"
    # the observed column against the data file, day by day (same number, or both empty)
    awk -F, -v b="$b" '
        NR == FNR { if (FNR > 1) src[$1] = $5; next }
        FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        {
            o = $(col["streamflow_obs"]); s = src[$1]
            if ((o == "") != (s == "") || (o != "" && o + 0 != s + 0)) { print b, $1, "obs", o, "data", s; bad = 1 }
            empty += (o == "")
        }
        END { print b ": " FNR - 1 " days, " empty " without observation"; exit bad }' "$SRC" "$P" \
        || fail "$b: streamflow_obs differs from $SRC"
    # the dynamic parameters: their component mean is what the model computed as BETA_used
    awk -F, -v b="$b" '
        function abs(x) { return x < 0 ? -x : x }
        FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        {
            b0 = $(col["BETA[0]"]); b1 = $(col["BETA[1]"]); used = $(col["BETA_used"])
            if (abs((b0 + b1) / 2 - used) > 1e-6 * abs(used)) { print b, $1, "BETA", b0, b1, "used", used; bad = 1 }
            for (k = 0; k < 2; k++) {
                x = $(col["BETA[" k "]"]); e = $(col["BETAET[" k "]"])
                if (x < 1 || x > 6 || e < 0.3 || e > 5) { print b, $1, "out of bounds:", x, e; bad = 1 }
                sum[k] += x
            }
            if (NR > 2 && b0 != last) changes++
            last = b0; n++
        }
        END {
            if (changes < n / 2) { print b ": BETA[0] changed on " changes " of " n " days"; bad = 1 }
            printf "%s %.9g %.9g\n", b, sum[0] / n, sum[1] / n > "/dev/stderr"
            exit bad
        }' "$P" 2> "$WORK/mean_$b.txt" || fail "$b: dynamic parameters"
    # params.csv: BETA (per component) is the mean of the series over the period
    awk -F, -v b="$b" '
        function abs(x) { return x < 0 ? -x : x }
        NR == FNR { split($0, w, " "); m[0] = w[2]; m[1] = w[3]; next }
        FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        $1 == b { x = $(col["BETA"]); if (abs(x - m[$2]) > 1e-6 * x) { print b, "component", $2, x, m[$2]; bad = 1 } n++ }
        END { exit bad || n != 2 }' "$WORK/mean_$b.txt" "$WORK/preds/params.csv" \
        || fail "$b: params.csv BETA is not the mean of the daily series"
done
echo "simulate_outputs: observed column and dynamic parameters OK"
