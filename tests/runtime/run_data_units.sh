#!/bin/sh
# run_data_units.sh DGC SHARED_DIR WORK_DIR — units at the data boundary, end
# to end with dgc-compiled models on CAMELS basin 01022500 and the EXP-HYDRO
# CSV of 01013500 (runtime/data_units.c):
#   1. a bucket declaring `input P : m/d, T : K` and `output Q : m/d`
#      simulates the same streamflow (times 1000) as its mm/d, degC twin, and
#      eval of both (observations converted into the output's unit) gives the
#      same NSE;
#   2. an input declared in mm/d that would read a temperature is refused;
#   3. --map P=COLUMN:UNIT reads a CSV in m, K and mm/h as the twin's CSV in
#      mm/d and degC; without the units the file is refused (a temperature of
#      280 degC);
#   4. observations of another dimension than the trained output are refused
#      by train, eval and simulate --checkpoint;
#   5. observed discharge in m3/s (eval --obs-column flow:m3/s) is converted with the basin's area from
#      --attributes-csv, and refused without it.
# Exit 77 (skipped) when shared/ is absent.
set -eu
DGC=$1
SHARED=$2
WORK=$3
DATA=$SHARED/data/camels_us
EXP=$SHARED/data/exphydro/01013500.csv
[ -d "$DATA/basin_mean_forcing" ] && [ -f "$EXP" ] || { echo "run_data_units: $SHARED/data not found, skipped"; exit 77; }
mkdir -p "$WORK"
cd "$WORK"

cat > bucket_mm.dg <<'DG'
model bucket "a snow-free bucket in mm/d and degC" {
  input P : mm/d, T : degC, PET : mm/d
  param k : 1/d in [0.01, 0.9] = 0.1
  param ddf : mm/degC/d in [0, 5] = 0.05
  state S : mm = 10
  step s {
    q = k * S
    source melt = max(T, 0) * ddf      # a test term: water from outside the bucket
    sink et = min(PET, S)
    S += P + melt - q - et
  }
  output Q : mm/d = q
  output Tout : degC = T
}
DG
cat > bucket_si.dg <<'DG'
model bucket "the same bucket with inputs in m/d and K, streamflow in m/d" {
  input P : m/d, T : K, PET : mm/d
  const mm_per_m : mm/m = 1000
  const m_per_mm : m/mm = 0.001
  const t0 : K = 273.15
  param k : 1/d in [0.01, 0.9] = 0.1
  param ddf : mm/degC/d in [0, 5] = 0.05
  state S : mm = 10
  step s {
    q = k * S
    source melt = max(T - t0, 0) * ddf
    sink et = min(PET, S)
    S += P * mm_per_m + melt - q - et
  }
  output Q : m/d = q * m_per_mm
}
DG
sed -e 's#T : degC, PET#T : mm/d, PET#' -e 's#max(T, 0) \* ddf#T#' -e '/param ddf/d' -e '/Tout/d' bucket_mm.dg > bucket_bad.dg
for m in mm si bad; do "$DGC" bucket_$m.dg -o bucket_$m; done

fail=0
# compare column 2 of two CSVs: a = scale * b within 1e-9 relative
same() {
  awk -F, -v s="$3" -v what="$4" 'NR == FNR { a[FNR] = $2; next }
    FNR > 1 { n++; d = a[FNR] - s * $2; if (d < 0) d = -d; m = (a[FNR] < 0 ? -a[FNR] : a[FNR]);
              if (d > 1e-9 * m + 1e-12) { bad++; if (bad < 4) print what ": line " FNR ": " a[FNR] " vs " s " * " $2 } }
    END { if (n < 300 || bad) { print what ": NOT OK (" n " rows, " bad + 0 " differ)"; exit 1 } print what ": OK (" n " rows)" }' "$1" "$2"
}
# the NSE of row $3 (a basin, or median) in two eval CSVs: equal within $4
same_nse() {
  a=$(awk -F, -v r="$3" '$1 == r { print $3 }' "$1")
  b=$(awk -F, -v r="$3" '$1 == r { print $3 }' "$2")
  if awk -v a="$a" -v b="$b" -v tol="$4" 'BEGIN { d = a - b; exit !(a != "" && b != "" && d <= tol && d >= -tol) }'; then
    echo "$5: $a, $b: OK"
  else
    echo "$5: '$a', '$b': NOT OK"; return 1
  fi
}
# the command must fail with exit 3 and print `want` on stderr
refused() {
  want=$1; shift
  rc=0; "$@" > out.txt 2> err.txt || rc=$?
  [ "$rc" -eq 3 ] || { echo "NOT OK: exit $rc, expected 3: $*"; return 1; }
  grep -qF -- "$want" err.txt || { echo "NOT OK: no '$want' in:"; cat err.txt; return 1; }
  echo "refused: $want"
}

# 1. the same model in other units
camels="--data $DATA --basin 01022500 --period 2000-01-01:2000-12-31"
./bucket_mm simulate $camels --out mm.csv
./bucket_si simulate $camels --out si.csv
same mm.csv si.csv 1000 "simulate m/d, K vs mm/d, degC" || fail=1
cat > run.conf <<CONF
data = $DATA
basins = 01022500
train = 2000-03-01:2001-02-28
warmup = 60
rho = 30
batch = 4
threads = 1
CONF
for m in mm si; do
  ./bucket_$m train --config run.conf --epochs 0 --checkpoint $m.bin > /dev/null
  ./bucket_$m eval --checkpoint $m.bin --period 2001-03-01:2002-12-31 --out eval_$m.csv > /dev/null
