#!/bin/sh
# run_netcdf_output.sh DGC SHARED_DIR WORK_DIR — simulate --checkpoint
# --out FILE.nc read back with ncdump (netcdf-bin), against the per-basin
# CSVs of the same run (--out DIR): a small δHBV (LSTM of 8 units, 2
# components, dynamic BETA and BETAET), untrained, 3 Caravan basins over
# 2014-07-01:2014-12-31 (two of them without observations after 2014-09-30).
#   header   CF-1.8 timeSeries: dimensions basin 3, time 184, component 2;
#            time in days since 2014-07-01 (proleptic_gregorian), basin_id
#            (timeseries_id), lat/lon; units, long_name, _FillValue on every
#            data variable
#   values   streamflow and BETA_used as in the CSVs (float), streamflow_obs
#            exactly, missing days as fill; BETA(basin, component, time) =
#            the CSVs' BETA[k]; FC(basin, component) = params.csv
#   simulate --params --out FILE.nc (one basin, --states): the values of its CSV
#   files    nothing left next to the output; an unwritable path is exit 3
# Exit 77 (skipped) when shared/ is absent, the runtime has no NetCDF or
# ncdump is not installed.
set -eu
DGC=$1
SHARED=$2
WORK=$3
DATA=$SHARED/data/caravan_camels
ATTR=$SHARED/data/camels_us/camels_attributes_v2.0
[ -d "$DATA/timeseries" ] || { echo "run_netcdf_output: $DATA not found, skipped"; exit 77; }
command -v ncdump > /dev/null || { echo "run_netcdf_output: no ncdump (netcdf-bin), skipped"; exit 77; }
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
"$M" info | grep -q "^netcdf: yes" || { echo "run_netcdf_output: runtime built without NetCDF, skipped"; exit 77; }
BASINS="01022500 01031500 01047000"
"$M" train --data "$DATA" --attributes "$ATTR" --basins "$(echo $BASINS | tr ' ' ',')" \
     --train 1990-10-01:1995-09-30 --test 2014-07-01:2014-12-31 --warmup 200 --epochs 0 --threads 2 \
     --checkpoint "$WORK/ck.bin" > /dev/null
rm -rf "$WORK/preds" "$WORK/out"
mkdir -p "$WORK/out"
"$M" simulate --checkpoint "$WORK/ck.bin" --out "$WORK/preds" > /dev/null
"$M" simulate --checkpoint "$WORK/ck.bin" --out "$WORK/out/preds.nc"
NC=$WORK/out/preds.nc
fail() { echo "NOT OK: $*"; exit 1; }
[ "$(ls "$WORK/out")" = "preds.nc" ] || fail "files next to the output: $(ls "$WORK/out")"

# ---- header -----------------------------------------------------------------------------------
ncdump -h "$NC" > "$WORK/header.txt"
for want in ':Conventions = "CF-1.8"' ':featureType = "timeSeries"' 'basin = 3 ;' 'time = 184 ;' \
            'component = 2 ;' 'time:units = "days since 2014-07-01"' 'time:calendar = "proleptic_gregorian"' \
            'string basin_id(basin)' 'basin_id:cf_role = "timeseries_id"' 'double lat(basin)' \
            'lat:units = "degrees_north"' 'lon:units = "degrees_east"' 'float streamflow(basin, time)' \
            'double streamflow_obs(basin, time)' 'streamflow_obs:units = "mm/d"' \
            'streamflow_obs:long_name = "observed streamflow"' 'float BETA(basin, component, time)' \
            'float BETAET(basin, component, time)' 'double FC(basin, component)' 'FC:units = "mm"' \
            'streamflow:coordinates = "lat lon basin_id"'; do
    grep -qF "$want" "$WORK/header.txt" || fail "header lacks '$want'"
