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