done
same_nse eval_mm.csv eval_si.csv median 1e-4 "eval NSE, mm/d vs m/d" || fail=1

# 2. a temperature for an input in mm/d
refused "model input 'T' is declared in mm/d (length/time), but the derived variable tmean = (tmax + tmin) / 2 is in degC (temperature): no conversion between them" \
  ./bucket_bad simulate $camels || fail=1
refused "model input 'T' is declared in mm/d (length/time), but column 'tmean(C)' of '$EXP' is in C (temperature)" \
  ./bucket_bad simulate --forcing-csv "$EXP" --map P=prcp --map T=tmean --map PET=prcp || fail=1

# 3. --map COLUMN:UNIT: 2000 of the EXP-HYDRO CSV in mm/d and degC (PET: the radiation srad as its
#    evaporation equivalent, W/m2 * 0.0864 MJ/m2/d / 2.45 MJ/kg), and in m, K and mm/h without units
awk -F, 'NR == 1 { print "date,P,T,PET"; next } $1 ~ /^2000-/ { printf "%s,%s,%s,%.17g\n", $1, $2, $3, $5 * 0.0864 / 2.45 }' \
  "$EXP" > plain.csv
awk -F, 'NR == 1 { print "date,rain,temp,pet"; next } { printf "%s,%.17g,%.17g,%.17g\n", $1, $2 / 1000, $3 + 273.15, $4 / 24 }' \
  plain.csv > si_units.csv
./bucket_mm simulate --forcing-csv plain.csv --out plain_out.csv
./bucket_mm simulate --forcing-csv si_units.csv --map P=rain:m --map T=temp:K --map PET=pet:mm/h --out si_out.csv
same plain_out.csv si_out.csv 1 "--map COLUMN:UNIT (m, K, mm/h) vs mm/d, degC" || fail=1
refused "column 'temp': 256.82999999999998 is outside [-90, 70] degC, the plausible range of air temperature" \
  ./bucket_mm simulate --forcing-csv si_units.csv --map P=rain --map T=temp --map PET=pet || fail=1

# 4. observations against the trained output
refused "output 'Tout', compared with the observations, is declared in degC (temperature), but the observed streamflow of '$DATA/usgs_streamflow/01022500_streamflow_qc.txt' is in mm/d (length/time): no conversion between them" \
  ./bucket_mm train --config run.conf --epochs 0 --target Tout --checkpoint tout.bin || fail=1
# the EXP-HYDRO basin from its CSV (observed flow in mm a day): calibration (its defaults, --epochs 0) into
# m/d, eval; then the same file with the flow column labelled degC, refused by eval and simulate --checkpoint
awk -F, 'NR == 1 { print "date,P(mm/d),T(C),PET(mm/d),q_obs(mm)"; next }
  $1 ~ /^2000-/ { printf "%s,%s,%s,%.17g,%s\n", $1, $2, $3, $5 * 0.0864 / 2.45, $7 }' "$EXP" > obs_mm.csv
sed '1s/q_obs(mm)/q_obs(degC)/' obs_mm.csv > obs_degc.csv
./bucket_si train --forcing-csv obs_mm.csv --basins 01013500 --train 2000-03-01:2000-09-30 --warmup 30 --rho 30 \
  --batch 4 --threads 1 --epochs 0 --checkpoint csv.bin > /dev/null
./bucket_si eval --checkpoint csv.bin --period 2000-10-01:2000-12-31 --out eval_csv.csv > /dev/null
if awk -F, '$1 == "01013500" && $2 == 92 { ok = 1 } END { exit !ok }' eval_csv.csv; then
  echo "eval on q_obs(mm) into m/d: OK"
else
  echo "NOT OK: eval on q_obs(mm):"; cat eval_csv.csv; fail=1
fi
obs_want="output 'Q', compared with the observations, is declared in m/d (length/time), but column 'q_obs(degC)' of 'obs_degc.csv' is in degC (temperature): no conversion between them"
refused "$obs_want" ./bucket_si eval --checkpoint csv.bin --forcing-csv obs_degc.csv --period 2000-10-01:2000-12-31 || fail=1
refused "$obs_want" ./bucket_si simulate --checkpoint csv.bin --forcing-csv obs_degc.csv --period 2000-10-01:2000-12-31 --out preds || fail=1

# 5. observed discharge in m3/s, converted with the basin's area (an `area` column of --attributes-csv, km^2):
#    the same file as obs_mm.csv with q in m3/s over a made-up 250 km^2 evaluates to the same NSE; without
#    the area it is refused
awk -F, 'NR == 1 { print "date,P(mm/d),T(C),PET(mm/d),flow"; next } { printf "%s,%s,%s,%s,%.17g\n", $1, $2, $3, $4, $5 * 250 / 86.4 }' \
  obs_mm.csv > obs_cms.csv
printf 'basin,area\n01013500,250\n' > area.csv
./bucket_si eval --checkpoint csv.bin --forcing-csv obs_cms.csv --obs-column flow:m3/s --attributes-csv area.csv \
  --period 2000-10-01:2000-12-31 --out eval_cms.csv > /dev/null
same_nse eval_csv.csv eval_cms.csv 01013500 1e-9 "eval NSE, q in mm vs q(m3/s) with the basin's area" || fail=1
refused "add an 'area' column (km^2) to attributes_csv" \
  ./bucket_si eval --checkpoint csv.bin --forcing-csv obs_cms.csv --obs-column flow:m3/s --period 2000-10-01:2000-12-31 || fail=1

[ "$fail" -eq 0 ] && echo "data units: OK"
exit "$fail"