done
# every data variable (2 or 3 dimensions) has units, long_name and _FillValue
awk 'BEGIN { want["units"]; want["long_name"]; want["_FillValue"] }
     /^\t[a-z]+ [A-Za-z_0-9]+\(basin, / { v = $2; sub(/\(.*/, "", v); vars[v] = 1 }
     /^\t\t[A-Za-z_0-9]+:[A-Za-z_]+ = / { split($1, p, ":"); has[p[1] ":" p[2]] = 1 }
     END { for (v in vars) { n++; for (a in want) if (!(v ":" a in has)) { print v " has no " a; bad = 1 } }
           if (n < 30) { print "only " n " data variables"; bad = 1 }
           exit bad }' "$WORK/header.txt" || fail "attributes of the data variables"

# ---- values -----------------------------------------------------------------------------------
# ncvals VAR: the values of VAR, one per line in storage order, fill values as empty lines
ncvals() {
    ncdump -v "$1" -p 9,17 "$NC" | awk -v v="$1" '
        $0 ~ "^ " v " =" { on = 1; sub("^ " v " =", "") }
        on { line = $0; gsub(/[ ;]/, "", line); n = split(line, a, ",")
             for (i = 1; i <= n; i++) if (a[i] != "" || i < n) print (a[i] == "_" ? "" : a[i])
             if ($0 ~ /;/) on = 0 }'
}
ncvals basin_id | tr -d '"' > "$WORK/ids.txt"
[ "$(tr '\n' ' ' < "$WORK/ids.txt")" = "$BASINS " ] || fail "basin_id: $(tr '\n' ' ' < "$WORK/ids.txt")"
# csvcol FILE COLUMN: that column of a CSV, one value per line
csvcol() { awk -F, -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } { print $k }' "$1"; }
# same FILE1 FILE2 TOL: the same values line by line (empty = missing), within TOL relative
same() {
    paste -d' ' "$1" "$2" | awk -v tol="$3" -v what="$4" '
        function abs(x) { return x < 0 ? -x : x }
        { n++; split($0, p, " ") }
        NF == 0 { next }
        NF == 1 { if (bad++ < 5) print what ": line " n ": one side missing (" $0 ")"; next }
        abs(p[1] - p[2]) > tol * abs(p[2]) { if (bad++ < 5) print what ": line " n ": " p[1] " vs " p[2] }
        END { if (n == 0) { print what ": no values"; bad = 1 } exit bad > 0 }'
}
for v in streamflow BETA_used streamflow_obs; do
    ncvals $v > "$WORK/nc_$v.txt"
    : > "$WORK/csv_$v.txt"
    for b in $BASINS; do csvcol "$WORK/preds/$b.csv" $v >> "$WORK/csv_$v.txt"; done
done
same "$WORK/nc_streamflow.txt" "$WORK/csv_streamflow.txt" 1e-6 streamflow || fail "streamflow"
same "$WORK/nc_BETA_used.txt" "$WORK/csv_BETA_used.txt" 1e-6 BETA_used || fail "BETA_used"
same "$WORK/nc_streamflow_obs.txt" "$WORK/csv_streamflow_obs.txt" 0 streamflow_obs || fail "streamflow_obs"
[ "$(grep -c '^$' "$WORK/nc_streamflow_obs.txt")" -eq 184 ] || fail "expected 2 x 92 missing observations"
ncvals BETA > "$WORK/nc_BETA.txt"
: > "$WORK/csv_BETA.txt"
for b in $BASINS; do for k in 0 1; do csvcol "$WORK/preds/$b.csv" "BETA[$k]" >> "$WORK/csv_BETA.txt"; done; done
same "$WORK/nc_BETA.txt" "$WORK/csv_BETA.txt" 0 BETA || fail "BETA"
ncvals FC > "$WORK/nc_FC.txt"
csvcol "$WORK/preds/params.csv" FC > "$WORK/csv_FC.txt"
same "$WORK/nc_FC.txt" "$WORK/csv_FC.txt" 1e-8 FC || fail "FC"

# ---- simulate --params --out FILE.nc: one basin, outputs and --states as in its CSV (f64) ---------
printf 'name,value\nBETA,2\nFC,300\nK0,0.2\nK1,0.05\nK2,0.01\nLP,0.7\nPERC,1\nUZL,20\nTT,0\nCFMAX,3\nCFR,0.05\nCWH,0.1\nroute_a,1.5\nroute_b,2\nBETAET,1\n' \
    > "$WORK/params.csv"
for ext in csv nc; do
    "$M" simulate --params "$WORK/params.csv" --data "$DATA" --basin 01022500 --period 2000-01-01:2000-03-31 \
         --states --out "$WORK/out/one.$ext"
done
NC=$WORK/out/one.nc
ncdump -h "$NC" | grep -qF 'double SM(basin, component, time)' || fail "simulate --states: no SM(basin, component, time)"
ncvals streamflow > "$WORK/nc_one.txt"
csvcol "$WORK/out/one.csv" streamflow > "$WORK/csv_one.txt"
same "$WORK/nc_one.txt" "$WORK/csv_one.txt" 0 "simulate streamflow" || fail "simulate --out FILE.nc: streamflow"
ncvals SM > "$WORK/nc_sm.txt"
{ csvcol "$WORK/out/one.csv" "SM[0]"; csvcol "$WORK/out/one.csv" "SM[1]"; } > "$WORK/csv_sm.txt"
same "$WORK/nc_sm.txt" "$WORK/csv_sm.txt" 0 "simulate SM" || fail "simulate --out FILE.nc: SM"

# ---- an unwritable path: exit 3, nothing written ------------------------------------------------
set +e
"$M" simulate --checkpoint "$WORK/ck.bin" --out "$WORK/no/such/dir/preds.nc" > /dev/null 2> "$WORK/err.txt"
rc=$?
set -e
[ $rc -eq 3 ] || fail "unwritable output: exit $rc, expected 3"
grep -q "cannot write '$WORK/no/such/dir/preds.nc'" "$WORK/err.txt" || fail "unwritable output: $(cat "$WORK/err.txt")"
echo "netcdf_output: header, values and missing days OK"
