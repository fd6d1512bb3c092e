#!/bin/sh
# run_caravan_netcdf.sh DGC SHARED_DIR WORK_DIR CONVERTER — Caravan's NetCDF
# layout (timeseries/netcdf/SOURCE/SOURCE_ID.nc) read to exactly the numbers
# of its CSV layout. shared/data/caravan_camels has only the CSVs: CONVERTER
# (caravan_csv_to_nc.c) writes the NetCDF copy of 3 basins into WORK/nc.
# With a small δHBV (LSTM of 8 units, 2 components):
#   train     one epoch on each layout: the same weights (train's digest)
#   eval      the CSV run's checkpoint on each layout: the same metrics file
#   simulate  --checkpoint on each layout: the same per-basin CSVs; and the
#             single-basin `simulate --data DIR --basin ID`: the same output
#   both      a folder with both layouts reads the CSVs (its NetCDF copy is
#             made from altered CSVs, so reading it would show)
#   errors    a NetCDF file with an implausible temperature on one day: exit
#             3, the message names the file, the date and the variable
# Exit 77 (skipped) when shared/ is absent or the runtime has no NetCDF.
set -eu
DGC=$1
SHARED=$2
WORK=$3
CONVERT=$4
DATA=$SHARED/data/caravan_camels
ATTR=$SHARED/data/camels_us/camels_attributes_v2.0
[ -d "$DATA/timeseries" ] || { echo "run_caravan_netcdf: $DATA not found, skipped"; exit 77; }
[ "$CONVERT" != none ] || { echo "run_caravan_netcdf: runtime built without NetCDF, skipped"; exit 77; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$WORK"
mkdir -p "$WORK"
cat > "$WORK/dhbv_small.dg" <<'DG'
import "dhbv.dg"

model dhbv_small "δHBV with a small network" extends dhbv {
  replace learn params by lstm(hidden = 8, dropout = 0.5)
    from P, T, PET, attributes(p_mean, aridity)
    dynamic BETA, BETAET
  replace components 2
}
DG
"$DGC" -I "$ROOT/examples/dhbv" "$WORK/dhbv_small.dg" -o "$WORK/dhbv_small"
M=$WORK/dhbv_small
"$M" info | grep -q "^netcdf: yes" || { echo "run_caravan_netcdf: runtime built without NetCDF, skipped"; exit 77; }
fail() { echo "NOT OK: $*"; exit 1; }
BASINS="01022500 01031500 01047000"

# the NetCDF copy, and a folder with both layouts whose NetCDF files are made from altered CSVs
mkdir -p "$WORK/nc/timeseries/netcdf/camels" "$WORK/both/timeseries/csv/camels" "$WORK/both/timeseries/netcdf/camels"
for b in $BASINS; do
    src=$DATA/timeseries/csv/camels/camels_$b.csv
    "$CONVERT" "$src" "$WORK/nc/timeseries/netcdf/camels/camels_$b.nc"
    cp "$src" "$WORK/both/timeseries/csv/camels/"
    awk -F, -v OFS=, 'NR > 1 { $3 = $3 + 1 } { print }' "$src" > "$WORK/warmer_$b.csv"
    "$CONVERT" "$WORK/warmer_$b.csv" "$WORK/both/timeseries/netcdf/camels/camels_$b.nc"
done
[ -z "$(ls "$WORK/nc/timeseries" | grep -v netcdf)" ] || fail "the NetCDF folder holds more than timeseries/netcdf"

# ---- train: the same weights from either layout ---------------------------------------------------
set -- --attributes "$ATTR" --basins "$(echo $BASINS | tr ' ' ',')" --train 1985-10-01:1995-09-30 \
       --test 1995-10-01:1997-09-30 --batch 3 --rho 60 --warmup 60 --iters-per-epoch 3 --epochs 1 --seed 3 --threads 2
"$M" train --data "$DATA" "$@" --checkpoint "$WORK/csv.ck" > "$WORK/train_csv.log"
"$M" train --data "$WORK/nc" "$@" --checkpoint "$WORK/nc.ck" > "$WORK/train_nc.log"
w_csv=$(grep -o 'weights crc32 [0-9a-f]*' "$WORK/train_csv.log")
w_nc=$(grep -o 'weights crc32 [0-9a-f]*' "$WORK/train_nc.log")
echo "train: CSV $w_csv, NetCDF $w_nc"
[ -n "$w_csv" ] && [ "$w_csv" = "$w_nc" ] || fail "training on the NetCDF copy gave other weights"

# ---- eval and simulate: the same numbers ------------------------------------------------------------
cat > "$WORK/params.csv" <<'CSV'
name,value
BETA,2
FC,300
K0,0.2
K1,0.05
K2,0.01
LP,0.7
PERC,1
UZL,20
TT,0
CFMAX,3
CFR,0.05
CWH,0.1
route_a,1.5
route_b,2
BETAET,1
CSV
for layout in csv nc both; do
    dir=$DATA
    [ $layout = csv ] || dir=$WORK/$layout
    "$M" eval --checkpoint "$WORK/csv.ck" --data "$dir" --out "$WORK/metrics_$layout.csv" > /dev/null
    "$M" simulate --checkpoint "$WORK/csv.ck" --data "$dir" --out "$WORK/preds_$layout" > /dev/null
    "$M" simulate --params "$WORK/params.csv" --data "$dir" --basin 01022500 --period 1990-01-01:1990-12-31 \
         --out "$WORK/sim_$layout.csv"
done
for layout in nc both; do
    cmp -s "$WORK/metrics_csv.csv" "$WORK/metrics_$layout.csv" || fail "eval on '$layout' differs from the CSVs"
    diff -r "$WORK/preds_csv" "$WORK/preds_$layout" > /dev/null || fail "simulate --checkpoint on '$layout' differs"
    cmp -s "$WORK/sim_csv.csv" "$WORK/sim_$layout.csv" || fail "simulate --basin on '$layout' differs"
done
awk -F, '$1 == "median" { print "eval on both layouts: median NSE " $3 }' "$WORK/metrics_nc.csv"

# ---- errors name the file, the day and the variable ---------------------------------------------
mkdir -p "$WORK/bad/timeseries/netcdf/camels"
awk -F, -v OFS=, '$1 == "1990-03-04" { $3 = 99 } { print }' "$DATA/timeseries/csv/camels/camels_01022500.csv" \
    > "$WORK/bad.csv"
"$CONVERT" "$WORK/bad.csv" "$WORK/bad/timeseries/netcdf/camels/camels_01022500.nc"
set +e
"$M" simulate --params "$WORK/params.csv" --data "$WORK/bad" --basin 01022500 --period 1990-01-01:1990-12-31 \
     > /dev/null 2> "$WORK/err.txt"
rc=$?
set -e
cat "$WORK/err.txt"
[ $rc -eq 3 ] || fail "an implausible temperature: exit $rc, expected 3"
grep -qF "$WORK/bad/timeseries/netcdf/camels/camels_01022500.nc (date 1990-03-04): column 'temperature_2m_mean': 99 is outside [-90, 70] degC" \
    "$WORK/err.txt" || fail "the message does not name file, date and variable"
echo "caravan_netcdf: NetCDF input equals CSV input"
