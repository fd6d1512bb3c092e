#!/bin/sh
# run_hbv_reference.sh DGC SHARED_DIR WORK_DIR — the model command line end to
# end against shared/reference (hydrodl2 HBV 1.0, basin 01031500): compile
# stdlib/models/hbv.dg with dgc, then for each case run
#   hbv simulate --data camels_us --basin 01031500 --period 1980-10-01:1990-09-30
#       --params <case params> --components <nmul> --init <every store>=0.001
# and compare every output column with hbv_<case>_f64.csv:
#   f64 run: |d| <= 1e-12 * max(|ref|, 1e-3)               (README section 7)
#   f32 run: streamflow |d| <= 1e-4 + 1e-4 |ref|; others |d| <= 1e-3 * max(|ref|, 1e-3)
# This covers the CAMELS reader, Hargreaves PET, parameter files with
# components, --init, the component average and the routing of series.
# Exit 77 (skipped) when shared/ is absent.
set -eu
DGC=$1
SHARED=$2
WORK=$3
REF=$SHARED/reference
[ -f "$REF/params.csv" ] || { echo "run_hbv_reference: $REF not found, skipped"; exit 77; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$WORK"
"$DGC" "$ROOT/stdlib/models/hbv.dg" -o "$WORK/hbv"

fail=0
for case in nmul1_u050 nmul1_uvar nmul4; do
  # params.csv: case,nmul,kind,name,component,raw_index,lower,upper,u,raw,value_f64,value_f32
  awk -F, -v c="$case" 'NR == 1 { print "name,component,value"; next }
    $1 == c && ($3 == "phy" || $3 == "route") {
      name = $4; sub(/^par/, "", name)
      print name "," ($3 == "phy" ? $5 : "") "," $11
      nmul = $2
    }' "$REF/params.csv" > "$WORK/$case.params.csv"
  nmul=$(awk -F, -v c="$case" '$1 == c { print $2; exit }' "$REF/params.csv")
  for prec in f64 f32; do
    out="$WORK/$case.$prec.csv"
    "$WORK/hbv" simulate --data "$SHARED/data/camels_us" --basin 01031500 --period 1980-10-01:1990-09-30 \
      --params "$WORK/$case.params.csv" --components "$nmul" --precision "$prec" \
      --init SNOWPACK=0.001 --init MELTWATER=0.001 --init SM=0.001 --init SUZ=0.001 --init SLZ=0.001 \
      --out "$out"
    # compare the columns the two files share (by name), row by row (same dates)
    if ! awk -F, -v prec="$prec" -v name="$case $prec" '
      FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME == ARGV[1] ? "ref" : "sim", $i] = i
                 if (FILENAME == ARGV[1]) { nref = NF; for (i = 1; i <= NF; i++) hdr[i] = $i }
                 next }
      FILENAME == ARGV[1] { for (i = 1; i <= NF; i++) ref[FNR, i] = $i; nrows = FNR; next }
      {
        if ($1 != ref[FNR, 1]) { printf "%s: row %d: date %s, reference %s\n", name, FNR, $1, ref[FNR, 1]; bad = 1; exit 1 }
        for (i = 2; i <= nref; i++) {
          j = col["sim", hdr[i]]; if (!j) continue
          r = ref[FNR, i] + 0; d = $j - r; if (d < 0) d = -d; a = r < 0 ? -r : r
          if (prec == "f64") tol = 1e-12 * (a > 1e-3 ? a : 1e-3)
          else if (hdr[i] == "streamflow") tol = 1e-4 + 1e-4 * a
          else tol = 1e-3 * (a > 1e-3 ? a : 1e-3)
          e = d / tol; if (e > worst) { worst = e; wcol = hdr[i]; wrow = $1 }
          checked++
        }
        rows++
      }
      END {
        if (bad) exit 1
        if (rows != nrows - 1 || checked == 0) { printf "%s: %d rows compared, reference has %d\n", name, rows, nrows - 1; exit 1 }
        printf "%s: %d values, worst %.3g of the tolerance (%s on %s)\n", name, checked, worst, wcol, wrow
        exit worst > 1
      }' "$REF/hbv_${case}_f64.csv" "$out"; then
      fail=1
    fi
  done
done
exit $fail
