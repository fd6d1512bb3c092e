#!/bin/sh
# tests/examples/regional.sh DGC SHARED_DIR WORK_DIR — the shipped regional
# model (examples/regional/dhbv_regional.ck) evaluated with the command its
# README documents (`dgc run ... eval --checkpoint ... --data ... --attributes
# ... --basins FILE --period ... --out metrics.csv`) on 4 of the 432 basins,
# two of them with the list reversed: each basin's test NSE and KGE must equal
# the committed examples/regional/metrics_test.csv (written from all 432), so
# a change that alters what the shipped weights predict fails here. Then
# `run.sh eval` (same checkpoint, compiled executable) on the same basins;
# an ungauged basin (no streamflow column) predicted by simulate; and
# compare_forcing.py on their metrics.
# Exit 77 without the Caravan data.
set -eu
DGC=$1
SHARED=$2
WORK=$3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DATA=$SHARED/data/caravan_camels
ATTR=$SHARED/data/camels_us/camels_attributes_v2.0
[ -d "$DATA/timeseries" ] || { echo "regional: $DATA not found, skipped"; exit 77; }
rm -rf "$WORK"
mkdir -p "$WORK"
awk 'NR == 1 || NR == 200 || NR == 321 || NR == 432' "$DATA/basins.txt" | sort -r > "$WORK/basins.txt"
"$DGC" run "$ROOT/examples/regional/dhbv_regional.dg" eval --checkpoint "$ROOT/examples/regional/dhbv_regional.ck" \
    --data "$DATA" --attributes "$ATTR" --basins "$WORK/basins.txt" --period 1995-10-01:2010-09-30 \
    --out "$WORK/metrics.csv" > "$WORK/eval.log"
compare() {   # compare CSV: every basin's nse and kge as in the committed table
    awk -F, 'NR == FNR { if (FNR > 1) { nse[$1] = $3; kge[$1] = $4 } next }
        FNR == 1 { if ($1 != "basin" || $3 != "nse" || $4 != "kge") { print "NOT OK: header " $0; bad = 1 } next }
        $1 ~ /^[0-9]/ { n++
            if (!($1 in nse)) { print "NOT OK: " $1 " not in the committed table"; bad = 1; next }
            d = $3 - nse[$1]; e = $4 - kge[$1]
            if (d * d > 1e-10 || e * e > 1e-10) { print "NOT OK: " $1 " NSE " $3 " KGE " $4 ", committed " nse[$1] " " kge[$1]; bad = 1 } }
        END { if (n != 4) { print "NOT OK: " n " basins, expected 4"; bad = 1 } exit bad }' \
        "$ROOT/examples/regional/metrics_test.csv" "$1"
}
compare "$WORK/metrics.csv"
grep -q '^median,' "$WORK/metrics.csv" || { echo "NOT OK: no median row"; exit 1; }
DGC=$DGC DATA=$DATA ATTR=$ATTR OUT=$WORK/run BASINS=$WORK/basins.txt sh "$ROOT/examples/regional/run.sh" eval > "$WORK/run.log"
compare "$WORK/run/metrics.csv"
# an ungauged basin: its Caravan file without the streamflow column is predicted by simulate
# --checkpoint, the same numbers as from the gauged file, with OUTPUT_obs empty; eval refuses it
b1=$(head -1 "$WORK/basins.txt")
mkdir -p "$WORK/ungauged/timeseries/csv/camels"
cut -d, -f1-4 "$DATA/timeseries/csv/camels/camels_$b1.csv" > "$WORK/ungauged/timeseries/csv/camels/camels_$b1.csv"
for d in gauged ungauged; do
    dir=$DATA; [ $d = ungauged ] && dir=$WORK/ungauged
    "$DGC" run "$ROOT/examples/regional/dhbv_regional.dg" simulate --checkpoint "$ROOT/examples/regional/dhbv_regional.ck" \
        --data "$dir" --attributes "$ATTR" --basins "$b1" --period 2000-01-01:2000-12-31 --out "$WORK/sim_$d" > /dev/null
done
awk -F, 'NR == FNR { q[FNR] = $2; o[FNR] = $3; next }
    FNR == 1 { if ($2 != "streamflow" || $3 != "streamflow_obs") { print "NOT OK: header " $0; bad = 1 } next }
    { n++; if ($2 != q[FNR] || $3 != "") bad = 1; if (o[FNR] != "") gauged++ }
    END { if (n != 366 || bad || gauged < 300) { print "NOT OK: ungauged simulate (" n " days, obs on " gauged ")"; exit 1 } }' \
    "$WORK/sim_gauged/$b1.csv" "$WORK/sim_ungauged/$b1.csv"
if "$DGC" run "$ROOT/examples/regional/dhbv_regional.dg" eval --checkpoint "$ROOT/examples/regional/dhbv_regional.ck" \
    --data "$WORK/ungauged" --attributes "$ATTR" --basins "$b1" > /dev/null 2> "$WORK/ungauged.err"; then
    echo "NOT OK: eval of a basin without observations succeeded"; exit 1
fi
grep -q "simulate --checkpoint predicts a basin without observations" "$WORK/ungauged.err" ||
    { echo "NOT OK: eval without observations:"; cat "$WORK/ungauged.err"; exit 1; }
# compare_forcing.py on the same 4 basins: ERA5-Land's mean precipitation
# matches CAMELS's Daymet p_mean to within 30 % in the median of these 4 basins.
if /usr/bin/python3 -c 'import numpy' 2> /dev/null; then
    /usr/bin/python3 "$ROOT/examples/regional/compare_forcing.py" "$DATA" "$ATTR" "$WORK/metrics.csv" > "$WORK/forcing.txt"
    awk '/^4 basins/ { head = 1 } /ERA5-Land \/ Daymet mean P/ { r = $(NF - 1) }
        END { if (!head || !(r > 0.7 && r < 1.3)) { print "NOT OK: compare_forcing.py"; exit 1 } }' "$WORK/forcing.txt"
fi
echo "shipped checkpoint: 4 basins reproduce the committed test metrics (dgc run and run.sh eval); an ungauged basin is predicted"
