#!/bin/sh
# run_bmi.sh DGC SHARED_DIR WORK_DIR BMI_DRIVER — the BMI 2.0 functions of a
# dgc model library against the model's whole-period `simulate`: stdlib HBV
# with the reference case nmul4 (4 components, routing) on the reference
# forcing of basin 01031500 (3652 days), compiled twice by dgc (an
# executable and --shared); tests/bmi/bmi_driver.c steps the library through
# BMI and compares every output and state of every day, then set_value of a
# state mid-run. Exit 77 (skipped) when shared/ is absent.
set -eu
DGC=$1
SHARED=$2
WORK=$3
DRIVER=$4
REF=$SHARED/reference
[ -f "$REF/params.csv" ] || { echo "run_bmi: $REF not found, skipped"; exit 77; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$WORK"
cd "$WORK"
"$DGC" "$ROOT/stdlib/models/hbv.dg" -o hbv
"$DGC" "$ROOT/stdlib/models/hbv.dg" --shared -o libhbv.so

case=nmul4
# parameters: CSV for simulate, NAME[k] = VALUE lines for the BMI configuration
awk -F, -v c="$case" 'NR == 1 { print "name,component,value"; next }
  $1 == c && ($3 == "phy" || $3 == "route") { n = $4; sub(/^par/, "", n); print n "," ($3 == "phy" ? $5 : "") "," $11 }' \
  "$REF/params.csv" > params.csv
nmul=$(awk -F, -v c="$case" '$1 == c { print $2; exit }' "$REF/params.csv")
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; print "date,P,T,PET"; next }
  { print $c["date"] "," $c["prcp"] "," $c["tmean"] "," $c["PET"] }' "$REF/forcing_01031500.csv" > forcing.csv
days=$(( $(wc -l < forcing.csv) - 1 ))
{
  echo "# BMI configuration of stdlib HBV, reference case $case"
  echo "basins = 1"
  echo "components = $nmul"
  echo "precision = f64"
  echo "start_time = 0"
  echo "end_time = $days"
  awk -F, 'NR > 1 { print ($2 == "" ? $1 : $1 "[" $2 "]") " = " $3 }' params.csv
} > hbv_bmi.cfg

./hbv simulate --forcing-csv forcing.csv --params params.csv --components "$nmul" --states --out simulate.csv
"$DRIVER" ./libhbv.so hbv_bmi.cfg forcing.csv simulate.csv

# A variant that reads PET and T through norm(): BMI steps one day at a time,
# so the statistics come from the configuration, `mean(X) = ...`, `std(X) = ...`;
# given those of the whole forcing (two passes, as the runtime computes them),
# it equals `simulate`, which standardises with the simulated period's own.
cat > hbv_norm.dg <<'DG'
import "models/hbv.dg"
import "fluxes.dg"
model hbv_norm "HBV with AET scaled by standardised PET and T" extends hbv {
  replace step soil.AET = et_hbv(SM, PET, evapfactor) * (1 + 0.2 * tanh(norm(PET) + 0.5 * norm(T)))
}
DG
"$DGC" hbv_norm.dg -o hbv_norm
"$DGC" hbv_norm.dg --shared -o libhbv_norm.so
grep -v '^#' hbv_bmi.cfg > hbv_norm_nostats.cfg
if "$DRIVER" ./libhbv_norm.so hbv_norm_nostats.cfg forcing.csv simulate.csv > nostats.log 2>&1; then
    echo "NOT OK: a norm() model initialised without its statistics"; exit 1
fi
grep -q "reads input 'T' through norm(): give the statistics of its training data, 'mean(T) = ...'" nostats.log ||
    { echo "NOT OK: no clear error without statistics: $(cat nostats.log)"; exit 1; }
{
  cat hbv_bmi.cfg
  for v in T:3 PET:4; do
    awk -F, -v c="${v#*:}" -v name="${v%:*}" 'NR == FNR { if (FNR > 1) { n++; s += $c } next }
        FNR > 1 { m = s / n; q += ($c - m) * ($c - m) }
        END { printf "mean(%s) = %.17g\nstd(%s) = %.17g\n", name, s / n, name, sqrt(q / n) }' forcing.csv forcing.csv
  done
} > hbv_norm_bmi.cfg
./hbv_norm simulate --forcing-csv forcing.csv --params params.csv --components "$nmul" --states --out simulate_norm.csv
"$DRIVER" ./libhbv_norm.so hbv_norm_bmi.cfg forcing.csv simulate_norm.csv
